"""Metrics, /healthz, /readyz and /metrics: the functions, the probe on real Redis, the server."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable

import httpx
import pytest
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from services.common.local_redis import free_port
from services.common.observability import (
    LagCollector,
    Metrics,
    ObservabilityServer,
    Probe,
    record_alert,
    record_failure,
    record_message,
    record_webhook,
    watched_groups,
)
from services.common.settings import Settings
from services.common.streams import Streams


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("record", "sample", "labels"),
    [
        pytest.param(lambda: record_message("extract", "p:articles", 0.02),
                     "tocsin_messages_processed_total",
                     {"worker": "extract", "stream": "p:articles"}, id="processed"),
        pytest.param(lambda: record_message("extract", "p:articles", 0.02),
                     "tocsin_message_processing_seconds_count",
                     {"worker": "extract", "stream": "p:articles"}, id="latency"),
        pytest.param(lambda: record_failure("alert", "p:facts", "retry"),
                     "tocsin_messages_failed_total",
                     {"worker": "alert", "stream": "p:facts", "outcome": "retry"}, id="retry"),
        pytest.param(lambda: record_failure("alert", "p:facts", "dead_letter"),
                     "tocsin_messages_failed_total",
                     {"worker": "alert", "stream": "p:facts", "outcome": "dead_letter"},
                     id="dead-letter"),
        pytest.param(lambda: record_alert("casualty_change"), "tocsin_alerts_raised_total",
                     {"kind": "casualty_change"}, id="alert"),
        pytest.param(lambda: record_webhook("delivered"), "tocsin_webhook_deliveries_total",
                     {"outcome": "delivered"}, id="webhook"),
    ],
)
def test_each_record_function_counts_once(
    record: Callable[[], None], sample: str, labels: dict[str, str]
) -> None:
    before = _sample(sample, labels)
    record()
    assert _sample(sample, labels) == before + 1


def test_latency_lands_in_its_bucket() -> None:
    labels = {"worker": "ingest", "stream": "p:inbox"}
    le_small = {**labels, "le": "0.005"}
    le_big = {**labels, "le": "0.5"}
    small, big = _sample("tocsin_message_processing_seconds_bucket", le_small), _sample(
        "tocsin_message_processing_seconds_bucket", le_big
    )
    record_message("ingest", "p:inbox", 0.3)
    assert _sample("tocsin_message_processing_seconds_bucket", le_small) == small
    assert _sample("tocsin_message_processing_seconds_bucket", le_big) == big + 1


def test_a_fresh_registry_exposes_every_family() -> None:
    registry = CollectorRegistry()
    metrics = Metrics.create(registry)
    metrics.lag.snapshot = [("p:facts", "alert", 7, 2), ("p:alerts", "hooks", None, 1)]
    text = generate_latest(registry).decode()
    for family in ("tocsin_messages_processed", "tocsin_messages_failed",
                   "tocsin_message_processing_seconds", "tocsin_alerts_raised",
                   "tocsin_webhook_deliveries", "tocsin_consumer_group_lag",
                   "tocsin_consumer_group_pending"):
        assert re.search(rf"^# TYPE {family}(_total)? ", text, re.MULTILINE), family
    assert 'tocsin_consumer_group_lag{group="alert",stream="p:facts"} 7.0' in text
    # an unknown lag is left out rather than reported as a number
    assert 'tocsin_consumer_group_lag{group="hooks"' not in text
    assert 'tocsin_consumer_group_pending{group="hooks",stream="p:alerts"} 1.0' in text


@pytest.mark.parametrize(
    ("names", "webhooks", "expected"),
    [
        (["ingest"], True, [("p:inbox", "ingest")]),
        (["extract"], True, [("p:articles", "extract")]),
        (["alert"], True, [("p:facts", "alert"), ("p:alerts", "webhooks")]),
        (["alert"], False, [("p:facts", "alert")]),
        (["ingest", "extract", "alert"], False,
         [("p:inbox", "ingest"), ("p:articles", "extract"), ("p:facts", "alert")]),
    ],
)
def test_watched_groups(names: list[str], webhooks: bool, expected: list[tuple[str, str]]) -> None:
    settings = Settings(stream_prefix="p", alert={"webhooks": {"enabled": webhooks}})
    assert watched_groups(settings, names) == expected


@pytest.mark.redis
async def test_readiness_needs_start_redis_and_group(redis: Redis, prefix: str) -> None:
    stream = Streams(prefix).articles
    probe = Probe(redis=redis, groups=[(stream, "extract")], timeout_s=2.0)
    ok, checks = await probe.ready()
    assert not ok
    assert checks["started"] == "not yet"
    assert checks[f"group extract on {stream}"].startswith("missing")

    probe.started = True
    await redis.xgroup_create(stream, "other", id="$", mkstream=True)
    ok, checks = await probe.ready()
    assert not ok
    assert checks[f"group extract on {stream}"] == "missing"

    await redis.xgroup_create(stream, "extract", id="$")
    ok, checks = await probe.ready()
    assert ok, checks
    assert set(checks.values()) == {"ok"}


async def test_readiness_fails_when_redis_is_unreachable() -> None:
    client: Redis = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    probe = Probe(redis=client, groups=[("p:facts", "alert")], timeout_s=2.0, started=True)
    try:
        ok, checks = await probe.ready()
    finally:
        await client.aclose()
    assert not ok
    assert checks["redis"].startswith("unreachable")


@pytest.mark.redis
async def test_lag_and_pending_come_from_xinfo_groups(redis: Redis, prefix: str) -> None:
    stream = Streams(prefix).facts
    for n in range(5):
        await redis.xadd(stream, {"__data__": f'{{"n": {n}}}'})
    await redis.xgroup_create(stream, "alert", id="0")
    await redis.xreadgroup("alert", "c1", {stream: ">"}, count=2)
    collector = LagCollector()
    probe = Probe(redis=redis, groups=[(stream, "alert"), (Streams(prefix).alerts, "x")],
                  timeout_s=2.0)
    await probe.refresh_lag(collector)
    # the second stream does not exist: no row, no error
    assert collector.snapshot == [(stream, "alert", 3, 2)]


def _taken_socket() -> socket.socket:
    return socket.create_server(("127.0.0.1", 0))


async def test_a_taken_port_is_logged_and_the_worker_goes_on(settings: Settings) -> None:
    with _taken_socket() as taken:
        port = taken.getsockname()[1]
        cfg = settings.model_copy(
            update={"observability": settings.observability.model_copy(update={"port": port})}
        )
        server = ObservabilityServer(cfg, ["extract"])
        with capture_logs() as logs:
            await server.start()
        await server.stop()
    failed = [e for e in logs if e["event"] == "observability_server_failed"]
    assert failed
    assert failed[0]["port"] == port
    assert server.port is None


@pytest.mark.redis
async def test_the_server_answers_and_stops(settings: Settings, redis: Redis) -> None:
    port = free_port()
    cfg = settings.model_copy(
        update={"observability": settings.observability.model_copy(update={"port": port})}
    )
    server = ObservabilityServer(cfg, ["extract"])
    await server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            assert (await http.get("/healthz")).json() == {"status": "alive"}
            not_ready = await http.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.json()["ready"] is False

            await redis.xgroup_create(Streams(cfg.stream_prefix).articles, "extract", id="$",
                                      mkstream=True)
            server.mark_started()
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text

            scraped = await http.get("/metrics")
            assert scraped.headers["content-type"].startswith("text/plain")
            assert "tocsin_consumer_group_lag{" in scraped.text
            assert (await http.get("/nothing")).status_code == 404
    finally:
        await server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/healthz", timeout=2)
