"""Delivering alerts to webhook subscribers: retries, backoff, dead letters and replay.

The dispatcher reads the alerts stream through its own consumer group. For each alert, every
subscriber whose filters it passes gets a signed POST; a failure (connection error, timeout,
408, 425, 429 or 5xx) is retried with exponential backoff and jitter, or after the
Retry-After the receiver asked for; every retry carries the same alert id. Another 4xx is
final. A delivery that fails for good goes to the subscriber's own dead-letter stream, from
which `replay_dead_letters` sends it again.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import cast

import httpx
import structlog
from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis

from schemas.alerts import Alert
from services.alert.webhooks import (
    Subscriber,
    dead_letter_stream,
    list_subscribers,
    signed_headers,
    wants,
)
from services.common.broker import DATA_FIELD
from services.common.outputs import write_json
from services.common.settings import Settings, WebhookSettings
from services.common.streams import Streams

log = structlog.get_logger(__name__)

_RETRIED = {408, 425, 429}


class FailedDelivery(BaseModel):
    """An entry of a subscriber's dead-letter stream."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subscriber_id: str
    alert: Alert
    attempts: int
    status: int | None = None
    error: str
    failed_at: float


class Outcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    delivered: bool
    attempts: int
    status: int | None = None
    error: str = ""


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def backoff(cfg: WebhookSettings, failures: int, asked: float | None) -> float:
    """Delay before the next attempt: what the receiver asked for, else exponential with
    equal jitter (half fixed, half random) capped at `backoff_max_s`."""
    if asked is not None:
        return min(asked, cfg.retry_after_max_s)
    ceiling = min(cfg.backoff_max_s, cfg.backoff_base_s * 2.0 ** (failures - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


async def deliver(
    client: httpx.AsyncClient, cfg: WebhookSettings, subscriber: Subscriber, alert: Alert
) -> Outcome:
    """POST the alert until it is accepted, the attempts run out or the receiver refuses."""
    body = alert.model_dump_json().encode()
    status: int | None = None
    error = ""
    for attempt in range(1, cfg.max_attempts + 1):
        headers = signed_headers(subscriber.secret, alert.id, body, attempt)
        asked: float | None = None
        try:
            response = await client.post(
                str(subscriber.url), content=body, headers=headers, timeout=cfg.timeout_s
            )
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"[:500]
        else:
            status = response.status_code
            if response.is_success:
                log.info("webhook_delivered", subscriber=subscriber.id, alert_id=alert.id,
                         attempts=attempt, status=status)
                return Outcome(delivered=True, attempts=attempt, status=status)
            error = f"HTTP {status}"
            if status < 500 and status not in _RETRIED:
                return Outcome(delivered=False, attempts=attempt, status=status, error=error)
            asked = retry_after(response.headers.get("Retry-After"), time.time())
        if attempt < cfg.max_attempts:
            delay = backoff(cfg, attempt, asked)
            log.info("webhook_retried", subscriber=subscriber.id, alert_id=alert.id,
                     attempt=attempt, status=status, error=error, delay_s=round(delay, 3))
            await asyncio.sleep(delay)
    return Outcome(delivered=False, attempts=cfg.max_attempts, status=status, error=error)


async def _bury(redis: Redis, settings: Settings, subscriber: Subscriber, alert: Alert,
                outcome: Outcome) -> None:
    streams = Streams(settings.stream_prefix)
    failed = FailedDelivery(
        subscriber_id=subscriber.id, alert=alert, attempts=outcome.attempts,
        status=outcome.status, error=outcome.error, failed_at=time.time(),
    )
    await write_json(redis, dead_letter_stream(streams, subscriber.id), failed,
                     settings.worker.stream_maxlen)
    log.warning("webhook_dead_lettered", subscriber=subscriber.id, alert_id=alert.id,
                attempts=outcome.attempts, status=outcome.status, error=outcome.error)


class Dispatcher:
    """The handler of the webhook consumer group on the alerts stream."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._streams = Streams(settings.stream_prefix)
        self._subscribers: tuple[float, list[Subscriber]] | None = None
        """the list last read, and when"""

    async def subscribers(self, redis: Redis) -> list[Subscriber]:
        """The subscriber list, read again once `subscribers_refresh_s` has passed: under
        load the alerts come many a second, and the list changes seldom."""
        now = time.monotonic()
        held = self._subscribers
        if held is not None and now - held[0] < self._settings.alert.webhooks.subscribers_refresh_s:
            return held[1]
        found = await list_subscribers(redis, self._streams)
        self._subscribers = (now, found)
        return found

    def _delivered_key(self, subscriber: Subscriber, alert: Alert) -> str:
        return self._streams.key("webhooks", "delivered", subscriber.id, alert.id)

    async def handle(self, alert: Alert, redis: Redis) -> None:
        """Deliver to every subscriber that wants the alert and has not received it yet
        (an alert redelivered after a crash is not POSTed twice to the same receiver)."""
        wanted = [s for s in await self.subscribers(redis) if wants(s, alert)]
        chosen = [s for s in wanted if not await redis.exists(self._delivered_key(s, alert))]
        if not chosen:
            return
        cfg = self._settings.alert.webhooks
        async with httpx.AsyncClient() as client:
            outcomes = await asyncio.gather(*(deliver(client, cfg, s, alert) for s in chosen))
        ttl = self._settings.alert.memo_ttl_days * 86_400
        for subscriber, outcome in zip(chosen, outcomes, strict=True):
            if outcome.delivered:
                await redis.set(self._delivered_key(subscriber, alert), 1, ex=ttl)
            else:
                await _bury(redis, self._settings, subscriber, alert, outcome)


def retry_budget_ms(cfg: WebhookSettings) -> int:
    """The longest one delivery takes when every attempt times out and every backoff is at
    its ceiling (a long Retry-After aside): an entry held that long is not abandoned."""
    delays = sum(
        min(cfg.backoff_max_s, cfg.backoff_base_s * 2.0 ** (n - 1))
        for n in range(1, cfg.max_attempts)
    )
    return int((cfg.max_attempts * cfg.timeout_s + delays) * 1000) + 5_000


async def replay_dead_letters(
    redis: Redis, settings: Settings, subscriber_id: str
) -> tuple[int, int]:
    """Send again every dead-lettered delivery of a subscriber, oldest first.

    A delivery that succeeds leaves the dead-letter stream; one that fails again stays.
    Returns (delivered, still failing).
    """
    streams = Streams(settings.stream_prefix)
    found = [s for s in await list_subscribers(redis, streams) if s.id == subscriber_id]
    if not found:
        msg = f"no webhook subscriber {subscriber_id!r}"
        raise LookupError(msg)
    subscriber = found[0]
    stream = dead_letter_stream(streams, subscriber_id)
    delivered = failing = 0
    async with httpx.AsyncClient() as client:
        entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(stream))
        for entry_id, fields in entries:
            failed = FailedDelivery.model_validate_json(fields[DATA_FIELD.encode()])
            outcome = await deliver(client, settings.alert.webhooks, subscriber, failed.alert)
            if outcome.delivered:
                await redis.xdel(stream, entry_id)
                delivered += 1
            else:
                failing += 1
    log.info("webhook_replayed", subscriber=subscriber_id, delivered=delivered,
             failing=failing)
    return delivered, failing
