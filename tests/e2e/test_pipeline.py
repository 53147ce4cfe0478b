"""The three workers as separate processes on real Redis, against the offline path."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from benchmarks.procs import WorkerProcs
from schemas.alerts import Alert
from schemas.article import ArticleIn
from services.alert.offline import alerts_for
from services.cli import as_article
from services.common.settings import Settings
from services.extract.pipeline import Extractor
from services.replay import replay
from tests.conftest import corpus_dir, dev_stories

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


def _key(alert: Alert) -> tuple[object, ...]:
    return (alert.id, alert.after, alert.kind, alert.category, alert.group, alert.location,
            alert.min, alert.measure, alert.status)


def _articles(path: Path) -> list[ArticleIn]:
    return [ArticleIn.model_validate_json(line)
            for line in path.read_text("utf-8").splitlines() if line.strip()]


def _offline(settings: Settings, items: list[ArticleIn]) -> list[Alert]:
    extractor = Extractor(settings.extract)
    return alerts_for([extractor.extract(as_article(i)) for i in items], settings)


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[WorkerProcs]:
    procs = WorkerProcs(settings.redis_url, settings.stream_prefix, tmp_path)
    procs.start_all()
    yield procs
    procs.stop_all()


@pytest.mark.corpus
@pytest.mark.parametrize("story", dev_stories(), ids=lambda p: p.name)
async def test_replay_equals_offline_and_second_replay_is_silent(
    story: Path, settings: Settings, redis: Redis, workers: WorkerProcs
) -> None:
    corpus_dir()
    items = _articles(story / "articles.jsonl")
    expected = _offline(settings, items)
    assert expected, "the offline path raised no alert: nothing to compare"
    try:
        first = await replay(redis, settings, items, timeout=60)
    except Exception:
        print(workers.logs())
        raise
    assert [_key(a) for a in first.alerts] == [_key(a) for a in expected]
    assert all(r.outcome == "alerted" for r in first.receipts.values())

    second = await replay(redis, settings, items, timeout=60)
    assert second.alerts == []
    assert len(second.receipts) == len(items)


async def test_killed_worker_loses_no_article(
    settings: Settings, redis: Redis, workers: WorkerProcs
) -> None:
    """A consumer that read articles and died (kill -9) leaves them pending; they are claimed."""
    items = [
        ArticleIn(
            id=f"kill-{n}",
            url=f"https://news.example/{n}",
            lang="en",
            published=f"2024-05-{1 + n:02d}",
            text=f"Police said {10 + n} protesters were arrested in Lagos on day {n}. "
            f"Officials said {n + 2} people were injured in the clashes.",
        )
        for n in range(12)
    ]
    articles = f"{settings.stream_prefix}:articles"
    for _ in range(600):  # the extract worker creates its group on startup
        if await redis.exists(articles) and any(
            g["name"] == b"extract" for g in await redis.xinfo_groups(articles)
        ):
            break
        await asyncio.sleep(0.05)
    workers.kill("extract")
    task = asyncio.create_task(replay(redis, settings, items, timeout=90, sequential=False))
    for _ in range(200):
        if await redis.xlen(articles) >= len(items):
            break
        await asyncio.sleep(0.05)
    # a consumer that read half of them and was killed before acknowledging anything
    await redis.xreadgroup("extract", "killed-consumer", {articles: ">"}, count=6)
    pending = await redis.xpending(articles, "extract")
    assert pending["pending"] == 6
    workers.start("extract")
    try:
        result = await task
    except Exception:
        print(workers.logs())
        raise
    assert sorted(result.receipts) == sorted(i.id for i in items if i.id)
    pending = await redis.xpending(articles, "extract")
    assert pending["pending"] == 0
