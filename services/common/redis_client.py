"""One way to open a Redis client from the settings, and the socket options every client of
ours (the workers' broker included) shares."""

from __future__ import annotations

import socket
from typing import Any

from redis.asyncio import Redis

from services.common.settings import Settings

# TCP keepalive: an idle connection whose peer is gone (a host down, a cut network: no reset
# ever comes) is found in KEEPIDLE + KEEPINTVL * KEEPCNT seconds, with or without a reply
# timeout.
_KEEPALIVE = {
    name: value
    for name, value in (("TCP_KEEPIDLE", 6), ("TCP_KEEPINTVL", 3), ("TCP_KEEPCNT", 3))
    if hasattr(socket, name)
}


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection options for redis-py (and faststream's broker, which passes them on)."""
    return {
        "socket_connect_timeout": 3,
        "socket_timeout": settings.redis_timeout_s,
        "socket_keepalive": True,
        "socket_keepalive_options": {getattr(socket, k): v for k, v in _KEEPALIVE.items()},
        "health_check_interval": 30,
    }


def connect(settings: Settings) -> Redis:
    client: Redis = Redis.from_url(settings.redis_url, **client_options(settings))
    return client


async def reachable(settings: Settings) -> bool:
    client = connect(settings)
    try:
        return bool(await client.ping())
    except OSError:
        return False
    except Exception:  # redis.ConnectionError and friends
        return False
    finally:
        await client.aclose()
