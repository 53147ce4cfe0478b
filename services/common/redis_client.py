"""One way to open a Redis client from the settings."""

from __future__ import annotations

from redis.asyncio import Redis

from services.common.settings import Settings


def connect(settings: Settings) -> Redis:
    client: Redis = Redis.from_url(
        settings.redis_url, socket_connect_timeout=3, health_check_interval=30
    )
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
