"""Reading a stream through a consumer group, with claiming, retries and a dead-letter stream.

Each worker registers its pure handler through `subscribe_guarded`. Two subscribers share the
worker's group: one reads new entries, the other claims entries that a dead consumer left
pending. A message is acknowledged only when the handler returns (its output is then
published); a handler error leaves it pending for another try; after `max_attempts`
deliveries, or at once when the body does not validate, it goes to the dead-letter stream with
the reason, and is acknowledged there so that it never blocks the group.

Entries are read in batches of up to `worker.read_count` and guarded one by one, in order;
what handlers write through `outputs.emit_json` (receipts included) goes out with the batch's
acknowledgements in one round trip (see `services.common.batches`). Once the worker stops,
the entries of a batch not yet begun are left pending for the claimer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson
import structlog
from faststream import AckPolicy
from faststream.redis import RedisBroker, RedisRouter, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError, ResponseError

from services.common.batches import (
    FLUSH,
    Flusher,
    Linger,
    Write,
    entries,
    holding,
    kept,
    message_as_body,
    parse_batch,
)
from services.common.observability import record_failure, record_message
from services.common.outputs import send_dead_letter
from services.common.settings import Settings
from services.common.streams import Streams

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

# The stream entry id of the message being handled, for handlers whose idempotency needs to
# tell a redelivery of one entry from a second entry with the same content.
current_message_id: ContextVar[str | None] = ContextVar("current_message_id", default=None)

Handler = Callable[[M, Any], Awaitable[None]]
Ahead = Callable[[list[tuple[str, M]]], AbstractAsyncContextManager[None]]


class UnprocessableError(Exception):
    """Raised by a handler when trying again cannot help (the article took longer than its
    time bound): the message is dead-lettered at once, with this as the reason."""


async def ensure_group(redis: Redis, stream: str, group: str) -> None:
    """Create `group` on `stream` from its first entry, unless it exists.

    faststream would create it at `$` when the subscriber starts, skipping whatever producers
    wrote before the first worker of the group came up; from `0` nothing is skipped.
    """
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _id_of(item: BaseModel) -> str | None:
    value = getattr(item, "article_id", None) or getattr(item, "id", None)
    return value if isinstance(value, str) else None


def _article_id_of(payload: bytes) -> str | None:
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if isinstance(data, dict):
        value = data.get("article_id") or data.get("id")
        return value if isinstance(value, str) else None
    return None


async def delivery_count(redis: Redis, stream: str, group: str, message_id: str) -> int:
    """How many times the entry was delivered (XPENDING); 1 once it is no longer pending."""
    rows = await redis.xpending_range(stream, group, min=message_id, max=message_id, count=1)
    return int(rows[0]["times_delivered"]) if rows else 1


@dataclass
class Guard(Generic[M]):
    """Validation, retries and dead-lettering around one worker's handler, entry by entry."""

    settings: Settings
    streams: Streams
    worker: str
    stream: str
    group: str
    consumer: str
    model: type[M]
    handle: Callable[[M, Redis], Awaitable[None]]
    on_dead: Callable[[str | None, str, Redis], Awaitable[None]] | None = None
    ahead: Ahead[M] | None = None
    _flush: list[AsyncScript] = field(default_factory=list)

    async def _dead_letter(
        self, redis: Redis, message_id: str, payload: bytes, *, article_id: str | None,
        reason: str, error: str, attempts: int,
    ) -> None:
        await send_dead_letter(
            redis, self.streams, self.settings, worker=self.worker, stream=self.stream,
            message_id=message_id, payload=payload, reason=reason, error=error,
            attempts=attempts,
        )
        if self.on_dead is not None:
            await self.on_dead(article_id, reason, redis)

    async def one(self, redis: Redis, message_id: str, payload: bytes,
                  writes: list[Write], known: M | None = None) -> bool:
        """Handle one entry (`known`: its body, validated already); True when it is done with
        (handled or dead-lettered) and may be acknowledged once `writes` are written, False
        when it stays pending."""
        worker, stream, model = self.worker, self.stream, self.model
        structlog.contextvars.bind_contextvars(worker=worker)
        entry_token = current_message_id.set(message_id)
        started = time.perf_counter()
        try:
            try:
                payload.decode("utf-8")
                item = known if known is not None else model.model_validate_json(payload)
            except (UnicodeDecodeError, ValidationError) as exc:
                article_id = _article_id_of(payload)
                structlog.contextvars.bind_contextvars(article_id=article_id)
                reason = (
                    f"invalid {model.__name__}: {describe_validation_error(exc)}"
                    if isinstance(exc, ValidationError)
                    else f"invalid {model.__name__}: body is not UTF-8 ({exc.reason} at byte "
                    f"{exc.start})"
                )
                await self._dead_letter(redis, message_id, payload, article_id=article_id,
                                        reason=reason, error=type(exc).__name__, attempts=1)
                return True
            article_id = _id_of(item)  # what _article_id_of reads, without parsing again
            structlog.contextvars.bind_contextvars(article_id=article_id)
            try:
                await self.handle(item, redis)
            except (RedisError, OSError):
                # Redis itself is failing (a restart, a network cut): not the message's fault.
                # It stays pending and is claimed again once Redis answers; it never counts
                # toward dead-lettering.
                raise
            except UnprocessableError as exc:
                writes.clear()
                attempts = await delivery_count(redis, stream, self.group, message_id)
                await self._dead_letter(redis, message_id, payload, article_id=article_id,
                                        reason=str(exc)[:2000], error=type(exc).__name__,
                                        attempts=attempts)
            except Exception as exc:
                writes.clear()  # what the failed attempt wrote is not its output
                attempts = await delivery_count(redis, stream, self.group, message_id)
                if attempts < self.settings.worker.max_attempts:
                    record_failure(worker, stream, "retry")
                    log.warning(
                        "message_failed", attempts=attempts, error=type(exc).__name__,
                        detail=str(exc)[:500],
                    )
                    return False
                reason = f"failed {attempts} times: {type(exc).__name__}: {exc}"[:2000]
                await self._dead_letter(redis, message_id, payload, article_id=article_id,
                                        reason=reason, error=type(exc).__name__,
                                        attempts=attempts)
            return True
        finally:
            record_message(worker, stream, time.perf_counter() - started)
            current_message_id.reset(entry_token)
            structlog.contextvars.unbind_contextvars("worker", "article_id", "story_id")

    async def batch(self, msg: RedisBatchStreamMessage, running: Callable[[], bool],
                    linger: Linger | None = None) -> None:
        """The entries of one read, in order; stops early (leaving the rest pending for the
        claimer) once the worker is stopping. `linger` (the fresh reader's; the claimer has
        none): under load, wait before the next read."""
        redis: Redis = msg.consumer  # type: ignore[assignment]
        wcfg = self.settings.worker
        waiting = linger is not None and linger.waiting(time.perf_counter())
        if not self._flush:
            self._flush.append(redis.register_script(FLUSH))
        flusher = Flusher(self._flush[0], redis, self.stream, self.group, wcfg.flush_ms / 1000)
        todo = list(entries(msg.raw_message))
        let_go: set[str] = set()
        valid = self._validated(todo) if self.ahead is not None else {}
        async with (
            kept(redis, stream=self.stream, group=self.group, consumer=self.consumer,
                 ids=[message_id for message_id, _ in todo], let_go=let_go,
                 idle_ms=wcfg.claim_idle_ms),
            self.ahead(list(valid.items())) if self.ahead is not None else nullcontext(),
        ):
            try:
                for message_id, payload in todo:
                    if not running():
                        break
                    writes: list[Write] = []
                    with holding(writes):
                        if await self.one(redis, message_id, payload, writes,
                                          valid.get(message_id)):
                            flusher.finished(message_id, writes)
                        else:
                            let_go.add(message_id)
                    if flusher.due():
                        let_go.update(await flusher.flush())
            finally:
                await flusher.flush()
        if linger is not None and running():
            pause = linger.after(waiting, len(todo), time.perf_counter())
            if pause:
                await asyncio.sleep(pause)


    def _validated(self, todo: list[tuple[str, bytes]]) -> dict[str, M]:
        """The bodies that validate, by entry id (the others are dead-lettered in turn)."""
        out: dict[str, M] = {}
        for message_id, payload in todo:
            with suppress(UnicodeDecodeError, ValidationError):
                payload.decode("utf-8")
                out[message_id] = self.model.model_validate_json(payload)
        return out


