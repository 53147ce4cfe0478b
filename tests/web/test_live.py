"""Server-Sent Events from the alerts stream: format, resumption and the story filter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
from redis.asyncio import Redis

from schemas.alerts import Alert
from services.common.broker import DATA_FIELD
from services.common.settings import Settings
from services.common.streams import Streams
from services.web.live import alert_events, event, start_cursor
from tests.web.factories import casualty, measure


@pytest.mark.parametrize(("candidates", "cursor"), [
    (("1700000000000-3", "1-0"), "1700000000000-3"),
    ((None, "1700000000000-0"), "1700000000000-0"),
    (("", None), None),
    (("$", "not-an-id"), None),
    (("1-0\nevent: x", None), None),
])
def test_the_stream_resumes_from_last_event_id_then_since(
    candidates: tuple[str | None, str | None], cursor: str | None
) -> None:
    assert start_cursor(*candidates) == cursor


def test_an_event_is_id_name_and_one_line_of_json() -> None:
    text = event("5-1", "alert", {"html": "<li>\nline</li>"})
    assert text == 'id: 5-1\nevent: alert\ndata: {"html":"<li>\\nline</li>"}\n\n'


def _render(alert: Alert) -> str:
    return f"<li>{alert.id}</li>"


async def _next(events: AsyncIterator[str]) -> str:
    return await asyncio.wait_for(anext(events), timeout=5)


def _data(text: str) -> dict[str, str]:
    line = next(x for x in text.splitlines() if x.startswith("data: "))
    parsed: dict[str, str] = orjson.loads(line.removeprefix("data: "))
    return parsed


@pytest.mark.redis
async def test_alerts_of_the_story_arrive_in_order_and_others_are_left_out(
    redis: Redis, settings: Settings
) -> None:
    stream = Streams(settings.stream_prefix).alerts
    mine = [casualty("2024-03-01", 3), measure("2024-03-02", "curfew", "in_force")]
    other = casualty("2024-03-01", 9, story_id="elsewhere")
    await redis.xadd(stream, {DATA_FIELD: mine[0].model_dump_json()})
    start = await redis.xadd(stream, {DATA_FIELD: b"not an alert"})
    events = alert_events(redis, stream, since=None, story=mine[0].story_id, render=_render,
                          keepalive_s=0.05)
    assert (await _next(events)).startswith("retry: ")
    assert await _next(events) == ": keepalive\n\n"  # nothing new since it started
    await redis.xadd(stream, {DATA_FIELD: other.model_dump_json()})
    added = [await redis.xadd(stream, {DATA_FIELD: a.model_dump_json()}) for a in mine[1:]]
    got = await _next(events)
    assert got.startswith(f"id: {added[0].decode()}\nevent: alert\n")
    assert _data(got) == {"id": mine[1].id, "story_id": mine[1].story_id,
                          "kind": "measure_change", "html": f"<li>{mine[1].id}</li>"}
    await events.aclose()

    # resuming after an entry replays what came after it, the bad entry skipped
    resumed = alert_events(redis, stream, since=start.decode(), story=None, render=_render,
                           keepalive_s=0.05)
    await _next(resumed)
    assert [_data(await _next(resumed))["id"] for _ in range(2)] == [other.id, mine[1].id]
    await resumed.aclose()
