"""`POST /articles`: one article (a JSON object) or a batch (a JSON array) into the inbox.

Answers 202 with the articles' ids and inbox entries, or a 4xx whose `errors` name each bad
field (`text`, `[3].published`, `body`), in which case nothing at all is published:
400 for a body that is not UTF-8 JSON, 413 for a body or a text over its cap, 422 for a body
that is not articles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import structlog
from pydantic import TypeAdapter, ValidationError
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from schemas.article import ArticleIn
from services.common.redis_client import connect
from services.common.settings import Settings
from services.ingest.submit import submit, with_id

log = structlog.get_logger(__name__)

_ITEM = TypeAdapter(ArticleIn)


class BadRequestError(Exception):
    def __init__(self, status: int, errors: list[dict[str, str]]) -> None:
        self.status = status
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


def _error(status: int, field: str, message: str) -> BadRequestError:
    return BadRequestError(status, [{"field": field, "message": message}])


async def _read_body(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise _error(413, "body", f"{declared} bytes, more than the {cap} accepted")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > cap:
            raise _error(413, "body", f"more than the {cap} bytes accepted")
    return bytes(body)


def parse_articles(body: bytes, max_text_chars: int) -> list[ArticleIn]:
    """The articles of a request body, or `BadRequestError` naming every bad field."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(400, "body", f"invalid UTF-8 at byte {exc.start}") from exc
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _error(400, "body", f"invalid JSON: {exc}") from exc
    batch = isinstance(data, list)
    rows = data if batch else [data]
    if not rows:
        raise _error(422, "body", "an empty batch")
    items: list[ArticleIn] = []
    errors: list[dict[str, str]] = []
    too_long = 0
    for index, row in enumerate(rows):
        where = f"[{index}]" if batch else ""
        if not isinstance(row, dict):
            errors.append({"field": where or "body", "message": "not a JSON object"})
            continue
        try:
            item = _ITEM.validate_python(row)
        except ValidationError as exc:
            for err in exc.errors():
                path = "".join(
                    f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]
                ).lstrip(".")
                errors.append(
                    {"field": f"{where}.{path}" if where else path, "message": err["msg"]}
                )
            continue
        if len(item.text) > max_text_chars:
            too_long += 1
            errors.append(
                {
                    "field": f"{where}.text" if where else "text",
                    "message": f"{len(item.text)} characters, over the {max_text_chars} accepted",
                }
            )
            continue
        items.append(item)
    if errors:
        raise BadRequestError(413 if too_long == len(errors) else 422, errors)
    return items


async def post_articles(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    redis: Redis = request.app.state.redis
    cfg = settings.ingest
    try:
        body = await _read_body(request, cfg.http_max_body_bytes)
        items = [with_id(item) for item in parse_articles(body, cfg.max_text_chars)]
    except BadRequestError as exc:
        log.info("articles_rejected", status=exc.status, errors=exc.errors[:5])
        return JSONResponse({"errors": exc.errors}, status_code=exc.status)
    entries = await submit(redis, settings, items)
    ids = [item.id for item in items]
    log.info("articles_accepted", count=len(ids))
    return JSONResponse({"ids": ids, "entries": entries}, status_code=202)


async def health(request: Request) -> Response:
    redis: Redis = request.app.state.redis
    await redis.ping()
    return JSONResponse({"status": "ok"})


def create_http_app(settings: Settings, redis: Redis | None = None) -> Starlette:
    """The ASGI app; with no `redis` given it opens its own client for its lifetime."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if redis is not None:
            yield
            return
        client: Redis = connect(settings)
        app.state.redis = client
        try:
            yield
        finally:
            await client.aclose()

    app = Starlette(
        routes=[
            Route("/articles", post_articles, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    if redis is not None:
        app.state.redis = redis
    return app
