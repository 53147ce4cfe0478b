"""Server-Sent Events from the alerts stream: each new alert, as the feed item to insert.

The stream is read with plain XREAD (no consumer group: a page only watches; nothing is
acknowledged and nothing is left pending). Every event carries the stream entry id as its SSE
`id`, so a browser that reconnects sends `Last-Event-ID` and misses nothing; a page passes the
last entry id it was rendered with as `since`, so nothing raised between the page and its
stream is lost either.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import orjson
import structlog
from pydantic import ValidationError
from redis.asyncio import Redis

from schemas.alerts import Alert
from services.common.entries import last_id, read_after

log = structlog.get_logger(__name__)

_ENTRY_ID = re.compile(r"^\d+-\d+$")

RenderAlert = Callable[[Alert], str]


def start_cursor(*candidates: str | None) -> str | None:
    """The first candidate that is a stream entry id (Last-Event-ID, then ?since=)."""
    return next((c for c in candidates if c and _ENTRY_ID.match(c)), None)


def event(entry_id: str, name: str, data: object) -> str:
    """One SSE event; `data` as JSON on one line."""
    return f"id: {entry_id}\nevent: {name}\ndata: {orjson.dumps(data).decode()}\n\n"


def alert_event(entry_id: str, alert: Alert, render: RenderAlert) -> str:
    return event(entry_id, "alert", {
        "id": alert.id, "story_id": alert.story_id, "kind": alert.kind, "html": render(alert),
    })


async def alert_events(
    redis: Redis,
    stream: str,
    *,
    since: str | None,
    story: str | None,
    render: RenderAlert,
    keepalive_s: float,
    retry_ms: int = 3000,
) -> AsyncIterator[str]:
    """The events of the alerts after `since` (default: from now on), of one story or all.

    Runs until the client goes away (the server then cancels it). A comment goes out every
    `keepalive_s` without alerts, so proxies keep the connection open.
    """
    cursor = since or await last_id(redis, stream)
    yield f"retry: {retry_ms}\n: watching {stream} after {cursor}\n\n"
    block_ms = max(1, int(keepalive_s * 1000))
    while True:
        entries = await read_after(redis, stream, cursor, count=100, block_ms=block_ms)
        if not entries:
            yield ": keepalive\n\n"
            continue
        for entry_id, data in entries:
            cursor = entry_id
            try:
                alert = Alert.model_validate_json(data)
            except ValidationError:
                log.warning("alert_entry_skipped", entry=entry_id, reason="not an alert")
                continue
            if story is None or alert.story_id == story:
                yield alert_event(entry_id, alert, render)
