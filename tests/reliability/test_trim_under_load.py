"""Under load, streams read by groups stay bounded, yet a slow group keeps every entry it has
not read: the workers' trimmers cut only behind the slowest group."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import orjson
import pytest
from redis.asyncio import Redis

from benchmarks.audit import AuditedStream
from benchmarks.procs import WorkerProcs
from benchmarks.synthetic import COUNTRIES, articles
from schemas.receipt import Receipt
from services.common.broker import DATA_FIELD
from services.common.entries import read_range
from services.common.settings import Settings
from services.common.streams import Streams
from tests.reliability.conftest import wait_for_group

pytestmark = [pytest.mark.redis, pytest.mark.e2e]

WINDOWS = 10
TRIM_EVERY_S = 0.5


async def until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def test_streams_stay_bounded_and_a_slow_group_keeps_its_entries(
    settings: Settings, redis: Redis, tmp_path: Path
) -> None:
    streams = Streams(settings.stream_prefix)
    procs = WorkerProcs(settings.redis_url, settings.stream_prefix, tmp_path,
                        extra_env={"TOCSIN_WORKER__TRIM_EVERY_S": str(TRIM_EVERY_S)})
    receipts = AuditedStream(streams.receipts)
    await receipts.create(redis)
    procs.start_all()
    window = len(COUNTRIES)
    items = list(articles(WINDOWS * window, seed=8, tag="trim"))
    alerted: set[str] = set()
    longest = {streams.inbox: 0, streams.facts: 0}
    try:
        await wait_for_group(redis, streams.articles, "extract")
        await redis.xgroup_create(streams.articles, "slow", id="0")  # reads nothing yet
        await wait_for_group(redis, streams.inbox, "ingest")
        await wait_for_group(redis, streams.facts, "alert")
        for n in range(WINDOWS):
            chunk = items[n * window : (n + 1) * window]
            for item in chunk:
                await redis.xadd(streams.inbox, {DATA_FIELD: item.model_dump_json()})
            deadline = time.monotonic() + 60
            while {i.id for i in chunk} - alerted:
                assert time.monotonic() < deadline, procs.logs()
                for data in await receipts.poll(redis):
                    alerted.add(Receipt.model_validate_json(data).article_id)
                for stream, most in longest.items():
                    longest[stream] = max(most, await redis.xlen(stream))
            await asyncio.sleep(TRIM_EVERY_S / 2)  # a steady load, not one burst

        # bounded: what a trimming period or two let in, of the WINDOWS written
        assert max(longest.values()) <= 4 * window, longest

        async def drained() -> bool:
            return all([await redis.xlen(s) == 0 for s in (streams.inbox, streams.facts)])

        await until(drained, 10 * TRIM_EVERY_S + 5, "consumed entries were not trimmed")
        # ...and the slow group's unread entries are all still there, in order
        assert await redis.xlen(streams.articles) == len(items)
        rows = await read_range(redis, streams.articles)
        assert [orjson.loads(data)["id"] for _e, data in rows] == [i.id for i in items]
        await redis.xreadgroup("slow", "late", {streams.articles: ">"}, count=10_000)
        slow = [g for g in await redis.xinfo_groups(streams.articles) if g["name"] == b"slow"]
        assert slow[0]["pending"] == len(items)
        await redis.xack(streams.articles, "slow", *[entry for entry, _data in rows])

        async def trimmed() -> bool:
            return await redis.xlen(streams.articles) == 0

        await until(trimmed, 10 * TRIM_EVERY_S + 5, "the slow group caught up, nothing was cut")
        assert await read_range(redis, streams.articles) == []
    finally:
        codes = procs.stop_all()
    assert set(codes.values()) == {0}
