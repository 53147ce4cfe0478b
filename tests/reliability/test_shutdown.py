"""SIGTERM mid-load: the worker stops reading, finishes and acknowledges what it holds in
hand, exits 0 within `worker.shutdown_timeout_s`, and loses nothing."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import orjson
import pytest
from redis.asyncio import Redis

from benchmarks.procs import WorkerProcs
from benchmarks.synthetic import articles
from schemas.article import Article
from services.common.broker import DATA_FIELD
from services.common.entries import read_range
from services.common.settings import Settings
from services.common.streams import Streams
from tests.reliability.conftest import wait_for_group

pytestmark = [pytest.mark.redis, pytest.mark.e2e]

SHUTDOWN_S = 4.0
MARGIN_S = 3.0
COUNT = 30
READ_COUNT = 10  # a read takes a third of the backlog: the worker must stop reading after it


def slow_articles() -> list[Article]:
    """Long texts (each some hundred milliseconds of extraction), so that a message is in
    the handler's hands when the signal comes."""
    out = []
    for n, item in enumerate(articles(COUNT, seed=5, tag="term")):
        text = "\n\n".join(a.text for a in articles(400, seed=n, tag="x") if a.lang == item.lang)
        out.append(Article(id=item.id or "", lang=item.lang, text=f"{item.text}\n\n{text}",
                           published=item.published, ingested_at=0.0))
    return out


async def facts_by_article(redis: Redis, stream: str) -> dict[str, int]:
    got: dict[str, int] = {}
    for _id, data in await read_range(redis, stream):
        aid = orjson.loads(data)["article_id"]
        got[aid] = got.get(aid, 0) + 1
    return got


def text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def delivered(redis: Redis, stream: str, entries: list[str]) -> int:
    """How many of `entries` the group has read so far."""
    last = text((await redis.xinfo_groups(stream))[0]["last-delivered-id"])
    return sum(1 for e in entries if tuple(map(int, e.split("-"))) <= tuple(
        map(int, last.split("-"))))


async def test_sigterm_finishes_in_flight_work_and_exits_in_time(
    settings: Settings, redis: Redis, tmp_path: Path
) -> None:
    streams = Streams(settings.stream_prefix)
    procs = WorkerProcs(settings.redis_url, settings.stream_prefix, tmp_path,
                        claim_idle_ms=60_000,
                        extra_env={"TOCSIN_WORKER__SHUTDOWN_TIMEOUT_S": str(SHUTDOWN_S),
                                   "TOCSIN_WORKER__READ_COUNT": str(READ_COUNT)})
    worker = procs.start("extract")
    try:
        await wait_for_group(redis, streams.articles, "extract")
        items = slow_articles()
        entry_of = {}
        for item in items:
            entry_of[item.id] = text(
                await redis.xadd(streams.articles, {DATA_FIELD: item.model_dump_json()}))
        entries = list(entry_of.values())
        while await redis.xlen(streams.facts) < 2:  # busy with the third one
            await asyncio.sleep(0.01)
        worker.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        at_signal = await redis.xlen(streams.facts)
        read_at_signal = await delivered(redis, streams.articles, entries)
        code = await asyncio.to_thread(worker.wait, SHUTDOWN_S + MARGIN_S + 5)
        took = time.monotonic() - sent
        assert code == 0, procs.logs()
        assert took < SHUTDOWN_S + MARGIN_S

        # it stopped reading: at most the read under way when the signal came
        read_at_exit = await delivered(redis, streams.articles, entries)
        assert read_at_exit <= read_at_signal + READ_COUNT
        assert read_at_exit < COUNT
        read = set(entries[:read_at_exit])
        pending = {text(r["message_id"]) for r in await redis.xpending_range(
            streams.articles, "extract", min="-", max="+", count=1000)}
        done = await facts_by_article(redis, streams.facts)
        assert len(done) > at_signal, "the message in hand at the signal was not finished"
        for aid, entry in entry_of.items():
            # acknowledged only with its facts written; nothing written and left unacknowledged
            assert (aid in done) == (entry in read and entry not in pending), aid

        # what it had read but not begun is claimed by the next consumer: nothing is lost
        procs.claim_idle_ms = 500
        procs.start("extract")
        deadline = time.monotonic() + 120
        while len(await facts_by_article(redis, streams.facts)) < COUNT:
            assert time.monotonic() < deadline, procs.logs()
            await asyncio.sleep(0.2)
        after = await facts_by_article(redis, streams.facts)
        assert all(after[aid] == 1 for aid in done), "an acknowledged message came back"
    finally:
        codes = procs.stop_all()
    assert set(codes.values()) == {0}
