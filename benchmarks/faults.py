"""Fault injection: kill -9 workers and restart Redis while thousands of articles go through.

    python benchmarks/faults.py --articles 3000 --kills 8

Runs ingest, two extract and two alert workers as separate processes on a private
redis-server with AOF persistence (fsync always), submits synthetic stories, kills a random
worker several times (an orchestrator restarts it), restarts Redis once, then checks that
every article was processed and that the alerts equal those of the offline path: 0 lost,
0 duplicated, no worker crashed, every worker stopped cleanly on SIGTERM, nothing left
pending, and the input streams trimmed down behind their groups. Exits 0 only then; the
figures are printed last.

The faults are spread over the run by progress (a kill when a random share of the articles
has been alerted, the Redis restart at half), so they land mid-flight at any speed.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.audit import AuditedStream, redis_client, retrying
from benchmarks.procs import WorkerProcs
from benchmarks.synthetic import COUNTRIES, articles
from schemas.article import ArticleIn
from schemas.receipt import Receipt
from services.alert.offline import alerts_for
from services.cli import as_article
from services.common.broker import DATA_FIELD
from services.common.local_redis import LocalRedis, start_local_redis
from services.common.settings import Settings
from services.common.streams import Streams
from services.extract.pipeline import Extractor

WORKERS = ["ingest", "extract", "extract-1", "alert", "alert-1"]
ALERT_FIELDS = ("after", "kind", "category", "group", "location", "min", "measure", "status")


def alert_key(a: dict[str, object]) -> tuple[object, ...]:
    return tuple(a.get(k) for k in ALERT_FIELDS)


def offline_alerts(items: list[ArticleIn], settings: Settings) -> list[tuple[object, ...]]:
    """The alerts of `tocsin alerts` over the same articles, in the same order."""
    extractor = Extractor(settings.extract)
    facts = [extractor.extract(as_article(i, settings)) for i in items]
    return [alert_key(a.model_dump(mode="json")) for a in alerts_for(facts, settings)]


class Run:
    def __init__(self, args: argparse.Namespace, server: LocalRedis, logdir: Path) -> None:
        self.args = args
        self.server = server
        self.streams = Streams(f"faults-{int(time.time())}")
        self.procs = WorkerProcs(
            server.url, self.streams.prefix, logdir, claim_idle_ms=args.claim_idle_ms,
            extra_env={"TOCSIN_WORKER__TRIM_EVERY_S": str(args.trim_every_s)},
        )
        self.receipts = AuditedStream(self.streams.receipts)
        self.alerts = AuditedStream(self.streams.alerts)
        self.alerted: set[str] = set()
        self.outcomes: Counter[str] = Counter()
        self.killed: Counter[str] = Counter()
        self.redis_restarts = 0
        self.total = 0

    async def submit(self, redis: Redis, window: list[ArticleIn]) -> None:
        async def xadd_all() -> None:
            async with redis.pipeline(transaction=False) as pipe:
                for item in window:
                    pipe.xadd(self.streams.inbox, {DATA_FIELD: item.model_dump_json()})
                await pipe.execute()

        await retrying(xadd_all)

    async def follow(self, redis: Redis) -> None:
        for data in await self.receipts.poll(redis):
            receipt = Receipt.model_validate_json(data)
            self.outcomes[f"{receipt.stage}:{receipt.outcome}"] += 1
            if receipt.outcome == "alerted":
                self.alerted.add(receipt.article_id)
        await self.alerts.poll(redis, block_ms=None)

    async def chaos(self) -> None:
        """Each fault when its share of the articles has been alerted."""
        rng = random.Random(self.args.seed)
        events = sorted(
            [(rng.uniform(0.05, 0.9), "kill") for _ in range(self.args.kills)]
            + [(0.5, "redis")]
        )
        for share, what in events:
            while len(self.alerted) < share * self.total:
                await asyncio.sleep(0.02)
            if what == "kill":
                victim = rng.choice(WORKERS)
                self.procs.kill(victim)
                self.killed[victim] += 1
                await asyncio.sleep(0.3)
                self.procs.restart(victim)
            else:
                if self.args.redis_crash:
                    self.server.stop(kill=True)
                await asyncio.to_thread(self.server.restart)
                self.redis_restarts += 1

    async def go(self, items: list[ArticleIn]) -> dict[str, object]:
        self.total = len(items)
        redis = redis_client(self.server.url)
        await self.receipts.create(redis)
        await self.alerts.create(redis)
        for name in WORKERS:
            base, _, replica = name.partition("-")
            self.procs.start(base, int(replica or 0))
        await asyncio.sleep(2.0)
        started = time.monotonic()
        chaos = asyncio.create_task(self.chaos())
        window = len(COUNTRIES)  # one article per story: each story's order is kept
        for i in range(0, len(items), window):
            chunk = items[i : i + window]
            await self.submit(redis, chunk)
            want = {c.id for c in chunk}
            deadline = time.monotonic() + self.args.timeout
            while want - self.alerted and time.monotonic() < deadline:
                await self.follow(redis)
            if want - self.alerted:
                break
        elapsed = time.monotonic() - started
        if len(self.alerted) < self.total:
            chaos.cancel()
        await asyncio.gather(chaos, return_exceptions=True)
        for _ in range(20):  # late duplicates, if any, would show now
            await self.follow(redis)
        result = await self.check(redis, items)
        result["elapsed_s"] = round(elapsed, 1)
        result["articles_per_s"] = round(len(items) / elapsed, 1)
        await redis.aclose()
        return result

    async def leftovers(self, redis: Redis) -> tuple[int, int]:
        """(entries pending in the workers' groups, entries left in the input streams) once
        the trimmers have run."""
        inputs = (self.streams.inbox, self.streams.articles, self.streams.facts)
        pending = left = 0
        for _ in range(int(4 * self.args.trim_every_s / 0.5) + 1):
            pending = left = 0
            for stream in inputs:
                for group in await retrying(redis.xinfo_groups, stream):
                    pending += int(group["pending"])
                left += await retrying(redis.xlen, stream)
            if pending == left == 0:
                break
            await asyncio.sleep(0.5)
        return pending, left

    async def check(self, redis: Redis, items: list[ArticleIn]) -> dict[str, object]:
        crashed = [k for k, alive in self.procs.alive().items() if not alive]
        alerts = [orjson.loads(data) for data in self.alerts.entries.values()]
        ids = Counter(a["id"] for a in alerts)
        got = Counter(alert_key(a) for a in alerts)
        expected = Counter(offline_alerts(items, Settings()))
        pending, left = await self.leftovers(redis)
        return {
            "articles": len(items),
            "kills": sum(self.killed.values()),
            "killed": ",".join(f"{k}:{n}" for k, n in sorted(self.killed.items())) or "-",
            "redis_restarts": self.redis_restarts,
            "crashed": len(crashed),
            "lost": len({i.id for i in items} - self.alerted),
            "duplicated": sum(n - 1 for n in ids.values() if n > 1),
            "alerts": len(alerts),
            "expected_alerts": sum(expected.values()),
            "missing_alerts": sum((expected - got).values()),
            "unexpected_alerts": sum((got - expected).values()),
            "pending_left": pending,
            "left_in_input_streams": left,
            "dead_letters": await retrying(redis.xlen, self.streams.dead_letter),
            "receipts": ",".join(f"{k}:{n}" for k, n in sorted(self.outcomes.items())),
        }


MUST_BE_ZERO = ("crashed", "lost", "duplicated", "missing_alerts", "unexpected_alerts",
                "pending_left", "left_in_input_streams", "dead_letters", "unclean_exits")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--claim-idle-ms", type=int, default=1500)
    parser.add_argument("--trim-every-s", type=float, default=2.0,
                        help="the workers' trimming period (the default 30 s is longer than a "
                        "short run)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per window of articles")
    parser.add_argument("--redis-crash", action="store_true",
                        help="kill -9 Redis instead of a clean restart (AOF fsync always)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    items = list(articles(args.articles, seed=args.seed, tag=f"f{args.seed}"))
    server = start_local_redis(persistent=True)
    logdir = Path(tempfile.mkdtemp(prefix="tocsin-faults-"))
    run = Run(args, server, logdir)
    try:
        result = asyncio.run(run.go(items))
    finally:
        codes = run.procs.stop_all()
        server.cleanup()
    result["unclean_exits"] = sum(1 for code in codes.values() if code != 0)
    result["exit_codes"] = ",".join(f"{k}:{c}" for k, c in codes.items() if c != 0) or "-"
    ok = all(result[k] == 0 for k in MUST_BE_ZERO)
    print(f"worker logs: {logdir}")
    print(" ".join(f"{k}={v}" for k, v in result.items()))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