def subscribe_guarded(
    router: RedisRouter | RedisBroker,
    *,
    settings: Settings,
    streams: Streams,
    worker: str,
    stream: str,
    group: str,
    consumer: str,
    model: type[M],
    handle: Callable[[M, Redis], Awaitable[None]],
    on_dead: Callable[[str | None, str, Redis], Awaitable[None]] | None = None,
    ahead: Ahead[M] | None = None,
) -> None:
    """Register `handle` on `stream` through `group`, with claiming and dead-lettering.

    `on_dead(article_id, reason, redis)` runs after a message is dead-lettered, so that the
    worker can write its receipt. `ahead([(entry id, body), ...])`, an async context manager
    around each batch, may start work on the batch's valid bodies before `handle` takes them
    one by one, in order (the extract worker extracts them in parallel).
    """
    wcfg = settings.worker
    guard = Guard(settings, streams, worker, stream, group, consumer, model, handle, on_dead,
                  ahead)
    fresh = StreamSub(
        stream, group=group, consumer=consumer, polling_interval=wcfg.polling_ms,
        max_records=wcfg.read_count, batch=True,
    )
    claim = StreamSub(
        stream,
        group=group,
        consumer=consumer,
        min_idle_time=wcfg.claim_idle_ms,
        polling_interval=max(wcfg.claim_idle_ms // 4, 100),
        batch=True,
    )
    linger = Linger(wcfg.linger_ms / 1000, wcfg.read_count)
    for sub, title, lingers in ((fresh, f"{worker}:{stream}", linger),
                                (claim, f"{worker}:{stream}:claim", None)):
        subscriber = router.subscriber(
            stream=sub, title=title, parser=parse_batch, decoder=message_as_body,
            ack_policy=AckPolicy.MANUAL,
        )
        subscriber(_batch_handler(guard, subscriber, lingers))


def _batch_handler(
    guard: Guard[Any], subscriber: Any, linger: Linger | None
) -> Callable[..., Awaitable[None]]:
    async def handle_batch(msg: Any) -> None:  # the message itself: see message_as_body
        await guard.batch(msg, lambda: bool(subscriber.running), linger)

    return handle_batch
