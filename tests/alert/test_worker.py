"""The alert worker as wired by `create_router`, on a real broker: facts in, alerts, receipts
and webhooks out; an invalid message ends with a dead-letter receipt."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis

from schemas.alerts import Alert
from schemas.receipt import Receipt
from services.alert.app import create_router
from services.alert.webhooks import Subscriber, register_subscriber
from services.common.broker import DATA_FIELD, create_broker
from services.common.settings import Settings
from services.common.streams import Streams
from tests.alert.factories import art, cas, meas
from tests.alert.receiver import serve

pytestmark = pytest.mark.redis

SECRET = "worker-test-secret-0123"


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def read(redis: Redis, stream: str) -> list[bytes]:
    return [f[DATA_FIELD.encode()] for _, f in await redis.xrange(stream)]


async def test_worker_turns_facts_into_alerts_receipts_and_webhooks(
    settings: Settings, redis: Redis
) -> None:
    streams = Streams(settings.stream_prefix)
    broker = create_broker(settings)
    broker.include_router(create_router(settings))
    with serve(SECRET, {"/hook": [(200, {})]}) as receiver:
        await register_subscriber(redis, streams, Subscriber(
            id="kz", url=receiver.base + "/hook", secret=SECRET, countries=["KZ"]))
        await broker.start()
        try:
            for facts in (
                art("a", cas("killed", "civilians", 5), meas("curfew", "in_force"),
                    day="2022-01-06"),
                art("b", cas("killed", "civilians", 5), day="2022-01-07"),
            ):
                await redis.xadd(streams.facts, {DATA_FIELD: facts.model_dump_json()})
            await redis.xadd(streams.facts, {DATA_FIELD: b'{"article_id": "c", "facts": 3}'})

            async def done() -> bool:
                return len(await read(redis, streams.receipts)) == 3 and (
                    len(receiver.received) == 2)

            await wait_for(done)
        finally:
            await broker.stop()
    receipts = {r.article_id: r for r in map(Receipt.model_validate_json,
                                             await read(redis, streams.receipts))}
    alerts = [Alert.model_validate_json(b) for b in await read(redis, streams.alerts)]
    assert [(a.after, a.kind) for a in alerts] == [
        ("a", "casualty_change"), ("a", "measure_change")]
    assert receipts["a"].alert_ids == [a.id for a in alerts]
    assert (receipts["b"].outcome, receipts["b"].alert_ids) == ("alerted", [])
    assert receipts["c"].outcome == "dead_letter"
    assert sorted(r.alert_id or "" for r in receiver.received) == sorted(a.id for a in alerts)
