"""Bounded streams that never lose an unconsumed entry.

A stream read through consumer groups is trimmed (XTRIM MINID) only up to the oldest entry
that some group still needs: the oldest pending entry of any group, or the first entry after
the slowest group's last-delivered id. A stream that no group reads is left alone here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

log = structlog.get_logger(__name__)


def _parse(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def safe_min_id(redis: Redis, stream: str) -> str | None:
    """The smallest entry id any group of `stream` still needs; None if no group reads it."""
    try:
        groups = await redis.xinfo_groups(stream)
    except ResponseError:  # no such stream
        return None
    if not groups:
        return None
    needed: list[tuple[int, int]] = []
    for group in groups:
        ms, seq = _parse(_text(group["last-delivered-id"]))
        needed.append((ms, seq + 1))
        if int(group["pending"]) > 0:
            summary = await redis.xpending(stream, _text(group["name"]))
            if summary.get("min"):
                needed.append(_parse(_text(summary["min"])))
    ms, seq = min(needed)
    return f"{ms}-{seq}"


async def trim_behind_groups(
    redis: Redis, stream: str, ungrouped_maxlen: int | None = None
) -> int:
    """Trim `stream` up to what its groups still need; returns the entries removed.

    A stream that no group reads is capped at `ungrouped_maxlen` (approximately) when given,
    else left alone.
    """
    min_id = await safe_min_id(redis, stream)
    if min_id is None:
        if ungrouped_maxlen is None:
            return 0
        capped: int = await redis.xtrim(stream, maxlen=ungrouped_maxlen, approximate=True)
        return capped
    if min_id == "0-1":
        return 0
    removed: int = await redis.xtrim(stream, minid=min_id, approximate=False)
    if removed:
        log.info("stream_trimmed", stream=stream, removed=removed, min_id=min_id)
    return removed


async def trim_forever(
    redis: Redis, streams: Sequence[tuple[str, int | None]], every_s: float
) -> None:
    """Background task of a worker: trim its streams, every `every_s` seconds.

    `streams` pairs each stream with its cap for when no group reads it (None: no cap).
    """
    while True:
        await asyncio.sleep(every_s)
        for stream, ungrouped_maxlen in streams:
            try:
                await trim_behind_groups(redis, stream, ungrouped_maxlen)
            except RedisError as exc:
                log.warning("stream_trim_failed", stream=stream, error=str(exc))
