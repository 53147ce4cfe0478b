"""Benchmark suite: extraction speed, pipeline vs bare transport, latency, worker memory.

    python benchmarks/run.py [--quick] [--json FILE]

Runs everything on this machine against a private redis-server (or REDIS_URL with
--redis-url), with the workers and the transport hops as separate processes. Prints a table
and writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import orjson
from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.extract_load import extraction_figures  # noqa: E402
from benchmarks.procs import WorkerProcs  # noqa: E402
from benchmarks.synthetic import articles  # noqa: E402
from services.common.broker import DATA_FIELD  # noqa: E402
from services.common.local_redis import start_local_redis  # noqa: E402

DATA = DATA_FIELD.encode()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


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
            reader = self.redis
            while len(latencies) < len(bodies):
                got = await reader.xread({self.answers: self.cursor}, count=1000, block=100)
                now = time.perf_counter()
                for _s, entries in got or []:
                    for entry_id, fields in entries:
                        self.cursor = entry_id.decode()
                        data = orjson.loads(fields[DATA])
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
                due = start + n / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent[key] = time.perf_counter()
                await self.redis.xadd(self.inbox, {DATA: body})
        try:
            await asyncio.wait_for(done.wait(), timeout)
        except TimeoutError:
            follower.cancel()
        return latencies, time.perf_counter() - start


def article_bodies(count: int, tag: str) -> list[tuple[str, bytes]]:
    """`count` synthetic articles; the seed follows the tag, so that two loads never submit
    the same texts (ingest would refuse the second as duplicates and no alert would come)."""
    items = articles(count, seed=zlib.crc32(tag.encode()), tag=tag)
    return [(a.id or "", a.model_dump_json().encode()) for a in items]


async def measure(chain: Chain, tag: str, quick: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    warm = article_bodies(100, f"{tag}w")
    await chain.run_load(warm, None, 60)
    for rate in (50, 100, 200):
        n = int(rate * (4 if quick else 15))
        lat, _ = await chain.run_load(article_bodies(n, f"{tag}r{rate}"), rate, 120)
        out[f"p50_latency_s_at_{rate}"] = round(percentile(lat, 50), 4)
        out[f"p95_latency_s_at_{rate}"] = round(percentile(lat, 95), 4)
        out[f"p99_latency_s_at_{rate}"] = round(percentile(lat, 99), 4)
        out[f"answered_at_{rate}"] = len(lat) / n
    n = 1500 if quick else 6000
    lat, wall = await chain.run_load(article_bodies(n, f"{tag}sat"), None, 300)
    out["saturation_articles_per_s"] = round(len(lat) / wall, 1)
    out["saturation_p99_latency_s"] = round(percentile(lat, 99), 3)
    return out


async def run_transport(redis_url: str, logdir: Path, quick: bool) -> dict[str, float]:
    prefix = f"bench-transport-{int(time.time())}"
    names = [f"{prefix}:{n}" for n in ("in", "h1", "h2", "out")]
    env = dict(os.environ, REDIS_URL=redis_url)
    procs = [
        subprocess.Popen([sys.executable, "-m", "benchmarks.transport", "hop", src, dst, f"g{i}"],
                         cwd=ROOT, env=env, stdout=(logdir / f"hop{i}.log").open("wb"),
                         stderr=subprocess.STDOUT)
        for i, (src, dst) in enumerate(itertools.pairwise(names))
    ]
    redis = Redis.from_url(redis_url)
    try:
        await asyncio.sleep(2.0)
        chain = Chain(redis, names[0], names[-1], lambda d: d.get("id"))  # type: ignore[arg-type,return-value]
        return await measure(chain, "t", quick)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
        await redis.delete(*names)
        await redis.aclose()


def _receipt_id(data: dict[str, object]) -> str | None:
    """Any receipt ends an article's way through the pipeline (alerted, or refused,
    duplicate, dead-lettered at some stage): waiting for `alerted` only would wait out the
    timeout for every article that is not; the outcomes are counted apart."""
    value = data.get("article_id")
    return value if isinstance(value, str) else None


async def run_pipeline(redis_url: str, logdir: Path, quick: bool) -> dict[str, float]:
    prefix = f"bench-pipeline-{int(time.time())}"
    procs = WorkerProcs(redis_url, prefix, logdir, extra_env={"TOCSIN_LOG_LEVEL": "WARNING"})
    procs.start_all()
    redis = Redis.from_url(redis_url)
    try:
        await asyncio.sleep(3.0)
        chain = Chain(redis, f"{prefix}:inbox", f"{prefix}:receipts", _receipt_id)
        out = await measure(chain, "p", quick)
        answered = sum(chain.outcomes.values())
        out["alerted_share"] = round(chain.outcomes["alerted"] / answered, 3) if answered else 0.0
        # memory: a long run at saturation, RSS sampled through it
        total = 3000 if quick else 100_000
        samples: dict[str, list[int]] = {k: [] for k in procs.procs}

        async def sample() -> None:
            while True:
                for key, proc in procs.procs.items():
                    samples[key].append(rss_kb(proc.pid))
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        batch = 5000
        for start in range(0, total, batch):
            bodies = article_bodies(min(batch, total - start), f"m{start}")
            await chain.run_load(bodies, None, 600)
        sampler.cancel()
        growth = []
        for values in samples.values():
            half = values[len(values) // 2:]
            if len(half) >= 2 and half[0] > 0:
                growth.append((max(half) - half[0]) / half[0] * 100)
        out["worker_rss_growth_pct"] = round(max(growth), 1) if growth else float("nan")
        out["worker_rss_mb_end"] = round(max(v[-1] for v in samples.values() if v) / 1024, 1)
        out["memory_run_articles"] = total
        return out
    finally:
        procs.stop_all()
        keys = [k async for k in redis.scan_iter(match=f"{prefix}*")]
        keys += [k async for k in redis.scan_iter(match=f"*{{{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run, under two minutes")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--redis-url", default=None, help="use this Redis, not a private one")
    args = parser.parse_args()
    logdir = Path(tempfile.mkdtemp(prefix="tocsin-bench-"))
    figures: dict[str, object] = {"quick": args.quick, "cores": os.cpu_count()}
    figures.update(extraction_figures(quick=args.quick))
    server = None if args.redis_url else start_local_redis()
    url = args.redis_url or (server.url if server else "")
    try:
        transport = asyncio.run(run_transport(url, logdir, args.quick))
        pipeline = asyncio.run(run_pipeline(url, logdir, args.quick))
    finally:
        if server is not None:
            server.cleanup()
    figures.update({f"transport_{k}": v for k, v in transport.items()})
    figures.update({f"pipeline_{k}": v for k, v in pipeline.items() if not k.startswith("worker")
                    and k != "memory_run_articles"})
    figures["transport_articles_per_s"] = transport["saturation_articles_per_s"]
    figures["pipeline_articles_per_s"] = pipeline["saturation_articles_per_s"]
    figures["pipeline_ratio_to_transport"] = round(
        pipeline["saturation_articles_per_s"] / transport["saturation_articles_per_s"], 3)
    figures["p99_latency_s_at_100"] = pipeline["p99_latency_s_at_100"]
    figures["worker_rss_growth_pct"] = pipeline["worker_rss_growth_pct"]
    figures["worker_rss_mb_end"] = pipeline["worker_rss_mb_end"]
    figures["memory_run_articles"] = pipeline["memory_run_articles"]
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
