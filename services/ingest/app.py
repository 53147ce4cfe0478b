"""The ingest worker: wiring only. Reads the inbox; polls the sources file's feeds if set."""

from __future__ import annotations

import asyncio
from pathlib import Path

from faststream import FastStream
from faststream.redis import RedisRouter
from redis.asyncio import Redis

from schemas.article import ArticleIn
from services.common.broker import consumer_name, create_broker
from services.common.consume import subscribe_guarded
from services.common.logging import configure_logging
from services.common.redis_client import connect
from services.common.settings import Settings
from services.common.streams import GROUPS, Streams
from services.ingest.fetch import Fetcher
from services.ingest.handlers import make_handler, make_on_dead
from services.ingest.poller import FeedPoller
from services.ingest.sources import load_sources


def create_router(settings: Settings) -> RedisRouter:
    router = RedisRouter()
    streams = Streams(settings.stream_prefix)
    subscribe_guarded(
        router,
        settings=settings,
        streams=streams,
        worker="ingest",
        stream=streams.inbox,
        group=GROUPS["ingest"],
        consumer=consumer_name(settings),
        model=ArticleIn,
        handle=make_handler(settings),
        on_dead=make_on_dead(settings),
    )
    return router


def create_app(settings: Settings) -> FastStream:
    """The inbox consumer, plus the feed poller when `ingest.sources_file` is set."""
    configure_logging(settings.log_level, settings.log_json)
    broker = create_broker(settings)
    broker.include_router(create_router(settings))
    app = FastStream(broker)
    if settings.ingest.sources_file:
        _attach_poller(app, settings, Path(settings.ingest.sources_file))
    return app


def _attach_poller(app: FastStream, settings: Settings, path: Path) -> None:
    stop = asyncio.Event()
    running: list[asyncio.Task[None]] = []
    opened: list[Redis | Fetcher] = []

    async def start() -> None:
        sources = load_sources(path)
        redis: Redis = connect(settings)
        fetcher = Fetcher(settings)
        opened.extend([redis, fetcher])
        poller = FeedPoller(redis, settings, fetcher)
        running.append(asyncio.create_task(poller.run(sources.feeds, stop)))

    async def shutdown() -> None:
        stop.set()
        await asyncio.gather(*running, return_exceptions=True)
        for resource in opened:
            await resource.aclose()

    app.after_startup(start)
    app.on_shutdown(shutdown)
