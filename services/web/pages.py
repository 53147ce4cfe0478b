"""The dashboard's routes: the pages, the fragments they refresh, and the event stream.

    GET /                                    the open stories (?all=1: closed ones too)
    GET /partials/stories                    the table of stories alone (live refresh)
    GET /stories/{id}                        one story: charts, measures, alert feed
    GET /stories/{id}/partials/timeline      its charts and figures alone (live refresh)
    GET /events?story=ID&since=ENTRY         Server-Sent Events: one `alert` per new alert
    GET /healthz                             200 when Redis answers
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.templating import Jinja2Templates

from schemas.alerts import Alert
from schemas.vocab import Category
from services.alert.rules import StoryState
from services.alert.state import RedisStories
from services.common.entries import last_id
from services.common.settings import Settings
from services.common.streams import Streams
from services.web import board, charts, labels
from services.web.live import alert_events, start_cursor

log = structlog.get_logger(__name__)

Clock = Callable[[], float]


class Pages:
    """The route handlers over one Redis client; `clock` gives the time (tests fix it)."""

    def __init__(self, redis: Redis, settings: Settings, templates: Jinja2Templates, *,
                 keepalive_s: float, clock: Clock = time.time) -> None:
        self.redis = redis
        self.settings = settings
        self.templates = templates
        self.stories = RedisStories(redis, settings)
        self.streams = Streams(settings.stream_prefix)
        self.keepalive_s = keepalive_s
        self.clock = clock

    # reading

    async def rows(self, *, everything: bool) -> list[board.StoryRow]:
        states = await self.stories.stories()
        newest = board.newest_per_country(states)
        now = self.clock()
        rows = [
            board.story_row(
                state, await self.stories.timeline(state.id), now=now,
                newest_of_country=state.id in newest,
                silence_days=self.settings.alert.story_silence_days,
            )
            for state in states
        ]
        return board.by_activity([r for r in rows if everything or r.open])

    async def story(self, story_id: str) -> tuple[StoryState, list[Alert]] | None:
        state = await self.stories.story(story_id)
        if state is None:
            return None
        return state, await self.stories.timeline(story_id)

    # rendering

    def render_alert(self, alert: Alert) -> str:
        return self.templates.get_template("_alert.html").render(alert=alert, **self.helpers())

    def helpers(self) -> dict[str, Any]:
        return {"labels": labels, "charts": charts, "Category": Category}

    def _page(self, request: Request, name: str, status_code: int = 200,
              **context: Any) -> Response:
        return self.templates.TemplateResponse(
            request, name, {**self.helpers(), **context}, status_code=status_code
        )

    def _story_context(self, state: StoryState, alerts: list[Alert]) -> dict[str, Any]:
        return {
            "state": state,
            "timeline": board.timeline(state, alerts),
            "headlines": board.headlines(state),
            "feed": list(reversed(alerts)),
        }

    # routes

    async def index(self, request: Request) -> Response:
        everything = request.query_params.get("all") == "1"
        rows = await self.rows(everything=everything)
        since = await last_id(self.redis, self.streams.alerts)
        return self._page(request, "index.html", rows=rows, everything=everything,
                          since=since, now=self.clock())

    async def stories_partial(self, request: Request) -> Response:
        everything = request.query_params.get("all") == "1"
        rows = await self.rows(everything=everything)
        return self._page(request, "_stories.html", rows=rows, everything=everything,
                          now=self.clock())

    async def story_page(self, request: Request) -> Response:
        story_id = request.path_params["story_id"]
        since = await last_id(self.redis, self.streams.alerts)
        found = await self.story(story_id)
        if found is None:
            return self._page(request, "missing.html", status_code=404, story_id=story_id)
        return self._page(request, "story.html", since=since, **self._story_context(*found))

    async def timeline_partial(self, request: Request) -> Response:
        story_id = request.path_params["story_id"]
        found = await self.story(story_id)
        if found is None:
            return Response("no such story", status_code=404, media_type="text/plain")
        return self._page(request, "_timeline.html", **self._story_context(*found))

    async def events(self, request: Request) -> Response:
        since = start_cursor(request.headers.get("last-event-id"),
                             request.query_params.get("since"))
        story = request.query_params.get("story") or None
        log.info("event_stream_opened", story=story, since=since)
        stream = alert_events(
            self.redis, self.streams.alerts, since=since, story=story,
            render=self.render_alert, keepalive_s=self.keepalive_s,
        )
        return StreamingResponse(stream, media_type="text/event-stream", headers={
            "cache-control": "no-store", "x-accel-buffering": "no",
        })

    async def healthz(self, request: Request) -> Response:
        try:
            ok = bool(await self.redis.ping())
        except (RedisError, OSError):
            ok = False
        return JSONResponse({"ok": ok}, status_code=200 if ok else 503)
