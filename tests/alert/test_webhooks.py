"""Webhooks against a real local HTTP server: retries, Retry-After, dead letters, replay,
signatures; and the subscribers' filters as a table."""

from __future__ import annotations

import time

import pytest
from redis.asyncio import Redis

from schemas.alerts import Alert
from services.alert.delivery import (
    Dispatcher,
    FailedDelivery,
    replay_dead_letters,
    retry_after,
    retry_budget_ms,
)
from services.alert.webhooks import (
    Subscriber,
    dead_letter_stream,
    list_subscribers,
    register_subscriber,
    remove_subscriber,
    sign,
    verify_signature,
    wants,
)
from services.common.broker import DATA_FIELD
from services.common.settings import Settings
from services.common.streams import Streams
from tests.alert.receiver import serve

SECRET = "s3cret-s3cret-s3cret"


def alert(**fields: object) -> Alert:
    data: dict[str, object] = {
        "id": "al_1", "story_id": "kz-2022-01-06", "country": "KZ", "kind": "casualty_change",
        "after": "a", "category": "killed", "group": "civilians", "min": 12,
        "qualifier": "exact", "quote": "12 killed", "article_id": "a", "raised_at": 1.0,
    }
    return Alert.model_validate({**data, **fields})


@pytest.fixture
def fast(settings: Settings) -> Settings:
    hooks = settings.alert.webhooks.model_copy(update={
        "max_attempts": 4, "backoff_base_s": 0.01, "backoff_max_s": 0.05,
        "retry_after_max_s": 2.0, "timeout_s": 2.0,
    })
    return settings.model_copy(
        update={"alert": settings.alert.model_copy(update={"webhooks": hooks})})


async def dead_letters(redis: Redis, settings: Settings, sub: str) -> list[FailedDelivery]:
    stream = dead_letter_stream(Streams(settings.stream_prefix), sub)
    return [FailedDelivery.model_validate_json(f[DATA_FIELD.encode()])
            for _, f in await redis.xrange(stream)]


async def subscribe(redis: Redis, settings: Settings, sub_id: str, url: str,
                    secret: str = SECRET) -> None:
    await register_subscriber(redis, Streams(settings.stream_prefix),
                              Subscriber(id=sub_id, url=url, secret=secret))


@pytest.mark.redis
async def test_a_receiver_that_fails_twice_then_succeeds_gets_one_alert_id(
    fast: Settings, redis: Redis
) -> None:
    with serve(SECRET, {"/hook": [(500, {}), (503, {}), (204, {})]}) as receiver:
        await subscribe(redis, fast, "flaky", receiver.base + "/hook")
        await Dispatcher(fast).handle(alert(), redis)
    assert [r.status for r in receiver.received] == [500, 503, 204]
    assert {r.alert_id for r in receiver.received} == {"al_1"}
    assert all(r.signature_ok for r in receiver.received)
    assert Alert.model_validate_json(receiver.received[-1].body) == alert()
    assert await dead_letters(redis, fast, "flaky") == []


@pytest.mark.redis
async def test_a_receiver_that_always_fails_ends_in_the_dead_letter_stream_and_replays(
    fast: Settings, redis: Redis
) -> None:
    with serve(SECRET, {"/hook": [(500, {})]}) as receiver:
        await subscribe(redis, fast, "down", receiver.base + "/hook")
        await Dispatcher(fast).handle(alert(), redis)
        assert len(receiver.received) == 4
        letters = await dead_letters(redis, fast, "down")
        assert [(d.alert.id, d.attempts, d.status) for d in letters] == [("al_1", 4, 500)]
        assert await replay_dead_letters(redis, fast, "down") == (0, 1)
        receiver.script["/hook"] = [(200, {})]
        assert await replay_dead_letters(redis, fast, "down") == (1, 0)
    assert await dead_letters(redis, fast, "down") == []
    assert receiver.received[-1].status == 200
    assert {r.alert_id for r in receiver.received} == {"al_1"}


@pytest.mark.redis
async def test_429_retry_after_is_honoured(fast: Settings, redis: Redis) -> None:
    with serve(SECRET, {"/hook": [(429, {"Retry-After": "1"}), (200, {})]}) as receiver:
        await subscribe(redis, fast, "busy", receiver.base + "/hook")
        started = time.monotonic()
        await Dispatcher(fast).handle(alert(), redis)
        waited = time.monotonic() - started
    assert [r.status for r in receiver.received] == [429, 200]
    assert waited >= 0.95


@pytest.mark.redis
async def test_a_receiver_with_another_secret_refuses_and_nothing_is_retried(
    fast: Settings, redis: Redis
) -> None:
    with serve("the-receivers-own-secret", {"/hook": [(200, {})]}) as receiver:
        await subscribe(redis, fast, "wrong", receiver.base + "/hook")
        await Dispatcher(fast).handle(alert(), redis)
    assert [(r.signature_ok, r.status) for r in receiver.received] == [(False, 401)]
    assert [d.status for d in await dead_letters(redis, fast, "wrong")] == [401]


@pytest.mark.redis
async def test_subscribers_are_stored_filtered_and_removed(
    fast: Settings, redis: Redis
) -> None:
    streams = Streams(fast.stream_prefix)
    with serve(SECRET, {"/ke": [(200, {})], "/kz": [(200, {})]}) as receiver:
        for name in ("ke", "kz"):
            await register_subscriber(redis, streams, Subscriber(
                id=name, url=f"{receiver.base}/{name}", secret=SECRET,
                countries=[name.upper()]))
        await Dispatcher(fast).handle(alert(), redis)
        assert [r.path for r in receiver.received] == ["/kz"]
    assert [s.id for s in await list_subscribers(redis, streams)] == ["ke", "kz"]
    assert await remove_subscriber(redis, streams, "ke")
    assert [s.id for s in await list_subscribers(redis, streams)] == ["kz"]


