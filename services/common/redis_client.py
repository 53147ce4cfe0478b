"""One way to open a Redis client from the settings: a plain client, or a cluster client when
`redis_cluster` is set (the URL then names any node; the others are discovered), with the
socket options every client of ours (the workers' broker included) shares."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript

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
    """A client for `settings.redis_url`.

    On a cluster this is a `RedisCluster`, typed as `Redis`: it has the same command methods
    (and scripts, pipelines without transactions), routed by key slot; the few places whose
    multi-key work differs on a cluster ask `is_cluster`."""
    if settings.redis_cluster:
        return cast(Redis, RedisCluster.from_url(settings.redis_url, **client_options(settings)))
    client: Redis = Redis.from_url(settings.redis_url, **client_options(settings))
    return client


def is_cluster(redis: object) -> bool:
    """The client speaks to a Redis Cluster: a script or a transaction must keep its keys in
    one hash slot, and several slots take several calls."""
    return isinstance(redis, RedisCluster)


def queue_script(
    pipe: Any, script: AsyncScript, keys: Sequence[str], args: Sequence[Any]
) -> None:
    """Queue `script` (EVALSHA) in a pipeline without a transaction, plain or cluster.

    Through `execute_command`: redis-py 8.1's cluster pipeline refuses its `evalsha` method
    (redis/redis-py#2914, lifted in a later release), not the command itself, which it sends to
    the node of its keys' slot like any other. A script that Redis does not know comes back as
    a NoScriptError in the results: the caller runs it through `script` (which loads it)."""
    pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)


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
