"""Polling feeds from a real local server into real Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from schemas.article import Article
from services.common.broker import DATA_FIELD
from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.fetch import Fetcher
from services.ingest.poller import FeedPoller
from services.ingest.sources import FeedSource
from tests.ingest.conftest import Route, Site
from tests.ingest.test_pages import page
from tests.ingest.texts import retouched, story

pytestmark = pytest.mark.redis


def rss(site: Site, paths: list[str]) -> bytes:
    """A feed of `paths`, listed newest first as feeds do: they are taken in `paths` order."""
    items = "".join(
        f"<item><title>Item {path}</title><link>{site.url(path)}?utm_source=rss</link>"
        "<pubDate>Tue, 25 Jun 2024 18:00:00 +0000</pubDate></item>"
        for path in reversed(paths)
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>News</title>"
        f"<language>en</language>{items}</channel></rss>"
    ).encode()


async def articles(redis: Redis, settings: Settings) -> list[Article]:
    entries = await redis.xrange(Streams(settings.stream_prefix).articles)
    return [Article.model_validate_json(fields[DATA_FIELD.encode()]) for _, fields in entries]


def feed(site: Site, path: str = "/feed.xml") -> FeedSource:
    return FeedSource.model_validate({"url": site.url(path)})


async def test_each_article_enters_the_stream_once(
    redis: Redis, open_settings: Settings, site: Site
) -> None:
    first, second = story(21), story(22)
    site.routes["/a"] = Route(page(first))
    site.routes["/b"] = Route(page(second))
    # The same page republished under another URL of the same site.
    site.routes["/b-copy"] = Route(page(second))
    site.routes["/feed.xml"] = Route(
        rss(site, ["/a", "/b", "/b-copy"]), content_type="application/rss+xml", etag='"1"'
    )
    async with Fetcher(open_settings) as fetcher:
        poller = FeedPoller(redis, open_settings, fetcher)
        report = await poller.poll(feed(site))
        verdicts = sorted(o.verdict for o in report.outcomes)
        assert verdicts == ["duplicate", "published", "published"]
        # A new item appears: the old ones are known by URL and not fetched again.
        site.routes["/c"] = Route(page(story(23)))
        site.routes["/feed.xml"] = Route(
            rss(site, ["/c", "/a", "/b"]), content_type="application/rss+xml", etag='"2"'
        )
        again = await poller.poll(feed(site))
    assert [o.verdict for o in again.outcomes] == ["published", "duplicate", "duplicate"]
    # Known items, the copy among them, are not fetched again.
    for path in ("/a", "/b", "/b-copy"):
        assert len(site.requests_for(path)) == 1
    stored = await articles(redis, open_settings)
    assert len(stored) == 3
    assert len({a.id for a in stored}) == 3
    assert all(a.url and "utm_source" not in a.url for a in stored)
    assert {a.published for a in stored} == {"2024-06-25"}
    assert {a.lang for a in stored} == {"en"}
    assert {a.title for a in stored} == {"The headline"}


async def test_the_second_poll_is_conditional(
    redis: Redis, open_settings: Settings, site: Site
) -> None:
    site.routes["/a"] = Route(page(story(31)))
    site.routes["/feed.xml"] = Route(
        rss(site, ["/a"]),
        content_type="application/rss+xml",
        etag='"abc"',
        headers={"Last-Modified": "Tue, 25 Jun 2024 18:00:00 GMT"},
    )
    async with Fetcher(open_settings) as fetcher:
        poller = FeedPoller(redis, open_settings, fetcher)
        await poller.poll(feed(site))
        report = await poller.poll(feed(site))
    assert report.not_modified
    assert report.lines() == [f"unchanged   feed {site.url('/feed.xml')} (304 Not Modified)"]
    sent = site.requests_for("/feed.xml")[1].headers
    assert sent["if-none-match"] == '"abc"'
    assert sent["if-modified-since"] == "Tue, 25 Jun 2024 18:00:00 GMT"


async def test_a_wire_copy_on_another_site_is_linked(
    redis: Redis, open_settings: Settings, site: Site
) -> None:
    text = story(41)
    site.routes["/a"] = Route(page(text))
    site.routes["/feed.xml"] = Route(rss(site, ["/a"]), content_type="application/rss+xml")
    # "localhost" is another host name for the same server: another outlet.
    other = site.url("/copy").replace("127.0.0.1", "localhost")
    site.routes["/copy"] = Route(page(retouched(text)))
    site.routes["/feed2.xml"] = Route(
        rss(site, ["/copy"]).replace(site.url("/copy").encode(), other.encode()),
        content_type="application/rss+xml",
    )
    async with Fetcher(open_settings) as fetcher:
        poller = FeedPoller(redis, open_settings, fetcher)
        (first,) = (await poller.poll(feed(site))).outcomes
        (copy,) = (await poller.poll(feed(site, "/feed2.xml"))).outcomes
    assert first.verdict == "published"
    assert copy.verdict == "linked"
    assert copy.duplicate_of == first.article_id
    stored = await articles(redis, open_settings)
    assert [a.duplicate_of for a in stored] == [None, first.article_id]
    assert [a.outlet for a in stored] == ["127.0.0.1", "localhost"]


async def test_refused_pages_are_reported_and_logged(
    redis: Redis, open_settings: Settings, site: Site
) -> None:
    site.routes["/big"] = Route(page(story(51)) + b"<!--" + b"x" * 70_000 + b"-->")
    site.routes["/pdf"] = Route(b"%PDF-1.4", content_type="application/pdf")
    site.routes["/ok"] = Route(page(story(52)))
    site.routes["/feed.xml"] = Route(
        rss(site, ["/big", "/pdf", "/ok"]), content_type="application/rss+xml"
    )
    async with Fetcher(open_settings) as fetcher:
        with capture_logs() as logs:
            report = await FeedPoller(redis, open_settings, fetcher).poll(feed(site))
    verdicts = {o.url: o.verdict for o in report.outcomes}
    assert verdicts == {
        site.url("/big"): "refused",
        site.url("/pdf"): "refused",
        site.url("/ok"): "published",
    }
    reasons = {e["url"]: e["reason"] for e in logs if e["event"] == "fetch_refused"}
    assert "bytes cap" in reasons[site.url("/big")]
    assert "application/pdf" in reasons[site.url("/pdf")]
    lines = report.lines()
    assert any(line.startswith("refused") and "bytes cap" in line for line in lines)


async def test_a_private_feed_is_refused_by_default(
    redis: Redis, settings: Settings, site: Site
) -> None:
    site.routes["/feed.xml"] = Route(rss(site, []), content_type="application/rss+xml")
    async with Fetcher(settings) as fetcher:
        with capture_logs() as logs:
            report = await FeedPoller(redis, settings, fetcher).poll(feed(site))
    assert report.refused
    assert "not public" in (report.error or "")
    assert site.requests_for("/feed.xml") == []
    assert logs[0]["event"] == "fetch_refused"


async def test_a_failing_feed_backs_off(redis: Redis, open_settings: Settings, site: Site) -> None:
    site.routes["/feed.xml"] = Route(b"", status=500)
    fast = open_settings.model_copy(
        update={
            "ingest": open_settings.ingest.model_copy(
                update={"feed_interval_s": 0.05, "feed_max_backoff_s": 0.4}
            )
        }
    )
    stop = asyncio.Event()
    async with Fetcher(fast) as fetcher:
        poller = FeedPoller(redis, fast, fetcher)
        with capture_logs() as logs:
            task = asyncio.create_task(poller.run([feed(site)], stop))
            await asyncio.sleep(1.0)
            stop.set()
            await task
    backoffs = [e for e in logs if e["event"] == "feed_backed_off"]
    # Without backoff 1 s of 0.05 s polls would be ~20 tries; doubling waits allow ~5.
    assert 2 <= len(site.requests_for("/feed.xml")) <= 6
    assert [e["failures"] for e in backoffs][:3] == [1, 2, 3]
    assert backoffs[-1]["delay_s"] <= 0.4
