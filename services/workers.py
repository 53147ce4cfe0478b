"""Builds worker apps by name: one process per worker, or all three in one."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from faststream import FastStream
from faststream.redis import RedisRouter

from services.common.broker import create_broker
from services.common.logging import configure_logging
from services.common.settings import Settings

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


def build_app(settings: Settings, names: Sequence[str]) -> FastStream:
    """A FastStream app running the named workers over one broker connection."""
    configure_logging(settings.log_level, settings.log_json)
    broker = create_broker(settings)
    for name in names:
        broker.include_router(router_factory(name)(settings))
    return FastStream(broker)
