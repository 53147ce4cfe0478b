"""The extract worker's handler: a thin shell around the pure `Extractor`."""

from __future__ import annotations

import time

import structlog
from redis.asyncio import Redis

from schemas.article import Article
from schemas.receipt import Receipt
from services.common.consume import emit_json, send_receipt
from services.common.settings import Settings
from services.common.streams import Streams
from services.extract.pipeline import Extractor

log = structlog.get_logger(__name__)


class ExtractHandler:
    def __init__(self, settings: Settings, extractor: Extractor) -> None:
        self._settings = settings
        self._streams = Streams(settings.stream_prefix)
        self._extractor = extractor

    async def handle(self, article: Article, redis: Redis) -> None:
        started = time.perf_counter()
        facts = self._extractor.extract(article)
        if facts.lang is None:
            reason = "language not supported or not recognised"
            log.info("article_skipped", reason=reason)
            await send_receipt(
                redis, self._streams, self._settings,
                Receipt(article_id=article.id, stage="extract", outcome="refused",
                        reason=reason, at=time.time()),
            )
            return
        facts = facts.model_copy(update={"extracted_at": time.time()})
        await emit_json(redis, self._streams.facts, facts)
        log.info(
            "article_extracted",
            lang=facts.lang,
            country=facts.country,
            day=facts.day,
            facts=len(facts.facts),
            ms=round((time.perf_counter() - started) * 1000, 2),
        )

    async def dead(self, article_id: str | None, reason: str, redis: Redis) -> None:
        if article_id is None:
            return
        await send_receipt(
            redis, self._streams, self._settings,
            Receipt(article_id=article_id, stage="extract", outcome="dead_letter",
                    reason=reason, at=time.time()),
        )
