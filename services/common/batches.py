"""Batches of stream entries: many read by one XREADGROUP, written and acknowledged together.

`subscribe_guarded` reads through faststream's batch subscriber (one handler call for up to
`worker.read_count` entries) and guards each entry on its own. What the handlers of a batch
write through `emit_json` is held back and sent with the acknowledgement of their entries in
one round trip: one script adds the writes in order, then acknowledges, and an error on any
write stops it before the XACK, so that nothing is acknowledged before its output is written.
The writes of an entry whose handler fails are dropped with it (it stays pending and is tried
again). A batch is flushed once its oldest finished entry has waited `worker.flush_ms`, and at
its end. (On a Redis Cluster, a flush takes a call per slot written: see `run_flush`.)

While a batch is in hand, its entries not yet let go of are claimed again by their consumer
every third of `worker.claim_idle_ms` (XCLAIM JUSTID: the delivery count stays), so that a
slow batch or a slow entry is never taken for the leftovers of a dead consumer and handled
twice; an entry left pending after a failure is let go, for the claimer to retry.

Under load the reads linger (`Linger`): when a read finds its entries waiting but fewer than
`worker.read_count`, the next read waits `worker.linger_ms`, so that batches grow with the
load instead of each stage paying a read, a flush and the handler's round trips per entry.

faststream's own batch parser decodes every body as JSON and encodes the list again (and
cannot encode a body that is not UTF-8, which would then fail before any handler, forever):
`parse_batch` builds the message without touching the bodies and `message_as_body` leaves
them alone; the guard reads and validates each entry itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
import structlog
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.crc import key_slot
from redis.exceptions import RedisError

from services.common.broker import DATA_FIELD, JsonBodyFormat
from services.common.redis_client import is_cluster

log = structlog.get_logger(__name__)

_DATA = DATA_FIELD.encode()

Write = tuple[str, str, int | None, str | None, int | None]
"""One XADD: (stream, JSON body, approximate MAXLEN or None, mark key or None, mark ttl s).
With a mark, the entry is added only if the mark was not set yet (then it is set): a write
that happens once, whatever the redeliveries."""

_held: ContextVar[list[Write] | None] = ContextVar("held_writes", default=None)

# KEYS: the stream read, then per write its stream and its mark (the stream again if none)
# ARGV: group, data field, number of writes, (maxlen or "", body, mark ttl or "") per write,
#       then the entry ids to acknowledge
FLUSH = """
local n = tonumber(ARGV[3])
for i = 1, n do
  local maxlen, body, ttl = ARGV[1 + 3 * i], ARGV[2 + 3 * i], ARGV[3 + 3 * i]
  if ttl == '' or redis.call('SET', KEYS[1 + 2 * i], '1', 'NX', 'EX', ttl) then
    if maxlen == '' then
      redis.call('XADD', KEYS[2 * i], '*', ARGV[2], body)
    else
      redis.call('XADD', KEYS[2 * i], 'MAXLEN', '~', maxlen, '*', ARGV[2], body)
    end
  end
end
if #ARGV > 3 + 3 * n then
  return redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 4 + 3 * n))
end
return 0
"""


async def parse_batch(raw: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """faststream's message for a batch read, its bodies left undecoded (see module doc)."""
    message = await original({**raw, "data": []})
    message.raw_message = raw
    return message


async def message_as_body(message: Any, _original: Callable[[Any], Awaitable[Any]]) -> Any:
    """No decoding by faststream (the guard validates each entry against its model): the
    handler's argument is the batch message itself. (Taking it through faststream's
    `Context` instead costs a trip to a thread per call: fast_depends resolves context
    fields with a synchronous function, which it runs in anyio's thread pool.)"""
    return message


def payload_of(fields: dict[bytes, bytes]) -> bytes:
    """An entry's body, as faststream's stream parser reads one: the `__data__` field (or
    every field as a JSON object when it is absent or empty), out of faststream's binary
    envelope when it is in one."""
    data = fields.get(_DATA) or orjson.dumps(
        {k.decode(errors="replace"): v.decode(errors="replace") for k, v in fields.items()}
    )
    body: bytes = JsonBodyFormat.parse(data)[0]
    return body


def entries(raw: Any) -> Iterator[tuple[str, bytes]]:
    """(entry id, body) of each entry of a batch message's raw message."""
    for entry_id, fields in zip(raw["message_ids"], raw["data"], strict=True):
        text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        yield text, payload_of(fields)


def held_writes() -> list[Write] | None:
    """The writes held for the entry being handled, or None outside a batch."""
    return _held.get()


@contextmanager
def holding(writes: list[Write]) -> Iterator[None]:
    """Hold what `emit` writes (in this task) in `writes`."""
    token = _held.set(writes)
    try:
        yield
    finally:
        _held.reset(token)


