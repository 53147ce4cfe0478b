"""Invalid and failing messages end in the dead-letter stream with the reason, and replay."""

from __future__ import annotations

import asyncio

from faststream.redis import RedisRouter
from pydantic import BaseModel
from redis.asyncio import Redis

from services.common.broker import DATA_FIELD, create_broker
from services.common.consume import subscribe_guarded
from services.common.settings import Settings
from services.common.streams import Streams
from services.deadletter import list_dead_letters, replay_dead_letters


class Item(BaseModel):
    id: str
    n: int


async def _wait(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_bad_and_failing_messages_are_dead_lettered_then_replayed(
    settings: Settings, redis: Redis
) -> None:
    settings = settings.model_copy(
        update={"worker": settings.worker.model_copy(update={"claim_idle_ms": 300,
                                                             "max_attempts": 2})}
    )
    streams = Streams(settings.stream_prefix)
    stream = f"{settings.stream_prefix}:items"
    handled: list[int] = []
    fail = {"on": True}

    async def handle(item: Item, _redis: Redis) -> None:
        if item.n == 3 and fail["on"]:
            raise RuntimeError("cannot digest three")
        handled.append(item.n)

    broker = create_broker(settings)
    router = RedisRouter()
    subscribe_guarded(router, settings=settings, streams=streams, worker="test", stream=stream,
                      group="g", consumer="c1", model=Item, handle=handle)
    broker.include_router(router)
    await broker.start()
    try:
        for n in range(5):
            await redis.xadd(stream, {DATA_FIELD: Item(id=str(n), n=n).model_dump_json()})
        await redis.xadd(stream, {DATA_FIELD: b'{"id": "x", "n": "many"}'})
        await redis.xadd(stream, {DATA_FIELD: b"\xff\xfe not json"})

        async def three_letters() -> bool:
            return len(await list_dead_letters(redis, streams)) == 3

        await _wait(three_letters)
        letters = await list_dead_letters(redis, streams)
        assert sorted(handled) == [0, 1, 2, 4]
        reasons = " | ".join(e.letter.reason for e in letters)
        assert "n: Input should be a valid integer" in reasons
        assert "failed 2 times: RuntimeError: cannot digest three" in reasons
        assert "body is not UTF-8" in reasons
        assert (await redis.xpending(stream, "g"))["pending"] == 0

        fail["on"] = False
        failed = [e.entry_id for e in letters if e.letter.error == "RuntimeError"]
        assert await replay_dead_letters(redis, streams, failed) == failed

        async def three_handled() -> bool:
            return 3 in handled

        await _wait(three_handled)
        assert len(await list_dead_letters(redis, streams)) == 2
    finally:
        await broker.stop()
