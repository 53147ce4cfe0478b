"""The pipeline on a three-node Redis Cluster started here from `redis-server`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from benchmarks.procs import WorkerProcs
from schemas.alerts import Alert
from schemas.article import ArticleIn
from schemas.dead_letter import DeadLetter
from services.alert.offline import alerts_for
from services.cli import as_article
from services.common.entries import read_range
from services.common.observability import LagCollector, Probe, watched_groups
from services.common.outputs import write_json
from services.common.redis_client import connect
from services.common.settings import Settings
from services.common.streams import Streams
from services.common.trim import trim_behind_groups
from services.deadletter import list_dead_letters, replay_dead_letters
from services.extract.pipeline import Extractor
from services.replay import replay
from services.workers import WORKER_NAMES
from tests.deploy.cluster import LocalCluster, missing_binaries, start_cluster

pytestmark = pytest.mark.e2e

T = TypeVar("T")


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    missing = missing_binaries()
    if missing:
        pytest.skip(f"no {' and '.join(missing)} on PATH to start a Redis Cluster "
                    "(Debian: apt-get install redis-server)")
    started = start_cluster(3)
    yield started
    started.stop()


def test_the_cluster_has_three_masters_serving_every_slot(cluster: LocalCluster) -> None:
    info = dict(
        line.split(":", 1) for line in cluster.cli(cluster.ports[0], "CLUSTER", "INFO").split()
    )
    assert info["cluster_state"] == "ok"
    assert info["cluster_size"] == "3"
    assert info["cluster_slots_ok"] == "16384"


def _story() -> list[ArticleIn]:
    """A made-up story: a toll that rises, then a curfew."""
    texts = [
        "Officials said at least 4 people were killed in clashes in Lagos on Monday.",
        "The death toll from the clashes in Lagos rose to 11, officials said on Tuesday.",
        "The authorities imposed a curfew in Lagos on Wednesday after the clashes.",
    ]
    return [
        ArticleIn(id=f"cluster-{n}", url=f"https://news.example/cluster/{n}", lang="en",
                  published=f"2024-06-0{3 + n}", outlet="news.example", text=text)
        for n, text in enumerate(texts)
    ]


def _key(alert: Alert) -> tuple[object, ...]:
    return (alert.id, alert.after, alert.kind, alert.category, alert.group, alert.location,
            alert.min, alert.measure, alert.status)


async def _spread_prefix(client: Redis) -> str:
    """A fresh prefix whose streams lie on all three nodes, so that every hop of the pipeline
    (and every flush of a worker: its input, its output and the receipts) crosses nodes."""
    cluster = cast(RedisCluster, client)  # what `connect` opens with `redis_cluster` set
    await cluster.initialize()  # its map of slots to nodes
    for _ in range(200):
        prefix = f"test-{uuid.uuid4().hex[:12]}"
        streams = Streams(prefix)
        names = [streams.inbox, streams.articles, streams.facts, streams.alerts,
                 streams.receipts]
        if len({cluster.get_node_from_key(n).name for n in names}) == 3:
            return prefix
    msg = "no prefix in 200 spreads the streams over three nodes"
    raise AssertionError(msg)


class WorkerExitedError(RuntimeError):
    pass


async def _watch(workers: WorkerProcs) -> None:
    """Fail at once, with the logs, when a worker exits."""
    while True:
        for name, proc in workers.procs.items():
            if proc.poll() is not None:
                msg = f"worker {name} exited with {proc.returncode}\n{workers.logs()}"
                raise WorkerExitedError(msg)
        await asyncio.sleep(0.2)


async def test_a_story_runs_through_the_pipeline_on_the_cluster(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    """The three workers as processes on the cluster raise the offline path's alerts (ids
    included), dead-letter nothing, and a second replay of the story raises none."""
    client = connect(Settings(redis_url=cluster.url, redis_cluster=True))
    prefix = await _spread_prefix(client)
    settings = Settings(redis_url=cluster.url, redis_cluster=True, stream_prefix=prefix)
    streams = Streams(prefix)
    items = _story()
    extractor = Extractor(settings.extract)
    expected = alerts_for([extractor.extract(as_article(i)) for i in items], settings)
    assert expected, "the offline path raised no alert for the story: nothing to compare"

    workers = WorkerProcs(cluster.url, prefix, tmp_path,
                          extra_env={"TOCSIN_REDIS_CLUSTER": "true"})
    workers.start_all()
    watchdog = asyncio.create_task(_watch(workers))
    try:
        first = await _beside(watchdog, replay(client, settings, items, timeout=60))
        second = await _beside(watchdog, replay(client, settings, items, timeout=60))
    finally:
        watchdog.cancel()
        codes = workers.stop_all()
    try:
        assert [_key(a) for a in first.alerts] == [_key(a) for a in expected]
        assert {i: r.outcome for i, r in first.receipts.items()} == {
            i.id: "alerted" for i in items
        }
        assert second.alerts == []
        assert sorted(second.receipts) == sorted(i.id or "" for i in items)
        assert await client.xlen(streams.dead_letter) == 0, await list_dead_letters(
            client, streams)
        assert codes == dict.fromkeys(("ingest", "extract", "alert"), 0), workers.logs()
        await _operations_work(client, settings)
    finally:
        await client.aclose()


async def _beside(watchdog: asyncio.Task[None], work: Coroutine[Any, Any, T]) -> T:
    """`work`'s result, unless a worker exits first (the watchdog then raises, with logs)."""
    run = asyncio.create_task(work)
    done, _ = await asyncio.wait({run, watchdog}, return_when=asyncio.FIRST_COMPLETED)
    if run not in done:
        run.cancel()
    return await done.pop()  # type: ignore[no-any-return]


async def _operations_work(client: Redis, settings: Settings) -> None:
    """What operators run beside the workers: /readyz's checks, the lag behind /metrics, the
    trimming of a stream behind its groups, and the replay of a dead letter (two streams in
    two slots here)."""
    streams = Streams(settings.stream_prefix)
    probe = Probe(redis=client, groups=watched_groups(settings, WORKER_NAMES), timeout_s=5)
    probe.started = True
    ready, checks = await probe.ready()
    assert ready, checks
    lag = LagCollector()
    await probe.refresh_lag(lag)
    assert {(stream, group, pending) for stream, group, _, pending in lag.snapshot} >= {
        (streams.inbox, "ingest", 0), (streams.articles, "extract", 0),
        (streams.facts, "alert", 0),
    }
    assert await trim_behind_groups(client, streams.inbox) == 6  # two replays, all consumed
    letter = DeadLetter(stream=streams.inbox, message_id="1-0", worker="ingest", reason="test",
                        error="Test", attempts=3, payload='{"text": "again"}', failed_at=0.0)
    await write_json(client, streams.dead_letter, letter)
    (entry,) = await list_dead_letters(client, streams)
    assert await replay_dead_letters(client, streams) == [entry.entry_id]
    assert await client.xlen(streams.dead_letter) == 0
    assert [data for _, data in await read_range(client, streams.inbox)] == [b'{"text": "again"}']
