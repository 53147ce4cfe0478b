"""`POST /articles`: 202 with ids, or a 4xx naming the bad field and nothing published."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import NamedTuple

import httpx
import orjson
import pytest
from redis.asyncio import Redis

from schemas.article import ArticleIn
from services.common.broker import DATA_FIELD
from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.http_api import create_http_app
from services.ingest.normalize import article_id_for

pytestmark = pytest.mark.redis

GOOD = {"id": "x1", "url": "https://ex.org/a", "lang": "en", "text": "Some text."}


@pytest.fixture
async def client(redis: Redis, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_http_app(settings, redis)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
        yield client


async def inbox(redis: Redis, settings: Settings) -> list[ArticleIn]:
    entries = await redis.xrange(Streams(settings.stream_prefix).inbox)
    return [ArticleIn.model_validate_json(fields[DATA_FIELD.encode()]) for _, fields in entries]


async def test_one_article_is_accepted(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    response = await client.post("/articles", json=GOOD)
    assert response.status_code == 202
    body = response.json()
    assert body["ids"] == ["x1"]
    assert len(body["entries"]) == 1
    assert [a.id for a in await inbox(redis, settings)] == ["x1"]


async def test_a_batch_gets_ids_in_order(
    client: httpx.AsyncClient, redis: Redis, settings: Settings
) -> None:
    no_id = {"url": "https://ex.org/b?utm_source=x", "text": "Other text."}
    response = await client.post("/articles", json=[GOOD, no_id])
    assert response.status_code == 202
    derived = article_id_for(ArticleIn.model_validate(no_id))
    assert response.json()["ids"] == ["x1", derived]
    assert [a.id for a in await inbox(redis, settings)] == ["x1", derived]


class Bad(NamedTuple):
    case: str
    body: bytes
    status: int
    field: str
    says: str


BIG = 10 * 1024 * 1024
BAD = [
    Bad("missing text", orjson.dumps({"id": "a"}), 422, "text", "required"),
    Bad("empty text", orjson.dumps({"text": ""}), 422, "text", "at least 1"),
    Bad("text not a string", orjson.dumps({"text": 42}), 422, "text", "string"),
    Bad("title wrong type", orjson.dumps({"text": "t", "title": ["a"]}), 422, "title", "string"),
    Bad(
        "bad date",
        orjson.dumps({"text": "t", "published": "yesterday"}),
        422,
        "published",
        "YYYY-MM",
    ),
    Bad("bad row in batch", orjson.dumps([GOOD, {"text": None}]), 422, "[1].text", "string"),
    Bad("row not an object", orjson.dumps([GOOD, "text"]), 422, "[1]", "object"),
    Bad("not an object", b"42", 422, "body", "object"),
    Bad("empty batch", b"[]", 422, "body", "empty"),
    Bad("10 MB text", orjson.dumps({"text": "x" * BIG}), 413, "text", "characters"),
    Bad("invalid UTF-8", b'{"text": "caf\xe9"}', 400, "body", "UTF-8"),
    Bad("lone surrogate", b'{"text": "\\ud800"}', 400, "body", "JSON"),
    Bad("not JSON", b"{text: 1", 400, "body", "JSON"),
    Bad("body over the cap", b"[" + b" " * (33 * 1024 * 1024) + b"]", 413, "body", "bytes"),
]


@pytest.mark.parametrize("bad", BAD, ids=[b.case for b in BAD])
async def test_bad_bodies_are_refused_and_nothing_is_published(
    client: httpx.AsyncClient, redis: Redis, settings: Settings, bad: Bad
) -> None:
    response = await client.post(
        "/articles", content=bad.body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == bad.status
    errors = response.json()["errors"]
    assert any(e["field"] == bad.field and bad.says in e["message"] for e in errors), errors
    assert await inbox(redis, settings) == []


async def test_other_methods_and_paths(client: httpx.AsyncClient) -> None:
    assert (await client.get("/articles")).status_code == 405
    assert (await client.post("/nothing", json=GOOD)).status_code == 404
    assert (await client.get("/health")).json() == {"status": "ok"}
