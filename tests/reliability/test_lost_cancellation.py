"""A cancellation that a Redis call swallows must not hang a batch.

redis-py 8.1's asyncio client sometimes returns normally from a command during which its task
was cancelled (measured: about half of 300 cancellations landing during an XCLAIM). A batch's
keep-alive task, cancelled that way, looped for ever, and the batch, which awaits it on its
way out, never ended: the worker read nothing more (the fuzz run's inbox stalled after 61
entries, alive, with nothing pending).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.common.batches import kept


class SwallowingRedis:
    """XCLAIM that, cancelled while it waits, returns as if it had not been."""

    def __init__(self) -> None:
        self.claims = 0

    async def xclaim(self, *_args: Any, **_kwargs: Any) -> list[str]:
        self.claims += 1
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            return []  # the cancellation is lost, as in redis-py
        return []


@pytest.mark.timeout(20)
async def test_keep_alive_ends_even_when_a_redis_call_swallows_its_cancellation() -> None:
    redis = SwallowingRedis()
    ids = ["1-0", "1-1"]

    async def one_batch() -> None:
        async with kept(redis, stream="s", group="g", consumer="c",  # type: ignore[arg-type]
                        ids=ids, let_go=set(), idle_ms=30):
            await asyncio.sleep(0.3)  # the keep-alive claims ~every 10 ms meanwhile

    await asyncio.wait_for(one_batch(), timeout=5)
    assert redis.claims > 3


@pytest.mark.timeout(20)
async def test_a_batch_cancelled_while_its_keep_alive_ends_is_cancelled() -> None:
    """The batch's own cancellation (the worker stopping) is not swallowed on the way out."""
    redis = SwallowingRedis()

    async def one_batch() -> None:
        async with kept(redis, stream="s", group="g", consumer="c",  # type: ignore[arg-type]
                        ids=["1-0"], let_go=set(), idle_ms=30):
            await asyncio.sleep(10)

    task = asyncio.create_task(one_batch())
    await asyncio.sleep(0.1)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done, "the batch did not end"
    assert task.cancelled()
