"""Batches: outputs written with the acknowledgement, in order; failures drop their outputs;
give-ups are dead-lettered at once; marked writes happen once; slow batches are kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import orjson
import pytest
from faststream.redis import RedisRouter
from faststream.redis.parser import BinaryMessageFormatV1
from pydantic import BaseModel
from redis.asyncio import Redis

from services.common.batches import kept, payload_of
from services.common.broker import DATA_FIELD, create_broker
from services.common.consume import UnprocessableError, subscribe_guarded
from services.common.entries import read_range
from services.common.outputs import emit_json
from services.common.settings import Settings
from services.common.streams import Streams
from services.deadletter import list_dead_letters

pytestmark = pytest.mark.redis


class Item(BaseModel):
    id: str
    n: int


async def _wait(predicate: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def _run(settings: Settings, handle: Callable[[Item, Redis], Awaitable[None]],
               items: list[bytes], until: Callable[[], Awaitable[bool]],
               ahead: Callable[[list[tuple[str, Item]]], object] | None = None) -> None:
    """Subscribe `handle` on an items stream, add `items`, wait `until`, stop."""
    streams = Streams(settings.stream_prefix)
    stream = f"{settings.stream_prefix}:items"
    broker = create_broker(settings)
    router = RedisRouter()
    subscribe_guarded(router, settings=settings, streams=streams, worker="test", stream=stream,
                      group="g", consumer="c1", model=Item, handle=handle,
                      ahead=ahead)  # type: ignore[arg-type]
    broker.include_router(router)
    await broker.start()
    try:
        redis: Redis = Redis.from_url(settings.redis_url)
        pipe = redis.pipeline(transaction=False)
        for body in items:  # in one round trip: read as one batch or a few
            pipe.xadd(stream, {DATA_FIELD: body})
        await pipe.execute()
        await _wait(until)
        await redis.aclose()
    finally:
        await broker.stop()


def _bodies(count: int) -> list[bytes]:
    return [Item(id=str(n), n=n).model_dump_json().encode() for n in range(count)]


async def _outputs(redis: Redis, stream: str) -> list[int]:
    return [orjson.loads(payload)["n"] for _, payload in await read_range(redis, stream)]


async def test_outputs_are_written_in_order_and_the_batch_acknowledged(
    settings: Settings, redis: Redis
) -> None:
    out = f"{settings.stream_prefix}:out"
    stream = f"{settings.stream_prefix}:items"

    async def handle(item: Item, r: Redis) -> None:
        await emit_json(r, out, item)

    async def done() -> bool:
        return await redis.xlen(out) == 25 and (await redis.xpending(stream, "g"))[
            "pending"] == 0

    await _run(settings, handle, _bodies(25), done)
    assert await _outputs(redis, out) == list(range(25))


async def test_a_failing_entry_writes_nothing_and_stays_pending_until_dead_lettered(
    settings: Settings, redis: Redis
) -> None:
    out = f"{settings.stream_prefix}:out"
    tries: dict[int, int] = {}

    async def handle(item: Item, r: Redis) -> None:
        await emit_json(r, out, item)  # held, then dropped with the failure
        tries[item.n] = tries.get(item.n, 0) + 1
        if item.n == 2:
            raise RuntimeError("two")

    async def dead() -> bool:
        return len(await list_dead_letters(redis, Streams(settings.stream_prefix))) == 1

    await _run(settings.model_copy(update={"worker": settings.worker.model_copy(
        update={"claim_idle_ms": 300, "max_attempts": 2})}), handle, _bodies(5), dead)
    assert await _outputs(redis, out) == [0, 1, 3, 4]
    assert tries[2] == 2


async def test_an_unprocessable_entry_is_dead_lettered_at_once_with_its_reason(
    settings: Settings, redis: Redis
) -> None:
    async def handle(item: Item, _r: Redis) -> None:
        if item.n == 1:
            raise UnprocessableError("took too long")

    streams = Streams(settings.stream_prefix)

    async def dead() -> bool:
        return len(await list_dead_letters(redis, streams)) == 1

    await _run(settings, handle, _bodies(3), dead)
    (letter,) = await list_dead_letters(redis, streams)
    assert (letter.letter.reason, letter.letter.attempts) == ("took too long", 1)
    assert (await redis.xpending(f"{settings.stream_prefix}:items", "g"))["pending"] == 0


async def test_a_marked_write_happens_once_in_and_out_of_a_batch(
    settings: Settings, redis: Redis
) -> None:
    out = f"{settings.stream_prefix}:out"
    mark = f"{settings.stream_prefix}:mark"

    async def handle(item: Item, r: Redis) -> None:
        await emit_json(r, out, item, once=(mark, 60))

    async def handled() -> bool:
        return (await redis.xpending(f"{settings.stream_prefix}:items", "g"))["pending"] == 0 \
            and await redis.xlen(f"{settings.stream_prefix}:items") == 3

    await _run(settings, handle, _bodies(3), handled)
    await emit_json(redis, out, Item(id="x", n=9), once=(mark, 60))
    assert await _outputs(redis, out) == [0]
    assert 0 < await redis.ttl(mark) <= 60


async def test_a_batch_slower_than_the_claim_idle_time_is_not_handled_twice(
    settings: Settings, redis: Redis
) -> None:
    seen: list[int] = []
    slow = settings.model_copy(update={"worker": settings.worker.model_copy(
        update={"claim_idle_ms": 300})})

    async def handle(item: Item, _r: Redis) -> None:
        seen.append(item.n)
        await asyncio.sleep(0.25)  # the batch of 6 takes 1.5 s, five times the idle time

    async def all_seen() -> bool:
        return len(set(seen)) == 6 and (await redis.xpending(
            f"{settings.stream_prefix}:items", "g"))["pending"] == 0

    await _run(slow, handle, _bodies(6), all_seen)
    await asyncio.sleep(0.5)
    assert sorted(seen) == list(range(6))


async def test_ahead_sees_the_valid_entries_of_each_batch_before_they_are_handled(
    settings: Settings, redis: Redis
) -> None:
    events: list[tuple[str, list[int]]] = []

    @asynccontextmanager
    async def ahead(batch: list[tuple[str, Item]]) -> AsyncIterator[None]:
        events.append(("ahead", [item.n for _, item in batch]))
        yield
        events.append(("end", []))

    async def handle(item: Item, _r: Redis) -> None:
        events.append(("handled", [item.n]))

    async def handled() -> bool:
        streams = Streams(settings.stream_prefix)
        return len(await list_dead_letters(redis, streams)) == 1 and events[-1][0] == "end"

    await _run(settings, handle, [*_bodies(3), b'{"id": "bad"}', *_bodies(5)[3:]], handled,
               ahead)
    announced: list[int] = []
    for kind, numbers in events:  # each batch: announced, then handled in that order
        if kind == "ahead":
            assert not announced
            announced = numbers
        elif kind == "handled":
            assert numbers[0] == announced.pop(0)
        else:
            assert not announced
    assert sorted(n for kind, ns in events if kind == "handled" for n in ns) == list(range(5))


@pytest.mark.parametrize(
    ("fields", "body"),
    [
        ({b"__data__": b'{"a": 1}'}, b'{"a": 1}'),
        ({b"other": b"x"}, b'{"other":"x"}'),
        ({b"__data__": b""}, b'{"__data__":""}'),
    ],
    ids=["data field", "no data field", "empty data field"],
)
def test_payload_of_reads_an_entry_as_faststream_does(
    fields: dict[bytes, bytes], body: bytes
) -> None:
    assert payload_of(fields) == body


async def test_payload_of_opens_faststream_binary_envelope() -> None:
    wrapped = await BinaryMessageFormatV1.encode(message=b'{"a": 1}', reply_to=None,
                                                 headers={}, correlation_id="c")
    assert payload_of({b"__data__": wrapped}) == b'{"a": 1}'


class _SwallowingRedis:
    """A client whose command swallows the task's cancellation, as redis-py 8.1 can."""

    def __init__(self) -> None:
        self.claims = 0

    async def xclaim(self, *_args: object, **_kwargs: object) -> list[str]:
        self.claims += 1
        with suppress(asyncio.CancelledError):
            await asyncio.sleep(0.05)
        return []


async def test_keeping_ends_with_its_block_even_if_a_claim_swallows_the_cancel() -> None:
    client = _SwallowingRedis()

    async def block() -> None:
        async with kept(client, stream="s", group="g", consumer="c", ids=["1-0"],  # type: ignore[arg-type]
                        let_go=set(), idle_ms=30):
            while not client.claims:
                await asyncio.sleep(0.001)
            await asyncio.sleep(0.02)  # the block ends while a claim is in flight

    done, _ = await asyncio.wait({asyncio.create_task(block())}, timeout=5)
    assert done, "the block never ended: its keeper went on claiming"
    claims = client.claims
    await asyncio.sleep(0.2)
    assert client.claims == claims, "the keeper went on claiming after its block"
