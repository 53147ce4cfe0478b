"""Wiring of the alert worker: facts in, alerts out; and the webhook dispatcher."""

from __future__ import annotations

from faststream import FastStream
from faststream.redis import RedisRouter

from schemas.alerts import Alert
from schemas.facts import ArticleFacts
from schemas.receipt import Receipt
from services.alert.delivery import Dispatcher, retry_budget_ms
from services.alert.handlers import AlertHandler
from services.common.broker import consumer_name, create_broker
from services.common.consume import subscribe_guarded
from services.common.settings import Settings
from services.common.streams import GROUPS, Streams


def create_router(settings: Settings) -> RedisRouter:
    streams = Streams(settings.stream_prefix)
    handler = AlertHandler(settings)
    router = RedisRouter()
    subscribe_guarded(
        router,
        settings=settings,
        streams=streams,
        worker="alert",
        stream=streams.facts,
        group=GROUPS["alert"],
        consumer=consumer_name(settings),
        model=ArticleFacts,
        handle=handler.handle,
        on_dead=handler.dead,
    )
    if settings.alert.webhooks.enabled:
        # a delivery may retry for a while: the claimer must not take its alert meanwhile
        patient = settings.worker.model_copy(update={"claim_idle_ms": max(
            settings.worker.claim_idle_ms, retry_budget_ms(settings.alert.webhooks))})
        subscribe_guarded(
            router,
            settings=settings.model_copy(update={"worker": patient}),
            streams=streams,
            worker="webhooks",
            stream=streams.alerts,
            group=settings.alert.webhooks.group,
            consumer=consumer_name(settings),
            model=Alert,
            handle=Dispatcher(settings).handle,
        )
    # declared for the AsyncAPI document: what this worker writes
    router.publisher(stream=streams.alerts, schema=Alert, title="alerts")
    router.publisher(stream=streams.receipts, schema=Receipt, title="alert:receipts")
    return router


def create_app(settings: Settings) -> FastStream:
    broker = create_broker(settings)
    broker.include_router(create_router(settings))
    return FastStream(broker)
