"""Wiring of the extract worker: articles stream in, facts stream out."""

from __future__ import annotations

from faststream import FastStream
from faststream.redis import RedisRouter

from schemas.article import Article
from schemas.facts import ArticleFacts
from services.common.broker import consumer_name, create_broker
from services.common.consume import subscribe_guarded
from services.common.settings import Settings
from services.common.streams import GROUPS, Streams
from services.extract.executor import (
    Extraction,
    ExtractionPool,
    InProcessExtraction,
    pool_size,
)
from services.extract.handlers import ExtractHandler
from services.extract.pipeline import Extractor


def extraction_for(settings: Settings) -> Extraction:
    """A pool of extraction processes, started now so that they load the lexicons while the
    worker starts; or, with `extract.processes = 0`, extraction in this process."""
    size = pool_size(settings.extract)
    if size == 0:
        return InProcessExtraction(Extractor(settings.extract))
    pool = ExtractionPool(settings.extract, size, (settings.log_level, settings.log_json))
    pool.start()
    return pool


def create_router(settings: Settings) -> RedisRouter:
    streams = Streams(settings.stream_prefix)
    handler = ExtractHandler(settings, extraction_for(settings))
    router = RedisRouter()
    subscribe_guarded(
        router,
        settings=settings,
        streams=streams,
        worker="extract",
        stream=streams.articles,
        group=GROUPS["extract"],
        consumer=consumer_name(settings),
        model=Article,
        handle=handler.handle,
        on_dead=handler.dead,
        ahead=handler.ahead,
    )
    # declared for the AsyncAPI document: what this worker writes
    router.publisher(stream=streams.facts, schema=ArticleFacts, title="facts")
    return router


def create_app(settings: Settings) -> FastStream:
    broker = create_broker(settings)
    broker.include_router(create_router(settings))
    return FastStream(broker)