@dataclass
class Flusher:
    """The held writes and finished entries of one batch, sent in one round trip."""

    script: AsyncScript
    redis: Redis
    stream: str
    group: str
    flush_s: float
    writes: list[Write] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    since: float | None = None

    def finished(self, entry_id: str, writes: list[Write]) -> None:
        """An entry handled or dead-lettered: acknowledge it after `writes`."""
        self.writes.extend(writes)
        self.done.append(entry_id)
        if self.since is None:
            self.since = time.monotonic()

    def due(self) -> bool:
        return self.since is not None and time.monotonic() - self.since >= self.flush_s

    async def flush(self) -> list[str]:
        """Send what is held; the entries acknowledged."""
        if not self.done and not self.writes:
            return []
        await run_flush(self.script, self.redis, self.writes, stream=self.stream,
                        group=self.group, done=self.done)
        acked = self.done
        self.writes, self.done, self.since = [], [], None
        return acked


@asynccontextmanager
async def kept(
    redis: Redis, *, stream: str, group: str, consumer: str, ids: list[str],
    let_go: set[str], idle_ms: int,
) -> AsyncIterator[None]:
    """While in the block, claim `ids` (but those in `let_go`) for `consumer` again every
    third of `idle_ms`, so that the claimer does not take them (see the module doc)."""
    interval = idle_ms / 3000
    # redis-py (8.1) can return normally from a command during which the task was cancelled:
    # the loop also ends on this flag, or a lost cancellation would keep the batch for ever
    ending = asyncio.Event()

    async def beat() -> None:
        while not ending.is_set():
            await asyncio.sleep(interval)
            held = [i for i in ids if i not in let_go]
            if not held:
                continue
            try:
                await redis.xclaim(stream, group, consumer, int(interval * 500),
                                   cast("Any", held), justid=True)
            except RedisError as exc:
                log.warning("entries_not_kept", stream=stream, error=type(exc).__name__)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        ending.set()
        task.cancel()
        # waits for it without taking its CancelledError, and lets the batch's own through
        await asyncio.wait([task])


async def run_flush(
    script: AsyncScript, redis: Redis, writes: list[Write], *, stream: str = "",
    group: str = "", done: list[str] | None = None,
) -> None:
    """Add `writes` in order, then acknowledge `done` on `stream` for `group`, in one call.

    On a Redis Cluster a script takes keys of one slot only, and the streams of a flush live
    in several: there each run of consecutive writes to one slot is one call, in order, and
    the acknowledgement comes last. Nothing is acknowledged before its output is written, as
    on one Redis; but a worker that dies between two calls leaves its entries pending, and
    their retry writes the unmarked outputs (facts, receipts) again: at least once, where one
    Redis gives exactly once. Marked writes (the alerts) stay exactly once: a write and its
    mark share a slot."""
    if not is_cluster(redis):
        await _flush_call(script, redis, writes, stream=stream, group=group, done=done or [])
        return
    for run in slot_runs(writes):
        await _flush_call(script, redis, run, stream=run[0][0], group="", done=[])
    if done:
        await _flush_call(script, redis, [], stream=stream, group=group, done=done)


def slot(key: str) -> int:
    """The Redis Cluster hash slot of `key` (that of the text between its first braces)."""
    return key_slot(key.encode())


def slot_runs(writes: list[Write]) -> list[list[Write]]:
    """`writes` cut into runs of consecutive writes whose keys share one hash slot."""
    runs: list[list[Write]] = []
    last: int | None = None
    for write in writes:
        target, _body, _maxlen, mark, _ttl = write
        here = slot(target)
        if mark is not None and slot(mark) != here:
            msg = f"the mark {mark!r} is not in the slot of its stream {target!r}"
            raise ValueError(msg)
        if here != last:
            runs.append([])
            last = here
        runs[-1].append(write)
    return runs


async def _flush_call(
    script: AsyncScript, redis: Redis, writes: list[Write], *, stream: str, group: str,
    done: list[str],
) -> None:
    keys = [stream or (writes[0][0] if writes else "")]
    args: list[str | int] = [group, DATA_FIELD, len(writes)]
    for target, body, maxlen, mark, ttl in writes:
        keys += [target, mark or target]
        args += ["" if maxlen is None else maxlen, body, "" if ttl is None else ttl]
    args += done
    await script(keys=keys, args=args, client=redis)


AT_ONCE_S = 0.002
"""a read that came back this soon after it was asked for found its entries waiting"""


@dataclass(slots=True)
class Linger:
    """When the next read of one reader waits, so that its batches grow under load.

    A read that came back at once after the batch before it found its entries waiting: the
    reader is under load; when it took fewer than `read_count`, the next read waits `wait_s`
    for more. A read that had to wait (a light load) is not delayed, and neither is the read
    after a linger (its entries waited because of the linger, not of the load), so that a
    light load never lingers at every read."""

    wait_s: float
    read_count: int
    _asked: float | None = None
    """when the reader last asked for entries without having lingered"""

    def waiting(self, now: float) -> bool:
        """At the start of a batch: whether its entries were waiting when asked for."""
        asked, self._asked = self._asked, None
        return asked is not None and now - asked < AT_ONCE_S

    def after(self, waiting: bool, size: int, now: float) -> float:
        """At the end of a batch of `size` entries: how long to wait before the next read."""
        if waiting and self.wait_s > 0 and size < self.read_count:
            return self.wait_s
        self._asked = now
        return 0.0
