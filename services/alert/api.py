"""The read API: the current state of the stories, as JSON over HTTP.

    GET /stories        every story, latest first: id, country, span, counts, measure statuses
    GET /stories/{id}   one story: its best figures, its measures, and its timeline of alerts
    GET /healthz        200 when Redis answers

A plain ASGI application (no framework): serve it with any ASGI server, e.g.
`uvicorn --factory services.alert.api:app_from_env`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

import orjson
import structlog
from redis.asyncio import Redis

from services.alert.rules import StoryState
from services.alert.state import RedisStories
from services.common.redis_client import connect
from services.common.settings import Settings

log = structlog.get_logger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def summary(state: StoryState) -> dict[str, Any]:
    return {
        "id": state.id,
        "country": state.country,
        "first_day": state.first_day,
        "last_day": state.last_day,
        "articles": state.articles,
        "outlets": len(state.outlets),
        "figures": len(state.figures),
        "measures": {kind: m.status for kind, m in state.measures.items()},
    }


async def _respond(send: Send, status: int, body: object, *, head: bool = False) -> None:
    payload = orjson.dumps(body)
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ],
    })
    await send({"type": "http.response.body", "body": b"" if head else payload})


async def _lifespan(receive: Receive, send: Send, redis: Redis) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await redis.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_api(settings: Settings, redis: Redis | None = None) -> ASGIApp:
    """The ASGI app; it opens its own Redis client unless one is given."""
    client: Redis = redis if redis is not None else connect(settings)

    async def route(path: str) -> tuple[int, object]:
        stories = RedisStories(client, settings)
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts == ["healthz"]:
            return 200, {"ok": bool(await client.ping())}
        if parts == ["stories"]:
            return 200, {"stories": [summary(s) for s in await stories.stories()]}
        if len(parts) == 2 and parts[0] == "stories":
            state = await stories.story(parts[1])
            if state is None:
                return 404, {"error": f"no story {parts[1]!r}"}
            timeline = await stories.timeline(parts[1])
            return 200, {
                **state.model_dump(mode="json"),
                "timeline": [a.model_dump(mode="json", exclude_none=True) for a in timeline],
            }
        return 404, {"error": "not found"}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, client)
            return
        if scope["type"] != "http":
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(send, 405, {"error": "method not allowed"})
            return
        status, body = await route(scope["path"])
        log.debug("api_answered", path=scope["path"], status=status)
        await _respond(send, status, body, head=scope["method"] == "HEAD")

    return app


def app_from_env() -> ASGIApp:
    """For ASGI servers' factory mode: settings from the environment."""
    return create_api(Settings())
