"""Offered load and what comes back: a chain of streams fed at a rate, answers timed per id."""

from __future__ import annotations

import asyncio
import os
import time
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import orjson
from redis.asyncio import Redis

from benchmarks.synthetic import articles
from services.common.broker import DATA_FIELD
from services.common.entries import read_after

DATA = DATA_FIELD.encode()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def median(values: list[float]) -> float:
    return percentile(values, 50)


def rss_kb(pid: int) -> int:
    """Resident memory of a process and of its children (the extraction processes)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if entry.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


def cpu_s(pid: int) -> float:
    """CPU seconds of a process and of its children."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if entry.name == str(pid) or stat[1] == str(pid):
            total += (int(stat[11]) + int(stat[12])) / tick
    return total


def article_bodies(count: int, tag: str) -> list[tuple[str, bytes]]:
    """`count` synthetic articles; the seed follows the tag, so that two loads never submit
    the same texts (ingest would refuse the second as duplicates and no alert would come)."""
    items = articles(count, seed=zlib.crc32(tag.encode()), tag=tag)
    return [(a.id or "", a.model_dump_json().encode()) for a in items]


class Chain:
    """Something that takes bodies in on one stream and answers per id on another."""

    def __init__(self, redis: Redis, inbox: str, answers: str,
                 answer_id: Callable[[dict[str, object]], str | None]) -> None:
        self.redis = redis
        self.inbox = inbox
        self.answers = answers
        self.answer_id = answer_id
        self.cursor = "0-0"
        self.outcomes: Counter[str] = Counter()

    async def run_load(self, bodies: list[tuple[str, bytes]], rate: float | None,
                       timeout: float) -> tuple[list[float], float]:
        """Offer `bodies` at `rate` per second (None: as fast as possible).

        Returns the latencies (s) of the answers and the wall time from first submit to last
        answer.
        """
        sent: dict[str, float] = {}
        latencies: list[float] = []
        done = asyncio.Event()

        async def follow() -> None:
            while len(latencies) < len(bodies):
                got = await read_after(self.redis, self.answers, self.cursor, count=1000,
                                       block_ms=100)
                now = time.perf_counter()
                for entry_id, payload in got:
                    self.cursor = entry_id
                    data = orjson.loads(payload)
                    key = self.answer_id(data)
                    if key is not None and key in sent:
                        latencies.append(now - sent.pop(key))
                        self.outcomes[str(data.get("outcome", "answered"))] += 1
            done.set()

        follower = asyncio.create_task(follow())
        start = time.perf_counter()
        if rate is None:
            pipe = self.redis.pipeline(transaction=False)
            for n, (key, body) in enumerate(bodies):
                sent[key] = time.perf_counter()
                pipe.xadd(self.inbox, {DATA: body})
                if n % 200 == 199:
                    await pipe.execute()
                    pipe = self.redis.pipeline(transaction=False)
            await pipe.execute()
        else:
            for n, (key, body) in enumerate(bodies):
                delay = start + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent[key] = time.perf_counter()
                await self.redis.xadd(self.inbox, {DATA: body})
        try:
            await asyncio.wait_for(done.wait(), timeout)
        except TimeoutError:
            follower.cancel()
        return latencies, time.perf_counter() - start


def receipt_id(data: dict[str, object]) -> str | None:
    """Any receipt ends an article's way through the pipeline (alerted, or refused,
    duplicate, dead-lettered at some stage): waiting for `alerted` only would wait out the
    timeout for every article that is not; the outcomes are counted apart."""
    value = data.get("article_id")
    return value if isinstance(value, str) else None
