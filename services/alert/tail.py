"""`tocsin tail`: follow the alerts stream and print each alert as it comes.

Without a group, it reads like `tail -f` (from now on, or from `since`), and nothing is
acknowledged; with a group, it reads through that consumer group (created at the start of the
stream if absent), so a restarted tail carries on where it stopped, and acknowledges what it
has printed.
"""

from __future__ import annotations

from typing import TextIO, cast

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from schemas.alerts import Alert
from schemas.vocab import AlertKind
from services.alert.cap import to_cap
from services.common.broker import DATA_FIELD, consumer_name
from services.common.redis_client import connect
from services.common.settings import Settings
from services.common.streams import Streams

log = structlog.get_logger(__name__)

Entries = list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]


def line(alert: Alert) -> str:
    """One readable line: day, story, the change, the evidence."""
    day = alert.day or "????-??-??"
    where = f" @{alert.location}" if alert.location else ""
    if alert.kind == AlertKind.CASUALTY_CHANGE:
        was = f" (was {alert.previous.min})" if alert.previous is not None else " (first)"
        upper = f"-{alert.max}" if alert.max is not None and alert.max != alert.min else ""
        change = (
            f"{alert.category}/{alert.group} {alert.min}{upper} {alert.qualifier}{was}{where}"
        )
    else:
        was = f" (was {alert.previous_status})" if alert.previous_status else " (first)"
        target = f" -> {alert.target}" if alert.target else ""
        change = f"{alert.measure} {alert.status}{target}{was}{where}"
    source = alert.outlet or alert.url or alert.article_id
    return (
        f"{day} {alert.story_id} [{alert.severity}/{alert.certainty}] {change}"
        f" | \u00ab{alert.quote}\u00bb | {source}"
    )


def render(alert: Alert, *, as_json: bool, as_cap: bool) -> str:
    if as_cap:
        return to_cap(alert)
    if as_json:
        return alert.model_dump_json(exclude_none=True) + "\n"
    return line(alert) + "\n"


async def _read(redis: Redis, settings: Settings, stream: str, group: str | None,
                cursor: str) -> Entries:
    block = max(settings.worker.polling_ms, 100) * 10
    if group is None:
        return cast(Entries, await redis.xread({stream: cursor}, count=100, block=block) or [])
    return cast(Entries, await redis.xreadgroup(
        group, consumer_name(settings), {stream: ">"}, count=100, block=block
    ) or [])


async def tail(
    settings: Settings,
    *,
    as_json: bool,
    as_cap: bool,
    group: str | None,
    out: TextIO,
    since: str = "$",
    limit: int | None = None,
) -> None:
    """Print alerts as they arrive, until cancelled (or until `limit` alerts were printed)."""
    stream = Streams(settings.stream_prefix).alerts
    redis: Redis = connect(settings)
    printed = 0
    try:
        if group is not None:
            try:
                await redis.xgroup_create(stream, group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
        cursor = since
        if group is None and since == "$":
            info = await redis.xinfo_stream(stream) if await redis.exists(stream) else None
            cursor = (info["last-generated-id"].decode() if info else "0-0")
        while limit is None or printed < limit:
            for _, entries in await _read(redis, settings, stream, group, cursor):
                for entry_id, fields in entries:
                    cursor = entry_id.decode()
                    try:
                        alert = Alert.model_validate_json(fields[DATA_FIELD.encode()])
                    except (KeyError, ValueError) as exc:
                        log.warning("alert_unreadable", entry=cursor, error=type(exc).__name__)
                    else:
                        out.write(render(alert, as_json=as_json, as_cap=as_cap))
                        out.flush()
                        printed += 1
                    if group is not None:
                        await redis.xack(stream, group, entry_id)
    finally:
        await redis.aclose()
