"""What operators watch: Prometheus metrics, and /healthz, /readyz and /metrics over HTTP.

Every worker process serves, on `settings.observability.host:port` (default 9100):

    GET /healthz   200 while the process and its event loop answer (liveness)
    GET /readyz    200 when the worker has started, Redis answers and the consumer group of
                   every stream it reads exists; 503 with the failing checks otherwise
    GET /metrics   Prometheus text: the counters below, consumer-group lag read from Redis at
                   scrape time, faststream's own metrics and the process collectors

The counters live in the default Prometheus registry, created on first use. Handlers record
through the functions below; the names are part of the operators' contract (dashboards and
alert rules use them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import structlog
import uvicorn
from faststream import FastStream
from faststream.redis.prometheus import RedisPrometheusMiddleware
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.common.redis_client import connect
from services.common.settings import Settings
from services.common.streams import GROUPS, Streams

log = structlog.get_logger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class LagCollector(Collector):
    """Consumer-group lag and pending counts, as last read from Redis (XINFO GROUPS)."""

    def __init__(self) -> None:
        self.snapshot: list[tuple[str, str, int | None, int]] = []

    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "tocsin_consumer_group_lag",
            "Entries of the stream not yet delivered to the group (XINFO GROUPS lag)",
            labels=["stream", "group"],
        )
        pending = GaugeMetricFamily(
            "tocsin_consumer_group_pending",
            "Entries delivered to the group and not yet acknowledged",
            labels=["stream", "group"],
        )
        for stream, group, lag_value, pending_value in self.snapshot:
            if lag_value is not None:  # Redis cannot tell the lag after some deletions
                lag.add_metric([stream, group], lag_value)
            pending.add_metric([stream, group], pending_value)
        yield lag
        yield pending


@dataclass(frozen=True, slots=True)
class Metrics:
    registry: CollectorRegistry
    processed: Counter
    failed: Counter
    latency: Histogram
    alerts: Counter
    webhooks: Counter
    lag: LagCollector

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        lag = LagCollector()
        registry.register(lag)
        return cls(
            registry=registry,
            processed=Counter(
                "tocsin_messages_processed", "Stream deliveries handled, whatever the outcome",
                ["worker", "stream"], registry=registry,
            ),
            failed=Counter(
                "tocsin_messages_failed",
                "Deliveries that failed: outcome=retry (left pending for another try) or "
                "dead_letter (sent to the dead-letter stream)",
                ["worker", "stream", "outcome"], registry=registry,
            ),
            latency=Histogram(
                "tocsin_message_processing_seconds", "Time to handle one delivery",
                ["worker", "stream"], buckets=LATENCY_BUCKETS, registry=registry,
            ),
            alerts=Counter(
                "tocsin_alerts_raised", "Alerts published on the alerts stream", ["kind"],
                registry=registry,
            ),
            webhooks=Counter(
                "tocsin_webhook_deliveries",
                "Webhook POST attempts by outcome (e.g. delivered, retried, dead_letter)",
                ["outcome"], registry=registry,
            ),
            lag=lag,
        )


@cache
def metrics() -> Metrics:
    """The process's metrics, in the default registry (created on first use)."""
    return Metrics.create(REGISTRY)


def record_message(worker: str, stream: str, seconds: float) -> None:
    """One delivery of `stream` handled by `worker` (any outcome), in `seconds`."""
    m = metrics()
    m.processed.labels(worker, stream).inc()
    m.latency.labels(worker, stream).observe(seconds)


def record_failure(worker: str, stream: str, outcome: str) -> None:
    """A delivery that failed: `retry` (left pending) or `dead_letter`."""
    metrics().failed.labels(worker, stream, outcome).inc()


def record_alert(kind: str) -> None:
    """An alert published (kind: casualty_change, measure_change)."""
    metrics().alerts.labels(kind).inc()


def record_webhook(outcome: str) -> None:
    """One webhook POST attempt and how it ended."""
    metrics().webhooks.labels(outcome).inc()


def broker_middlewares(settings: Settings) -> tuple[RedisPrometheusMiddleware, ...]:
    """faststream's own metrics (received, processed, published, durations, sizes)."""
    if not settings.observability.enabled:
        return ()
    return (RedisPrometheusMiddleware(registry=metrics().registry, app_name="tocsin"),)


