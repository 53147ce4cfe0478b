"""Fault injection: kill -9 workers and restart Redis while thousands of articles go through.

    python benchmarks/faults.py --articles 3000 --kills 8

Runs ingest, two extract and two alert workers as separate processes on a private
redis-server with AOF persistence, submits synthetic stories, kills a random worker several
times (an orchestrator restarts it), restarts Redis once, then checks that every article was
processed and that the alerts equal those of the offline path: 0 lost, 0 duplicated.
Exits 0 only then; the figures are printed last.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.procs import WorkerProcs
from benchmarks.synthetic import COUNTRIES, articles
from schemas.article import Article, ArticleIn
from schemas.receipt import Receipt
from services.alert.offline import alerts_for
from services.common.broker import DATA_FIELD
from services.common.local_redis import LocalRedis, start_local_redis
from services.common.settings import Settings
from services.common.streams import Streams
from services.extract.pipeline import Extractor

WORKERS = ["ingest", "extract", "extract-1", "alert", "alert-1"]


def alert_key(a: dict[str, object]) -> tuple[object, ...]:
    return tuple(a.get(k) for k in ("after", "kind", "category", "group", "location", "min",
                                     "measure", "status"))


def offline_alerts(items: list[ArticleIn], settings: Settings) -> list[tuple[object, ...]]:
    extractor = Extractor(settings.extract)
    facts = [
        extractor.extract(Article(**i.model_dump(exclude={"id"}), id=i.id or "", ingested_at=0))
        for i in items
    ]
    return [alert_key(a.model_dump(mode="json")) for a in alerts_for(facts, settings)]


class Run:
    def __init__(self, args: argparse.Namespace, redis_server: LocalRedis, logdir: Path) -> None:
        self.args = args
        self.server = redis_server
        self.prefix = f"faults-{int(time.time())}"
        self.streams = Streams(self.prefix)
        self.procs = WorkerProcs(redis_server.url, self.prefix, logdir,
                                 claim_idle_ms=args.claim_idle_ms)
        self.kills = 0
        self.redis_restarts = 0
        self.alerted: set[str] = set()
        self.cursor = "0-0"

    async def _redis(self) -> Redis:
        return Redis.from_url(self.server.url, socket_connect_timeout=2, socket_timeout=5)

    async def submit(self, redis: Redis, window: list[ArticleIn]) -> None:
        while True:
            try:
                async with redis.pipeline(transaction=False) as pipe:
                    for item in window:
                        pipe.xadd(self.streams.inbox, {DATA_FIELD: item.model_dump_json()})
                    await pipe.execute()
                return
            except (RedisError, OSError):
                await asyncio.sleep(0.2)  # Redis is restarting: the client retries too

    async def follow_receipts(self, redis: Redis, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got = await redis.xread({self.streams.receipts: self.cursor}, count=1000, block=200)
            except (RedisError, OSError):
                await asyncio.sleep(0.2)
                continue
            for _s, entries in got or []:
                for entry_id, fields in entries:
                    self.cursor = entry_id.decode()
                    receipt = Receipt.model_validate_json(fields[DATA_FIELD.encode()])
                    if receipt.outcome == "alerted":
                        self.alerted.add(receipt.article_id)
            return

    async def chaos(self, duration: float) -> None:
        rng = random.Random(self.args.seed)
        kill_times = sorted(rng.uniform(0.05, 0.9) * duration for _ in range(self.args.kills))
        restart_at = 0.5 * duration
        start = time.monotonic()
        events = sorted([(t, "kill") for t in kill_times] + [(restart_at, "redis")])
        for at, what in events:
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            if what == "kill":
                victim = rng.choice(WORKERS)
                self.procs.kill(victim)
                self.kills += 1
                await asyncio.sleep(0.3)
                self.procs.restart(victim)
            else:
                await asyncio.to_thread(self.server.restart)
                self.redis_restarts += 1

    async def go(self, items: list[ArticleIn]) -> dict[str, object]:
        self.procs.start("ingest")
        self.procs.start("extract")
        self.procs.start("extract", 1)
        self.procs.start("alert")
        self.procs.start("alert", 1)
        redis = await self._redis()
        await asyncio.sleep(2.0)
        started = time.monotonic()
        chaos = asyncio.create_task(self.chaos(self.args.expected_s))
        window = len(COUNTRIES)
        for i in range(0, len(items), window):
            chunk = items[i:i + window]
            await self.submit(redis, chunk)
            want = {c.id for c in chunk}
            deadline = time.monotonic() + self.args.timeout
            while want - self.alerted and time.monotonic() < deadline:
                await self.follow_receipts(redis, 1.0)
            if want - self.alerted:
                break
        await chaos
        elapsed = time.monotonic() - started
        await asyncio.sleep(1.0)
        result = await self.check(redis, items)
        result["elapsed_s"] = round(elapsed, 1)
        result["articles_per_s"] = round(len(items) / elapsed, 1)
        await redis.aclose()
        return result

    async def check(self, redis: Redis, items: list[ArticleIn]) -> dict[str, object]:
        rows = await redis.xrange(self.streams.alerts)
        alerts = [orjson.loads(f[DATA_FIELD.encode()]) for _i, f in rows]
        ids = Counter(a["id"] for a in alerts)
        got = Counter(alert_key(a) for a in alerts)
        expected = Counter(offline_alerts(items, Settings()))
        pending = 0
        for stream in (self.streams.inbox, self.streams.articles, self.streams.facts):
            for group in await redis.xinfo_groups(stream):
                pending += int(group["pending"])
        return {
            "articles": len(items),
            "kills": self.kills,
            "redis_restarts": self.redis_restarts,
            "lost": len({i.id for i in items} - self.alerted),
            "duplicated": sum(n - 1 for n in ids.values() if n > 1),
            "alerts": len(alerts),
            "expected_alerts": sum(expected.values()),
            "missing_alerts": sum((expected - got).values()),
            "unexpected_alerts": sum((got - expected).values()),
            "pending_left": pending,
            "dead_letters": await redis.xlen(self.streams.dead_letter),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--claim-idle-ms", type=int, default=1500)
    parser.add_argument("--timeout", type=float, default=60.0, help="per window of articles")
    parser.add_argument("--expected-s", type=float, default=None,
                        help="span over which the faults are spread (default: from --articles)")
    args = parser.parse_args()
    if args.expected_s is None:
        args.expected_s = max(10.0, args.articles / 60)
    items = list(articles(args.articles, seed=args.seed, tag=f"f{args.seed}"))
    server = start_local_redis(persistent=True)
    logdir = Path(tempfile.mkdtemp(prefix="tocsin-faults-"))
    run = Run(args, server, logdir)
    try:
        result = asyncio.run(run.go(items))
    finally:
        run.procs.stop_all()
        server.cleanup()
    ok = (result["lost"] == 0 and result["duplicated"] == 0 and result["missing_alerts"] == 0
          and result["unexpected_alerts"] == 0 and result["pending_left"] == 0)
    print(f"worker logs: {logdir}")
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