@pytest.mark.redis
@pytest.mark.parametrize(("refresh_s", "seen_at_once"), [(0.0, True), (0.3, False)])
async def test_the_subscriber_list_is_read_again_after_its_refresh_time(
    fast: Settings, redis: Redis, refresh_s: float, seen_at_once: bool
) -> None:
    """Not once per alert: a subscriber registered after the list was read gets the alerts
    raised once `subscribers_refresh_s` has passed (at once when it is 0)."""
    hooks = fast.alert.webhooks.model_copy(update={"subscribers_refresh_s": refresh_s})
    cfg = fast.model_copy(update={"alert": fast.alert.model_copy(update={"webhooks": hooks})})
    dispatcher = Dispatcher(cfg)
    with serve(SECRET, {"/late": [(200, {})] * 3}) as receiver:
        await dispatcher.handle(alert(id="al_before"), redis)
        await subscribe(redis, cfg, "late", f"{receiver.base}/late")
        await dispatcher.handle(alert(id="al_soon"), redis)
        time.sleep(refresh_s)
        await dispatcher.handle(alert(id="al_later"), redis)
        got = [r.alert_id for r in receiver.received]
    assert got == (["al_soon", "al_later"] if seen_at_once else ["al_later"])


BODY = b'{"id": "al_1"}'
NOW = 1_700_000_000


@pytest.mark.parametrize(("secret", "body", "timestamp", "signature", "ok"), [
    (SECRET, BODY, str(NOW), sign(SECRET, NOW, BODY), True),
    ("another-secret-entirely", BODY, str(NOW), sign(SECRET, NOW, BODY), False),
    (SECRET, BODY + b" ", str(NOW), sign(SECRET, NOW, BODY), False),
    (SECRET, BODY, str(NOW + 1), sign(SECRET, NOW, BODY), False),
    (SECRET, BODY, str(NOW - 301), sign(SECRET, NOW - 301, BODY), False),
    (SECRET, BODY, None, sign(SECRET, NOW, BODY), False),
    (SECRET, BODY, str(NOW), None, False),
    (SECRET, BODY, "-5", sign(SECRET, NOW, BODY), False),
], ids=["valid", "wrong secret", "body changed", "timestamp changed", "too old",
        "no timestamp", "no signature", "bad timestamp"])
def test_verify_signature(secret: str, body: bytes, timestamp: str | None,
                          signature: str | None, ok: bool) -> None:
    assert verify_signature(secret, body, timestamp, signature, tolerance_s=300,
                            now=NOW) is ok


def sub(**filters: object) -> Subscriber:
    return Subscriber.model_validate(
        {"id": "s", "url": "http://127.0.0.1/x", "secret": SECRET, **filters})


MEASURE = {"kind": "measure_change", "category": None, "group": None, "min": None,
           "qualifier": None, "measure": "curfew", "status": "in_force"}


@pytest.mark.parametrize(("filters", "fields", "wanted"), [
    ({}, {}, True),
    ({"countries": ["kz"]}, {}, True),
    ({"countries": ["KE"]}, {}, False),
    ({"countries": ["KE"]}, {"country": None}, False),
    ({"kinds": ["measure_change"]}, {}, False),
    ({"kinds": ["measure_change"]}, MEASURE, True),
    ({"categories": ["injured"]}, {}, False),
    ({"categories": ["injured"]}, MEASURE, True),
    ({"min_figure": 12}, {}, True),
    ({"min_figure": 13}, {}, False),
    ({"min_figure": 13}, MEASURE, True),
    ({"measures": ["internet_shutdown"]}, MEASURE, False),
    ({"measures": ["internet_shutdown"]}, {}, True),
], ids=str)
def test_filters(filters: dict[str, object], fields: dict[str, object], wanted: bool) -> None:
    assert wants(sub(**filters), alert(**fields)) is wanted


@pytest.mark.parametrize(("value", "seconds"), [
    ("7", 7.0), (" 0 ", 0.0), (None, None), ("soon", None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 30.0),
])
def test_retry_after(value: str | None, seconds: float | None) -> None:
    now = 1445412450.0  # 30 s before the date above
    assert retry_after(value, now) == seconds


@pytest.mark.redis
async def test_an_alert_redelivered_to_the_dispatcher_is_not_posted_twice(
    fast: Settings, redis: Redis
) -> None:
    with serve(SECRET, {"/hook": [(200, {})]}) as receiver:
        await subscribe(redis, fast, "once", receiver.base + "/hook")
        await Dispatcher(fast).handle(alert(), redis)
        await Dispatcher(fast).handle(alert(), redis)
        await Dispatcher(fast).handle(alert(id="al_2"), redis)
    assert [r.alert_id for r in receiver.received] == ["al_1", "al_2"]


def test_the_claimer_waits_out_a_delivery_retry_budget() -> None:
    cfg = Settings().alert.webhooks
    # 6 attempts x 10 s timeout + 0.5 + 1 + 2 + 4 + 8 s of backoff + 5 s of slack
    assert retry_budget_ms(cfg) == 80_500
