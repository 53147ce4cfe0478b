"""The extract worker's handler: a thin shell around the pure `Extractor`, which runs in
child processes (see executor.py): an article past the time bound is dead-lettered at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from redis.asyncio import Redis

from schemas.article import Article
from schemas.facts import ArticleFacts
from schemas.receipt import Receipt
from services.common.consume import UnprocessableError, current_message_id
from services.common.outputs import emit_json, send_receipt
from services.common.settings import Settings
from services.common.streams import Streams
from services.extract.executor import Extraction, ExtractionTimeoutError

log = structlog.get_logger(__name__)


class ExtractHandler:
    def __init__(self, settings: Settings, extraction: Extraction) -> None:
        self._settings = settings
        self._streams = Streams(settings.stream_prefix)
        self._extraction = extraction
        self._started: dict[str, asyncio.Future[ArticleFacts]] = {}

    @asynccontextmanager
    async def ahead(self, batch: list[tuple[str, Article]]) -> AsyncIterator[None]:
        """Start extracting a batch's articles at once when there are processes to spare (in
        one run per process); `handle` then takes each result in turn (in order). What is
        left when the batch ends (the worker stopping) is cancelled."""
        if self._extraction.concurrency < 2 or len(batch) < 2:
            yield
            return
        loop = asyncio.get_running_loop()
        futures = {entry: loop.create_future() for entry, _ in batch}
        self._started.update(futures)

        async def extract_batch() -> None:
            try:
                got = await self._extraction.extract_all([article for _, article in batch])
            except Exception as exc:  # a bug of ours: each article fails with it, none waits
                for future in futures.values():
                    if not future.done():
                        future.set_exception(exc)
                return
            for future, result in zip(futures.values(), got, strict=True):
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

        task = asyncio.create_task(extract_batch())
        try:
            yield
        finally:
            for entry, future in futures.items():
                self._started.pop(entry, None)
                if not future.done():
                    future.cancel()
                elif not future.cancelled():
                    future.exception()  # retrieved: no "never retrieved" warning
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def handle(self, article: Article, redis: Redis) -> None:
        started = time.perf_counter()
        task = self._started.pop(current_message_id.get() or "", None)
        try:
            facts = await (task if task is not None else self._extraction.extract(article))
        except ExtractionTimeoutError as exc:
            raise UnprocessableError(str(exc)) from exc
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
