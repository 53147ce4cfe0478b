"""`create_web_app(settings)`: the dashboard as a Starlette app (wiring only).

Templates and static files ship in this package; the pages load nothing from elsewhere, and
the Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import jinja2
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.redis_client import connect
from services.common.settings import Settings
from services.web.pages import Clock, Pages

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Adds the CSP and its friends to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


@jinja2.pass_context
def path_for(context: jinja2.runtime.Context, name: str, /, **params: Any) -> str:
    """The path of a route, relative to the host: right behind any proxy."""
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **params))


def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("services.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["path_for"] = path_for
    return Jinja2Templates(env=env)


def create_web_app(
    settings: Settings,
    redis: Redis | None = None,
    *,
    keepalive_s: float = 15.0,
    clock: Clock | None = None,
) -> Starlette:
    """The dashboard; it opens (and closes) its own Redis client unless one is given."""
    client = redis if redis is not None else connect(settings)
    pages = Pages(client, settings, templates(), keepalive_s=keepalive_s,
                  **({"clock": clock} if clock else {}))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if redis is None:
            await client.aclose()

    routes = [
        Route("/", pages.index, name="index"),
        Route("/partials/stories", pages.stories_partial, name="stories_partial"),
        Route("/stories/{story_id:str}", pages.story_page, name="story"),
        Route("/stories/{story_id:str}/partials/timeline", pages.timeline_partial,
              name="timeline_partial"),
        Route("/events", pages.events, name="events"),
        Route("/healthz", pages.healthz, name="healthz"),
        Mount("/static", StaticFiles(packages=[("services.web", "static")]), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                     lifespan=lifespan)


def app_from_env() -> Starlette:
    """For ASGI servers' factory mode: settings from the environment."""
    return create_web_app(Settings())
