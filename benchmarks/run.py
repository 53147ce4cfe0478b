"""Benchmark suite: extraction speed, pipeline vs bare transport, latency, worker memory.

    python benchmarks/run.py [--quick] [--json FILE] [--redis-url URL]

Runs on this machine against a private redis-server (or --redis-url), the three workers and
the three transport hops each as a process of its own, all started once. Measures:
- extraction: articles per CPU second of one process on the dev stories (or synthetic ones),
  and its peak memory;
- latency from inbox to receipt at 50, 100 and 200 articles/s offered, pipeline and transport;
- saturation throughput of both, in alternating rounds (the machine is shared: each round's
  pipeline figure is quoted against the transport round next to it, and the medians taken),
  with the CPU each process spent per article;
- the workers' memory (with their extraction processes) through a long run at saturation.
Prints a table with the targets of issue 8 and writes every figure as JSON.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.extract_load import extraction_figures  # noqa: E402
from benchmarks.load import (  # noqa: E402
    Chain,
    article_bodies,
    cpu_s,
    median,
    percentile,
    receipt_id,
    rss_kb,
)
from benchmarks.procs import WorkerProcs  # noqa: E402
from services.common.local_redis import start_local_redis  # noqa: E402
from services.common.logging import configure_logging  # noqa: E402

TARGETS: list[tuple[str, str, float]] = [
    ("extract_articles_per_s_per_core", ">=", 500),
    ("pipeline_ratio_to_transport", ">=", 0.5),
    ("p99_latency_s_at_100", "<", 0.1),
    ("worker_rss_growth_pct", "<=", 10),
]
RATES = (50, 100, 200)


@dataclass
class Plan:
    rate_seconds: float
    rounds: int
    round_articles: int
    memory_articles: int
    memory_chunk: int

    @classmethod
    def of(cls, quick: bool) -> Plan:
        if quick:
            return cls(rate_seconds=4, rounds=3, round_articles=1000, memory_articles=3000,
                       memory_chunk=1500)
        return cls(rate_seconds=15, rounds=5, round_articles=5000, memory_articles=100_000,
                   memory_chunk=5000)


@dataclass
class Bench:
    """The transport hops and the workers, started once, and a chain to each."""

    redis: Redis
    redis_pid: int | None
    transport: Chain
    pipeline: Chain
    hops: list[subprocess.Popen[bytes]]
    workers: WorkerProcs
    prefix: str
    alerts_stream: str
    figures: dict[str, object] = field(default_factory=dict)

    def pids(self, which: str) -> dict[str, int]:
        if which == "transport":
            out = {f"hop{n}": p.pid for n, p in enumerate(self.hops)}
        else:
            out = {k: p.pid for k, p in self.workers.procs.items()}
        if self.redis_pid is not None:
            out["redis"] = self.redis_pid
        return out


def start(redis_url: str, redis_pid: int | None, logdir: Path) -> Bench:
    stamp = int(time.time())
    names = [f"bench-transport-{stamp}:{n}" for n in ("in", "h1", "h2", "out")]
    env = dict(os.environ, REDIS_URL=redis_url)
    hops = [
        subprocess.Popen([sys.executable, "-m", "benchmarks.transport", "hop", src, dst, f"g{i}"],
                         cwd=ROOT, env=env, stdout=(logdir / f"hop{i}.log").open("wb"),
                         stderr=subprocess.STDOUT)
        for i, (src, dst) in enumerate(itertools.pairwise(names))
    ]
    prefix = f"bench-pipeline-{stamp}"
    workers = WorkerProcs(redis_url, prefix, logdir, extra_env={"TOCSIN_LOG_LEVEL": "WARNING"})
    workers.start_all()
    redis = Redis.from_url(redis_url)
    return Bench(
        redis=redis, redis_pid=redis_pid,
        transport=Chain(redis, names[0], names[-1], lambda d: d.get("id")),  # type: ignore[arg-type,return-value]
        pipeline=Chain(redis, f"{prefix}:inbox", f"{prefix}:receipts", receipt_id),
        hops=hops, workers=workers, prefix=prefix, alerts_stream=f"{prefix}:alerts",
    )


async def stop(bench: Bench, *, private: bool) -> None:
    for p in bench.hops:
        p.terminate()
    for p in bench.hops:
        p.wait(timeout=10)
    bench.workers.stop_all()
    try:
        if not private:  # a private server goes away with its data
            for pattern in (f"{bench.prefix}*", f"*{{{bench.prefix}*", "bench-transport-*"):
                keys = [k async for k in bench.redis.scan_iter(match=pattern, count=1000)]
                for first in range(0, len(keys), 1000):  # UNLINK: Redis frees them apart
                    await bench.redis.unlink(*keys[first:first + 1000])
    except (OSError, RedisError) as exc:
        print(f"benchmark keys not all deleted: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        await bench.redis.aclose()


async def latencies(chain: Chain, tag: str, plan: Plan) -> dict[str, float]:
    out: dict[str, float] = {}
    for rate in RATES:
        n = int(rate * plan.rate_seconds)
        lat, _ = await chain.run_load(article_bodies(n, f"{tag}r{rate}"), rate, 120)
        for q in (50, 95, 99):
            out[f"p{q}_latency_s_at_{rate}"] = round(percentile(lat, q), 4)
        out[f"answered_at_{rate}"] = round(len(lat) / n, 4)
    return out


async def saturation(bench: Bench, which: str, tag: str, n: int) -> dict[str, float]:
    chain = bench.transport if which == "transport" else bench.pipeline
    pids = bench.pids(which)
    before = {k: cpu_s(p) for k, p in pids.items()}
    alerts_before = await _added(bench.redis, bench.alerts_stream)
    lat, wall = await chain.run_load(article_bodies(n, tag), None, 600)
    out = {"articles_per_s": len(lat) / wall, "p99_latency_s": percentile(lat, 99)}
    for key, pid in pids.items():
        out[f"cpu_ms_per_article_{key}"] = (cpu_s(pid) - before[key]) * 1000 / max(1, len(lat))
    if which == "pipeline":
        out["alerts_out_per_s"] = (await _added(bench.redis, bench.alerts_stream)
                                   - alerts_before) / wall
    return out


async def _added(redis: Redis, stream: str) -> int:
    """Entries ever added to `stream` (its length shrinks as it is trimmed)."""
    if not await redis.exists(stream):
        return 0
    info: dict[Any, Any] = await redis.xinfo_stream(stream)
    return int(info.get("entries-added") or info.get(b"entries-added") or 0)


async def memory(bench: Bench, plan: Plan) -> dict[str, object]:
    """A long run at saturation, each worker's RSS (with its children) sampled through it."""
    samples: dict[str, list[int]] = {k: [] for k in bench.workers.procs}

    async def sample() -> None:
        while True:
            for key, proc in bench.workers.procs.items():
                samples[key].append(rss_kb(proc.pid))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    for first in range(0, plan.memory_articles, plan.memory_chunk):
        bodies = article_bodies(min(plan.memory_chunk, plan.memory_articles - first), f"m{first}")
        await bench.pipeline.run_load(bodies, None, 900)
    sampler.cancel()
    growth: dict[str, float] = {}
    for key, values in samples.items():
        half = values[len(values) // 2:]
        if len(half) >= 2 and half[0] > 0:
            growth[key] = round((max(half) - half[0]) / half[0] * 100, 1)
    return {
        "worker_rss_growth_pct": max(growth.values()) if growth else float("nan"),
        "worker_rss_growth_pct_by_worker": growth,
        "worker_rss_mb_end": {k: round(v[-1] / 1024, 1) for k, v in samples.items() if v},
        "memory_run_articles": plan.memory_articles,
        "memory_run_s": round(time.perf_counter() - started, 1),
    }


def _medians(rounds: list[dict[str, float]], stem: str) -> dict[str, float]:
    keys = rounds[0].keys() if rounds else []
    return {f"{stem}{k}": round(median([r[k] for r in rounds]), 4) for k in keys}


async def run(redis_url: str, redis_pid: int | None, logdir: Path, plan: Plan
              ) -> dict[str, object]:
    bench = start(redis_url, redis_pid, logdir)
    out: dict[str, object] = {}
    try:
        await asyncio.sleep(3.0)
        for chain, tag in ((bench.transport, "tw"), (bench.pipeline, "pw")):  # warm up
            await chain.run_load(article_bodies(100, tag), None, 120)
        out.update({f"transport_{k}": v for k, v in
                    (await latencies(bench.transport, "t", plan)).items()})
        out.update({f"pipeline_{k}": v for k, v in
                    (await latencies(bench.pipeline, "p", plan)).items()})
        transport, pipeline, ratios = [], [], []
        for n in range(plan.rounds):
            transport.append(await saturation(bench, "transport", f"ts{n}", plan.round_articles))
            pipeline.append(await saturation(bench, "pipeline", f"ps{n}", plan.round_articles))
            ratios.append(pipeline[-1]["articles_per_s"] / transport[-1]["articles_per_s"])
        out.update(_medians(transport, "transport_saturation_"))
        out.update(_medians(pipeline, "pipeline_saturation_"))
        out["pipeline_ratio_by_round"] = [round(r, 3) for r in ratios]
        out["transport_articles_per_s"] = out["transport_saturation_articles_per_s"]
        out["pipeline_articles_per_s"] = out["pipeline_saturation_articles_per_s"]
        out["pipeline_ratio_to_transport"] = round(median(ratios), 3)
        out["p99_latency_s_at_100"] = out["pipeline_p99_latency_s_at_100"]
        answered = sum(bench.pipeline.outcomes.values())
        out["pipeline_alerted_share"] = round(
            bench.pipeline.outcomes["alerted"] / answered, 3) if answered else 0.0
        out.update(await memory(bench, plan))
    finally:
        await stop(bench, private=redis_pid is not None)
    return out


def verdict(figures: dict[str, object], key: str, op: str, limit: float) -> str:
    value = figures.get(key)
    if not isinstance(value, int | float):
        return "?"
    checks: dict[str, Callable[[float, float], bool]] = {
        ">=": lambda v, t: v >= t, "<": lambda v, t: v < t, "<=": lambda v, t: v <= t,
    }
    return "ok" if checks[op](float(value), limit) else "MISSED"


def table(figures: dict[str, object]) -> str:
    lines = [f"{'target':<34} {'value':>10}  {'goal':<8} result", "-" * 64]
    for key, op, limit in TARGETS:
        lines.append(f"{key:<34} {figures.get(key)!s:>10}  {op} {limit:<5} "
                     f"{verdict(figures, key, op, limit)}")
    lines += ["", "all figures:"]
    width = max(len(k) for k in figures)
    lines += [f"  {k:<{width}}  {v}" for k, v in figures.items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run, under two minutes")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--redis-url", default=None, help="use this Redis, not a private one")
    args = parser.parse_args()
    configure_logging("WARNING", None)
    began = time.perf_counter()
    logdir = Path(tempfile.mkdtemp(prefix="tocsin-bench-"))
    figures: dict[str, object] = {"quick": args.quick, "cores": os.cpu_count(),
                                  "load_average_at_start": os.getloadavg()[0]}
    figures.update(extraction_figures(quick=args.quick))
    server = None if args.redis_url else start_local_redis()
    url = args.redis_url or (server.url if server else "")
    try:
        figures.update(asyncio.run(run(url, server.process.pid if server else None, logdir,
                                       Plan.of(args.quick))))
    finally:
        if server is not None:
            server.cleanup()
    figures["load_average_at_end"] = os.getloadavg()[0]
    figures["seconds"] = round(time.perf_counter() - began, 1)
    print(table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
