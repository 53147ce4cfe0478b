"""Webhook subscribers: who they are, what they want, and how a POST to them is signed.

A subscriber has a URL, a secret and filters. Each POST carries the alert's JSON as its body
and three headers:

    X-Tocsin-Alert-Id:   the alert's id, the same on every retry (de-duplicate on it)
    X-Tocsin-Timestamp:  Unix seconds when this attempt was signed
    X-Tocsin-Signature:  "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)

A receiver recomputes the HMAC over the raw body, compares in constant time, and refuses a
timestamp older than a few minutes (replays). `verify_signature` does exactly that.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from pydantic import BaseModel, ConfigDict, Field, HttpUrl
from redis.asyncio import Redis

from schemas.alerts import Alert
from schemas.vocab import AlertKind, Category, MeasureKind
from services.common.streams import Streams

SIGNATURE_HEADER = "X-Tocsin-Signature"
TIMESTAMP_HEADER = "X-Tocsin-Timestamp"
ALERT_ID_HEADER = "X-Tocsin-Alert-Id"
ATTEMPT_HEADER = "X-Tocsin-Attempt"
_SCHEME = "sha256="


class Subscriber(BaseModel):
    """A webhook subscriber. An empty filter lets everything through."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    url: HttpUrl
    secret: str = Field(min_length=16, description="shared HMAC key")
    countries: list[str] = Field(default_factory=list, description="ISO alpha-2 codes")
    kinds: list[AlertKind] = Field(default_factory=list)
    categories: list[Category] = Field(
        default_factory=list, description="casualty categories; measure alerts unaffected"
    )
    measures: list[MeasureKind] = Field(
        default_factory=list, description="measure kinds; casualty alerts unaffected"
    )
    min_figure: int | None = Field(
        default=None, ge=0, description="casualty alerts below this figure are not sent"
    )


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def wants(subscriber: Subscriber, alert: Alert) -> bool:
    """Whether the alert passes the subscriber's filters."""
    countries = {c.upper() for c in subscriber.countries}
    if countries and (alert.country or "").upper() not in countries:
        return False
    if subscriber.kinds and alert.kind not in subscriber.kinds:
        return False
    if alert.kind == AlertKind.CASUALTY_CHANGE:
        if subscriber.categories and alert.category not in subscriber.categories:
            return False
        if subscriber.min_figure is not None and (alert.min or 0) < subscriber.min_figure:
            return False
    elif subscriber.measures and alert.measure not in subscriber.measures:
        return False
    return True


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return _SCHEME + mac.hexdigest()


def signed_headers(secret: str, alert_id: str, body: bytes, attempt: int,
                   now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        "User-Agent": "tocsin-webhooks/1",
        ALERT_ID_HEADER: alert_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        ATTEMPT_HEADER: str(attempt),
    }


def verify_signature(
    secret: str, body: bytes, timestamp: str | None, signature: str | None,
    *, tolerance_s: int, now: float | None = None,
) -> bool:
    """The receiver's check: a valid HMAC over this body, signed recently."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


# storage: one hash of subscribers under the prefix


def subscribers_key(streams: Streams) -> str:
    return streams.key("webhooks", "subscribers")


def dead_letter_stream(streams: Streams, subscriber_id: str) -> str:
    """Deliveries to this subscriber that failed every retry, waiting for a replay."""
    return streams.key("webhooks", "deadletter", subscriber_id)


async def register_subscriber(redis: Redis, streams: Streams, subscriber: Subscriber) -> None:
    """Add or replace a subscriber (by id)."""
    await redis.hset(subscribers_key(streams), subscriber.id, subscriber.model_dump_json())


async def remove_subscriber(redis: Redis, streams: Streams, subscriber_id: str) -> bool:
    return bool(await redis.hdel(subscribers_key(streams), subscriber_id))


async def list_subscribers(redis: Redis, streams: Streams) -> list[Subscriber]:
    raw = await redis.hgetall(subscribers_key(streams))
    return sorted(
        (Subscriber.model_validate_json(v) for v in raw.values()), key=lambda s: s.id
    )
