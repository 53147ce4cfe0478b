"""Reading our streams' entries outside consumer groups, with types that say what comes back.

Every entry of a Tocsin stream holds one field, `__data__`, with the message JSON; these
helpers return `(entry id, payload)` pairs.
"""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import Redis

from services.common.broker import DATA_FIELD

Entry = tuple[str, bytes]

_DATA = DATA_FIELD.encode()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entries(rows: Any) -> list[Entry]:
    out: list[Entry] = []
    for entry_id, fields in rows or []:
        data = cast("dict[bytes, bytes]", fields).get(_DATA, b"")
        out.append((_text(entry_id), data))
    return out


async def read_after(
    redis: Redis, stream: str, cursor: str, *, count: int = 500, block_ms: int | None = None
) -> list[Entry]:
    """Entries after `cursor` (XREAD), waiting up to `block_ms` when there are none."""
    reply = await redis.xread({stream: cursor}, count=count, block=block_ms)
    out: list[Entry] = []
    for _name, rows in cast("list[tuple[bytes, Any]]", reply or []):
        out.extend(_entries(rows))
    return out


async def read_range(
    redis: Redis, stream: str, *, start: str = "-", count: int | None = None
) -> list[Entry]:
    """Entries from `start` on (XRANGE); `(id` excludes that id."""
    return _entries(await redis.xrange(stream, min=start, count=count))


async def last_id(redis: Redis, stream: str) -> str:
    """The id of the newest entry, or 0-0 for an empty or missing stream."""
    rows = _entries(await redis.xrevrange(stream, count=1))
    return rows[0][0] if rows else "0-0"