def watched_groups(settings: Settings, names: Sequence[str]) -> list[tuple[str, str]]:
    """(stream, group) of every consumer group the named workers read through."""
    streams = Streams(settings.stream_prefix)
    inputs = {"ingest": streams.inbox, "extract": streams.articles, "alert": streams.facts}
    pairs = [(inputs[name], GROUPS[name]) for name in names if name in inputs]
    if "alert" in names and settings.alert.webhooks.enabled:
        pairs.append((streams.alerts, settings.alert.webhooks.group))
    return pairs


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass
class Probe:
    """The checks behind /readyz and the lag behind /metrics, on a Redis client of its own."""

    redis: Redis
    groups: list[tuple[str, str]]
    timeout_s: float
    started: bool = False

    async def ready(self) -> tuple[bool, dict[str, str]]:
        checks: dict[str, str] = {"started": "ok" if self.started else "not yet"}
        try:
            async with asyncio.timeout(self.timeout_s):
                await self.redis.ping()
                checks["redis"] = "ok"
                for stream, group in self.groups:
                    checks[f"group {group} on {stream}"] = await self._joined(stream, group)
        except (TimeoutError, OSError, RedisError) as exc:
            checks["redis"] = f"unreachable: {type(exc).__name__}: {exc}"
        return all(v == "ok" for v in checks.values()), checks

    async def _joined(self, stream: str, group: str) -> str:
        """The group exists (our subscribers create it on start: Redis lists a consumer only
        once something was delivered to it, so the group is what a fresh worker can show)."""
        try:
            infos = await self.redis.xinfo_groups(stream)
        except ResponseError as exc:  # no such stream
            return f"missing: {exc}"
        return "ok" if group in {_text(i["name"]) for i in infos} else "missing"

    async def refresh_lag(self, collector: LagCollector) -> None:
        rows: list[tuple[str, str, int | None, int]] = []
        with contextlib.suppress(TimeoutError, OSError, RedisError):
            async with asyncio.timeout(self.timeout_s):
                for stream in dict.fromkeys(s for s, _ in self.groups):
                    try:
                        infos = await self.redis.xinfo_groups(stream)
                    except ResponseError:  # the stream does not exist yet
                        continue
                    rows += [
                        (stream, _text(i["name"]), i.get("lag"), int(i.get("pending", 0)))
                        for i in infos
                    ]
        collector.snapshot = rows


def create_http_app(probe: Probe, metrics_: Metrics) -> Starlette:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(_: Request) -> Response:
        ok, checks = await probe.ready()
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    async def scrape(_: Request) -> Response:
        await probe.refresh_lag(metrics_.lag)
        return Response(generate_latest(metrics_.registry), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", scrape)]
    )


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside the worker's loop: the worker, not uvicorn, owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class ObservabilityServer:
    settings: Settings
    names: Sequence[str]
    probe: Probe | None = None
    port: int | None = None
    _server: _EmbeddedServer | None = None
    _task: asyncio.Task[None] | None = None
    _socket: socket.socket | None = field(default=None, repr=False)

    async def start(self) -> None:
        cfg = self.settings.observability
        self.probe = Probe(
            redis=connect(self.settings),
            groups=watched_groups(self.settings, self.names),
            timeout_s=cfg.check_timeout_s,
        )
        try:
            family = socket.AF_INET6 if ":" in cfg.host else socket.AF_INET
            self._socket = socket.create_server((cfg.host, cfg.port), family=family)
        except OSError as exc:
            # The pipeline goes on; the probes of an orchestrator will notice the missing port.
            log.error("observability_server_failed", host=cfg.host, port=cfg.port, error=str(exc))
            return
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            create_http_app(self.probe, metrics()),
            log_config=None, log_level="warning", access_log=False, lifespan="off",
            server_header=False,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        log.info("observability_server_started", host=cfg.host, port=self.port)

    def mark_started(self) -> None:
        if self.probe is not None:
            self.probe.started = True

    async def stop(self) -> None:
        if self.probe is not None:
            self.probe.started = False
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=5)
        if self._socket is not None:
            self._socket.close()
        if self.probe is not None:
            await self.probe.redis.aclose()


def route_faststream_logs() -> None:
    """faststream gives the loggers it creates on start a plain-text handler of their own
    (`faststream.access.*`): send their lines through the root handler, as JSON like ours."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("faststream"):
            own = logging.getLogger(name)
            own.handlers.clear()
            own.propagate = True


def observe(app: FastStream, settings: Settings, names: Sequence[str]) -> FastStream:
    """Serve the health and metrics endpoints for the lifetime of `app` (when enabled)."""
    server = ObservabilityServer(settings, names) if settings.observability.enabled else None
    clock: list[float] = []

    async def on_startup() -> None:
        clock.append(time.monotonic())
        if server is not None:
            await server.start()

    async def after_startup() -> None:
        route_faststream_logs()
        if server is not None:
            server.mark_started()
        log.info("worker_started", workers=list(names), seconds=time.monotonic() - clock[0])

    app.on_startup(on_startup)
    app.after_startup(after_startup)
    if server is not None:
        app.on_shutdown(server.stop)
    return app
