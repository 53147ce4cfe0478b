"""Builds worker apps by name: one process per worker, or all three in one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from faststream import FastStream
from faststream.redis import RedisRouter

from services.common.broker import create_broker
from services.common.consume import ensure_group
from services.common.logging import configure_logging
from services.common.observability import broker_middlewares, observe
from services.common.redis_client import connect
from services.common.settings import Settings
from services.common.streams import GROUPS, Streams
from services.common.trim import trim_forever

WORKER_NAMES = ("ingest", "extract", "alert")


def router_factory(name: str) -> Callable[[Settings], RedisRouter]:
    if name == "ingest":
        from services.ingest.app import create_router as ingest_router

        return ingest_router
    if name == "extract":
        from services.extract.app import create_router as extract_router

        return extract_router
    if name == "alert":
        from services.alert.app import create_router as alert_router

        return alert_router
    msg = f"unknown worker {name!r}; choose from {', '.join(WORKER_NAMES)}"
    raise ValueError(msg)


def input_stream(settings: Settings, name: str) -> str:
    """The stream worker `name` reads through its group."""
    streams = Streams(settings.stream_prefix)
    return {"ingest": streams.inbox, "extract": streams.articles, "alert": streams.facts}[name]


async def ensure_groups(settings: Settings, names: Sequence[str]) -> None:
    """Each worker's group exists from the start of its stream before the subscribers start."""
    redis = connect(settings)
    try:
        for name in names:
            await ensure_group(redis, input_stream(settings, name), GROUPS[name])
    finally:
        await redis.aclose()


def trimmed_streams(settings: Settings, names: Sequence[str]) -> list[tuple[str, int | None]]:
    """The streams each worker keeps bounded: those it reads, and the receipts and alerts."""
    streams = Streams(settings.stream_prefix)
    out: list[tuple[str, int | None]] = [(input_stream(settings, n), None) for n in names]
    if "alert" in names:
        out.append((streams.alerts, settings.worker.stream_maxlen))
        out.append((streams.receipts, settings.worker.stream_maxlen))
    return out


def build_app(settings: Settings, names: Sequence[str]) -> FastStream:
    """A FastStream app running the named workers over one broker connection."""
    configure_logging(settings.log_level, settings.log_json)
    broker = create_broker(settings, middlewares=broker_middlewares(settings))
    for name in names:
        broker.include_router(router_factory(name)(settings))
    app = observe(FastStream(broker), settings, names)
    tasks: list[asyncio.Task[None]] = []

    @app.on_startup
    async def create_groups() -> None:
        await ensure_groups(settings, names)

    @app.after_startup
    async def start_trimming() -> None:
        redis = connect(settings)
        tasks.append(
            asyncio.create_task(
                trim_forever(redis, trimmed_streams(settings, names), settings.worker.trim_every_s)
            )
        )

    @app.on_shutdown
    async def stop_trimming() -> None:
        for task in tasks:
            task.cancel()

    return app
