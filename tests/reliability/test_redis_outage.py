"""Redis goes away under running workers (killed, then back from its AOF): they resume."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest

from benchmarks.audit import AuditedStream, redis_client, retrying
from benchmarks.faults import alert_key, offline_alerts
from benchmarks.procs import WorkerProcs
from benchmarks.synthetic import COUNTRIES, articles
from schemas.receipt import Receipt
from services.common.broker import DATA_FIELD
from services.common.local_redis import LocalRedis
from services.common.settings import Settings
from services.common.streams import Streams
from tests.reliability.conftest import wait_for_group

pytestmark = [pytest.mark.e2e]

OUTAGE_S = 2.0


async def test_workers_resume_after_redis_is_killed_and_restarted(
    private_redis: LocalRedis, tmp_path: Path
) -> None:
    streams = Streams("outage")
    procs = WorkerProcs(private_redis.url, streams.prefix, tmp_path, claim_idle_ms=1000)
    redis = redis_client(private_redis.url)
    receipts, alerts = AuditedStream(streams.receipts), AuditedStream(streams.alerts)
    await receipts.create(redis)
    await alerts.create(redis)
    procs.start_all()
    window = len(COUNTRIES)
    items = list(articles(3 * window, seed=4, tag="out"))
    alerted: set[str] = set()

    async def submit_and_wait(chunk_no: int, *, crash: bool = False) -> None:
        chunk = items[chunk_no * window : (chunk_no + 1) * window]
        for item in chunk:
            await retrying(redis.xadd, streams.inbox, {DATA_FIELD: item.model_dump_json()})
        if crash:  # mid-flight: the workers are reading, writing and acknowledging
            private_redis.stop(kill=True)
            await asyncio.sleep(OUTAGE_S)
            await asyncio.to_thread(private_redis.restart)
        deadline = time.monotonic() + 90
        while {i.id for i in chunk} - alerted:
            assert time.monotonic() < deadline, procs.logs()
            for data in await receipts.poll(redis):
                receipt = Receipt.model_validate_json(data)
                if receipt.outcome == "alerted":
                    alerted.add(receipt.article_id)

    try:
        for stream, group in ((streams.inbox, "ingest"), (streams.articles, "extract"),
                              (streams.facts, "alert")):
            await wait_for_group(redis, stream, group)
        await submit_and_wait(0)
        await submit_and_wait(1, crash=True)
        await submit_and_wait(2)
        assert all(procs.alive().values()), procs.logs()
        for _ in range(10):
            await alerts.poll(redis, block_ms=100)
        got = [orjson.loads(data) for data in alerts.entries.values()]
        assert len({a["id"] for a in got}) == len(got), "an alert was published twice"
        assert Counter(alert_key(a) for a in got) == Counter(offline_alerts(items, Settings()))
        for stream in (streams.inbox, streams.articles, streams.facts):
            assert all(g["pending"] == 0 for g in await redis.xinfo_groups(stream))
    finally:
        codes = procs.stop_all()
        await redis.aclose()
    assert set(codes.values()) == {0}, procs.logs()
