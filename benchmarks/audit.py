"""An auditor's view of output streams, read through a consumer group of its own.

The workers trim every stream behind its slowest group, so a fault or fuzz run that reads
receipts, alerts or dead letters through its own group can never miss an entry to trimming.
Each poll first re-reads the auditor's own pending entries (an XREADGROUP whose reply was
lost to a Redis restart leaves them there), so an outage cannot hide one either. Entries are
kept by entry id: a re-read is never mistaken for a duplicate.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from services.common.broker import DATA_FIELD

_DATA = DATA_FIELD.encode()
GROUP = "audit"
CONSUMER = "auditor"


def redis_client(url: str) -> Redis:
    """A client that gives up quickly, so that the caller's own loop does the retrying."""
    client: Redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return client


async def retrying(what: Any, *args: Any, pause: float = 0.2, **kwargs: Any) -> Any:
    """Await `what(*args, **kwargs)` until Redis answers (it may be restarting)."""
    while True:
        try:
            return await what(*args, **kwargs)
        except (RedisError, OSError):
            await asyncio.sleep(pause)


@dataclass
class AuditedStream:
    """Every entry of one stream, in order, as `{entry id: JSON payload}`."""

    stream: str
    entries: dict[str, bytes] = field(default_factory=dict)

    async def create(self, redis: Redis) -> None:
        try:
            await redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def poll(self, redis: Redis, block_ms: int | None = 200) -> list[bytes]:
        """Read what is new (and the auditor's own pending); return the new payloads.

        `block_ms` is how long to wait when nothing is new; None: not at all.
        """
        fresh: list[bytes] = []
        for cursor in ("0", ">"):
            try:
                reply = await redis.xreadgroup(
                    GROUP, CONSUMER, {self.stream: cursor}, count=1000,
                    block=block_ms if cursor == ">" else None,
                )
            except (RedisError, OSError):
                await asyncio.sleep(0.2)
                return fresh
            ids: list[bytes] = []
            for _name, rows in cast("list[tuple[bytes, Any]]", reply or []):
                for raw_id, fields in rows:
                    ids.append(raw_id)
                    entry_id = raw_id.decode()
                    if entry_id not in self.entries and fields:
                        data = cast("dict[bytes, bytes]", fields).get(_DATA, b"")
                        self.entries[entry_id] = data
                        fresh.append(data)
            if ids:
                try:
                    await redis.xack(self.stream, GROUP, *ids)
                except (RedisError, OSError):
                    return fresh  # still pending: read again on the next poll
        return fresh
