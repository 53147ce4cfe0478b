"""`tocsin deadletter list|replay`: look at what could not be processed, and queue it again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from schemas.dead_letter import DeadLetter
from services.common.broker import DATA_FIELD
from services.common.entries import read_range
from services.common.redis_client import is_cluster
from services.common.streams import Streams


@dataclass(frozen=True)
class Entry:
    entry_id: str
    letter: DeadLetter


async def list_dead_letters(redis: Redis, streams: Streams, count: int = 100) -> list[Entry]:
    rows = await read_range(redis, streams.dead_letter, count=count)
    return [Entry(entry_id, DeadLetter.model_validate_json(data)) for entry_id, data in rows]


async def replay_dead_letters(
    redis: Redis, streams: Streams, entry_ids: Sequence[str] | None = None
) -> list[str]:
    """Put the payloads back on the streams they came from; returns the replayed entry ids.

    Each replayed letter leaves the dead-letter stream in the same transaction that re-queues
    it, so a letter is never queued twice nor lost. On a Redis Cluster the two streams are in
    different slots, where a transaction cannot go: the letter is queued, then deleted, so
    that a failure in between leaves it to be queued again by the next replay (never lost;
    twice at worst, which the workers' idempotent handling absorbs).
    """
    entries = await list_dead_letters(redis, streams, count=10_000)
    chosen = [e for e in entries if entry_ids is None or e.entry_id in set(entry_ids)]
    done = []
    for entry in chosen:
        body: dict[FieldT, EncodableT] = {DATA_FIELD: entry.letter.payload.encode("utf-8")}
        if is_cluster(redis):
            await redis.xadd(entry.letter.stream, body)
            await redis.xdel(streams.dead_letter, entry.entry_id)
        else:
            async with redis.pipeline(transaction=True) as pipe:
                pipe.xadd(entry.letter.stream, body)
                pipe.xdel(streams.dead_letter, entry.entry_id)
                await pipe.execute()
        done.append(entry.entry_id)
    return done
