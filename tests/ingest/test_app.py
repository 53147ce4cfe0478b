"""The ingest worker on a real broker: inbox in, articles and receipts out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from faststream import TestApp
from redis.asyncio import Redis

from schemas.article import Article, ArticleIn
from schemas.receipt import Receipt
from services.common.broker import DATA_FIELD, create_broker
from services.common.consume import current_message_id
from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.app import create_app, create_router
from services.ingest.handlers import make_handler
from services.ingest.submit import submit
from tests.ingest.conftest import Route, Site
from tests.ingest.test_pages import page
from tests.ingest.test_poller import rss
from tests.ingest.texts import retouched, story

pytestmark = pytest.mark.redis


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_the_worker_publishes_each_article_once(redis: Redis, settings: Settings) -> None:
    streams = Streams(settings.stream_prefix)
    broker = create_broker(settings)
    broker.include_router(create_router(settings))
    text = story(61)
    items = [
        ArticleIn(id="a", url="https://one.org/s?utm_medium=x", text=text),
        ArticleIn(id="b", url="https://one.org/s", text=story(62)),  # same URL
        ArticleIn(id="c", url="https://two.net/s", text=retouched(text)),  # wire copy
        ArticleIn(id="a", url="https://one.org/s", text=text),  # submitted twice
        ArticleIn(url="https://three.com/s", text=story(63)),  # no id
    ]
    await broker.start()
    try:
        entries = await submit(redis, settings, items)
        await redis.xadd(streams.inbox, {DATA_FIELD: b'{"id": "bad", "text": 7}'})
        assert len(entries) == len(items)

        async def settled() -> bool:
            done = await redis.xlen(streams.articles) + await redis.xlen(streams.receipts)
            return bool(done >= 6)

        await wait_for(settled)
        await asyncio.sleep(0.2)  # nothing more may come
    finally:
        await broker.stop()
    articles = [
        Article.model_validate_json(f[DATA_FIELD.encode()])
        for _, f in await redis.xrange(streams.articles)
    ]
    receipts = [
        Receipt.model_validate_json(f[DATA_FIELD.encode()])
        for _, f in await redis.xrange(streams.receipts)
    ]
    assert [(a.id, a.duplicate_of) for a in articles][:2] == [("a", None), ("c", "a")]
    assert len(articles) == 3
    assert articles[2].url == "https://three.com/s"
    assert sorted((r.article_id, r.outcome) for r in receipts) == [
        ("a", "duplicate"),
        ("b", "duplicate"),
        ("bad", "refused"),
    ]
    refused = next(r for r in receipts if r.article_id == "bad")
    assert "text" in (refused.reason or "")
    pending = await redis.xpending(streams.inbox, "ingest")
    assert pending["pending"] == 0


async def test_the_handler_tells_a_redelivery_from_a_resubmission(
    redis: Redis, settings: Settings
) -> None:
    streams = Streams(settings.stream_prefix)
    handle = make_handler(settings)
    item = ArticleIn(id="a", url="https://one.org/s", text=story(64))
    for entry in ("5-0", "5-0", "6-0"):  # delivered, redelivered, submitted again
        token = current_message_id.set(entry)
        try:
            await handle(item, redis)
        finally:
            current_message_id.reset(token)
    assert await redis.xlen(streams.articles) == 1
    ((_, fields),) = await redis.xrange(streams.receipts)
    receipt = Receipt.model_validate_json(fields[DATA_FIELD.encode()])
    assert (receipt.article_id, receipt.outcome) == ("a", "duplicate")


async def test_the_app_polls_the_sources_file(
    redis: Redis,
    open_settings: Settings,
    site: Site,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # configure_logging would cache structlog loggers and blind later capture_logs().
    monkeypatch.setattr("services.ingest.app.configure_logging", lambda *_args: None)
    site.routes["/a"] = Route(page(story(65)))
    site.routes["/feed.xml"] = Route(rss(site, ["/a"]), content_type="application/rss+xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[feeds]]\nurl = "{site.url("/feed.xml")}"\ninterval_s = 60\n')
    settings = open_settings.model_copy(
        update={"ingest": open_settings.ingest.model_copy(update={"sources_file": str(sources)})}
    )
    streams = Streams(settings.stream_prefix)

    async def one_article() -> bool:
        return bool(await redis.xlen(streams.articles) == 1)

    async with TestApp(create_app(settings)):
        await wait_for(one_article)
    ((_, fields),) = await redis.xrange(streams.articles)
    assert Article.model_validate_json(fields[DATA_FIELD.encode()]).url == site.url("/a")
