"""What handlers write: entries in the wire format, receipts and dead letters.

A write made inside a handler that `subscribe_guarded` runs is held and sent with the
acknowledgement of its entry (see `services.common.batches`); elsewhere it goes out at once.
"""

from __future__ import annotations

import time

import structlog
from pydantic import BaseModel
from redis.asyncio import Redis

from schemas.dead_letter import DeadLetter
from schemas.receipt import Receipt
from services.common.batches import FLUSH, Write, held_writes, run_flush
from services.common.broker import DATA_FIELD
from services.common.observability import record_failure
from services.common.settings import Settings
from services.common.streams import Streams

log = structlog.get_logger(__name__)


async def write_json(
    redis: Redis, stream: str, model: BaseModel, maxlen: int | None = None
) -> bytes:
    """XADD a model in the wire format (one `__data__` field of JSON).

    Streams read through consumer groups are never capped here: `services.common.trim` trims
    them behind their slowest group. `maxlen` (approximate) is for streams that no group of
    ours reads, such as receipts.
    """
    entry_id: bytes | str = await redis.xadd(
        stream,
        {DATA_FIELD: model.model_dump_json()},
        maxlen=maxlen,
        approximate=True,
    )
    return entry_id if isinstance(entry_id, bytes) else entry_id.encode()


async def send_dead_letter(
    redis: Redis,
    streams: Streams,
    settings: Settings,
    *,
    worker: str,
    stream: str,
    message_id: str,
    payload: bytes,
    reason: str,
    error: str,
    attempts: int,
) -> None:
    letter = DeadLetter(
        stream=stream,
        message_id=message_id,
        worker=worker,
        reason=reason,
        error=error,
        attempts=attempts,
        payload=payload.decode("utf-8", errors="replace"),
        failed_at=time.time(),
    )
    await write_json(redis, streams.dead_letter, letter)
    record_failure(worker, stream, "dead_letter")
    log.warning(
        "message_dead_lettered",
        stream=stream,
        message_id=message_id,
        reason=reason,
        error=error,
        attempts=attempts,
    )


async def emit_json(
    redis: Redis, stream: str, model: BaseModel, maxlen: int | None = None,
    once: tuple[str, int] | None = None,
) -> None:
    """`write_json`, except in a handler that `subscribe_guarded` runs: there the write is
    held and sent, in order, with the acknowledgement of the entry (dropped if it fails).

    `once=(mark key, ttl s)`: the entry is added only if the mark is not set yet, and the
    mark is set (atomically), so that a redelivery does not add it again."""
    write: Write = (stream, model.model_dump_json(), maxlen, *(once or (None, None)))
    held = held_writes()
    if held is not None:
        held.append(write)
    elif once is None:
        await write_json(redis, stream, model, maxlen)
    else:
        await run_flush(redis.register_script(FLUSH), redis, [write])


async def send_receipt(
    redis: Redis, streams: Streams, settings: Settings, receipt: Receipt
) -> None:
    await emit_json(redis, streams.receipts, receipt, settings.worker.stream_maxlen)
