"""Polling feeds: conditional GET, new items' pages fetched and extracted, each item ingested.

The state of each feed (validators, consecutive failures) and a lease per poll interval live in
Redis, so replicas share them: one replica polls a feed per interval, the others skip it.
After an error a feed waits `interval * 2**failures` (at most `feed_max_backoff_s`, at least
what the server asked with Retry-After) before the next try.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from redis.asyncio import Redis

from schemas.article import ArticleIn
from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.feeds import FeedError, FeedItem, parse_feed
from services.ingest.fetch import Fetcher, FetchFailedError, FetchRefusedError
from services.ingest.normalize import url_id
from services.ingest.pages import PageError, PageReader
from services.ingest.pipeline import Ingestor, Outcome
from services.ingest.sources import FeedSource

log = structlog.get_logger(__name__)


@dataclass
class FeedReport:
    url: str
    outcomes: list[Outcome] = field(default_factory=list)
    not_modified: bool = False
    error: str | None = None
    refused: bool = False
    retry_after: float | None = None

    def lines(self) -> list[str]:
        if self.error is not None:
            verdict = "refused" if self.refused else "failed"
            return [f"{verdict:<11} feed {self.url} ({self.error})"]
        if self.not_modified:
            return [f"{'unchanged':<11} feed {self.url} (304 Not Modified)"]
        return [outcome.line() for outcome in self.outcomes]


async def fetch_article(
    fetcher: Fetcher, item: FeedItem, source: FeedSource, pages: PageReader
) -> ArticleIn:
    """The article behind a feed item: its page fetched and extracted, the feed's data as
    fallback; `FetchRefusedError`, `FetchFailedError` or `PageError` when there is none."""
    page = await fetcher.fetch(item.url, "page")
    extracted = await pages.aread(page.content, page.url)
    return ArticleIn(
        url=item.url,
        outlet=source.outlet,
        published=extracted.published or item.published,
        lang=extracted.lang or item.lang or source.lang,
        title=extracted.title or item.title,
        text=extracted.text,
    )


class FeedPoller:
    def __init__(self, redis: Redis, settings: Settings, fetcher: Fetcher) -> None:
        self._redis = redis
        self._settings = settings
        self._fetcher = fetcher
        self._streams = Streams(settings.stream_prefix)
        self._ingestor = Ingestor(redis, settings)
        self._pages = PageReader(settings.ingest)

    def _state_key(self, url: str) -> str:
        return self._streams.key("ingest", "feed", hashlib.sha256(url.encode()).hexdigest())

    async def poll(self, source: FeedSource) -> FeedReport:
        """Poll one feed once: every item of it gets an outcome."""
        url = str(source.url)
        report = FeedReport(url)
        key = self._state_key(url)
        raw = await self._redis.hgetall(key)
        state = {_text(k): _text(v) for k, v in raw.items()}
        try:
            result = await self._fetcher.fetch(
                url, "feed", etag=state.get("etag"), last_modified=state.get("last_modified")
            )
            items = [] if result.not_modified else parse_feed(result.content, result.url)
        except FetchRefusedError as exc:
            report.error, report.refused = exc.reason, True
            return report
        except FetchFailedError as exc:
            report.error, report.retry_after = exc.reason, exc.retry_after
            return report
        except FeedError as exc:
            report.error = str(exc)
            log.warning("feed_unreadable", url=url, reason=str(exc))
            return report
        if not result.not_modified:
            await self._redis.hset(
                key,
                mapping={"etag": result.etag or "", "last_modified": result.last_modified or ""},
            )
            await self._redis.expire(key, self._settings.ingest.dedup_ttl_s)
        report.not_modified = result.not_modified
        items = items[: self._settings.ingest.max_items_per_poll]
        report.outcomes = list(await asyncio.gather(*(self._item(i, source) for i in items)))
        log.info(
            "feed_polled",
            url=url,
            items=len(items),
            not_modified=result.not_modified,
            new=sum(o.verdict in ("published", "linked") for o in report.outcomes),
        )
        return report

    async def _item(self, item: FeedItem, source: FeedSource) -> Outcome:
        owner = await self._ingestor.store.seen_url(item.url)
        if owner is not None:
            return Outcome("duplicate", url_id(item.url), item.url, "URL already seen", owner)
        try:
            article = await fetch_article(self._fetcher, item, source, self._pages)
        except (FetchRefusedError, FetchFailedError, PageError) as exc:
            reason = str(exc) if isinstance(exc, PageError) else exc.reason
            return await self._ingestor.refuse(url_id(item.url), item.url, reason)
        return await self._ingestor.ingest(article)

    async def run(
        self,
        sources: list[FeedSource],
        stop: asyncio.Event,
        on_report: Callable[[FeedReport], None] | None = None,
    ) -> None:
        """Poll every feed on its schedule until `stop` is set."""
        await asyncio.gather(*(self._follow(source, stop, on_report) for source in sources))

    async def _follow(
        self,
        source: FeedSource,
        stop: asyncio.Event,
        on_report: Callable[[FeedReport], None] | None,
    ) -> None:
        cfg = self._settings.ingest
        interval = source.interval_s or cfg.feed_interval_s
        key = self._state_key(str(source.url))
        while not stop.is_set():
            delay = interval
            lease = await self._redis.set(f"{key}:lease", "1", nx=True, px=int(interval * 900))
            if lease:
                report = await self.poll(source)
                if on_report is not None:
                    on_report(report)
                if report.error is not None:
                    failures = int(await self._redis.hincrby(key, "failures", 1))
                    delay = min(interval * 2**failures, cfg.feed_max_backoff_s)
                    delay = max(delay, report.retry_after or 0.0)
                    await self._redis.set(f"{key}:lease", "1", px=int(delay * 1000))
                    log.warning(
                        "feed_backed_off",
                        url=str(source.url),
                        failures=failures,
                        delay_s=delay,
                        reason=report.error,
                    )
                else:
                    await self._redis.hset(key, "failures", 0)
            delay *= 1 + random.uniform(0, 0.1)  # spreads polls of many feeds
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except TimeoutError:
                continue


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
