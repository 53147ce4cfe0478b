"""The ingest pipeline on real Redis: each article enters the stream once, copies are linked."""

from __future__ import annotations

from typing import NamedTuple

import orjson
import pytest
from redis.asyncio import Redis

from schemas.article import Article, ArticleIn
from schemas.receipt import Receipt
from services.common.broker import DATA_FIELD
from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.dedup import dedup_tag
from services.ingest.pipeline import Ingestor
from tests.ingest.texts import retouched, story, updated

pytestmark = pytest.mark.redis


async def published(redis: Redis, settings: Settings) -> list[Article]:
    entries = await redis.xrange(Streams(settings.stream_prefix).articles)
    return [Article.model_validate_json(fields[DATA_FIELD.encode()]) for _, fields in entries]


async def receipts(redis: Redis, settings: Settings) -> list[Receipt]:
    entries = await redis.xrange(Streams(settings.stream_prefix).receipts)
    return [Receipt.model_validate_json(fields[DATA_FIELD.encode()]) for _, fields in entries]


TEXT = story(11)


class Second(NamedTuple):
    case: str
    article: ArticleIn
    verdict: str
    linked: bool


SECOND = [
    Second(
        "same id", ArticleIn(id="a1", url="https://other.org/x", text=story(12)), "duplicate", False
    ),
    Second(
        "same url after tracking removed",
        ArticleIn(id="a2", url="https://www.one.org/s?utm_source=tw#c", text=story(13)),
        "duplicate",
        False,
    ),
    Second(
        "same text, same outlet",
        ArticleIn(id="a2", url="https://one.org/s2", text=TEXT),
        "duplicate",
        False,
    ),
    Second("same text, unknown outlet", ArticleIn(id="a2", text=TEXT), "duplicate", False),
    Second(
        "same text, other outlet",
        ArticleIn(id="a2", url="https://two.net/s", text=TEXT),
        "linked",
        True,
    ),
    Second(
        "retouched, other outlet",
        ArticleIn(id="a2", url="https://two.net/s", text=retouched(TEXT)),
        "linked",
        True,
    ),
    Second(
        "retouched, same outlet",
        ArticleIn(id="a2", url="https://one.org/v2", text=retouched(TEXT)),
        "duplicate",
        False,
    ),
    Second(
        "figure updated",
        ArticleIn(id="a2", url="https://two.net/s", text=updated(TEXT, 12, 15)),
        "published",
        False,
    ),
    Second(
        "other story",
        ArticleIn(id="a2", url="https://one.org/t", text=story(14)),
        "published",
        False,
    ),
]


@pytest.mark.parametrize("row", SECOND, ids=[s.case for s in SECOND])
async def test_second_article(redis: Redis, settings: Settings, row: Second) -> None:
    second, verdict, linked = row.article, row.verdict, row.linked
    ingestor = Ingestor(redis, settings)
    first = ArticleIn(id="a1", url="https://www.one.org/s", text=TEXT)
    assert (await ingestor.ingest(first)).verdict == "published"
    outcome = await ingestor.ingest(second)
    assert outcome.verdict == verdict
    articles = await published(redis, settings)
    if verdict == "duplicate":
        assert [a.id for a in articles] == ["a1"]
        (receipt,) = await receipts(redis, settings)
        assert receipt.article_id == second.id
        assert receipt.outcome == "duplicate"
        assert receipt.stage == "ingest"
        assert receipt.reason
    else:
        assert [a.id for a in articles] == ["a1", "a2"]
        assert articles[1].duplicate_of == ("a1" if linked else None)
        assert await receipts(redis, settings) == []


async def test_a_link_points_at_the_first_copy_not_at_a_link(
    redis: Redis, settings: Settings
) -> None:
    ingestor = Ingestor(redis, settings)
    await ingestor.ingest(ArticleIn(id="a", url="https://one.org/s", text=TEXT))
    await ingestor.ingest(ArticleIn(id="b", url="https://two.net/s", text=retouched(TEXT)))
    third = await ingestor.ingest(ArticleIn(id="c", url="https://three.com/s", text=TEXT))
    assert third.verdict == "linked"
    assert third.duplicate_of == "a"


async def test_a_redelivery_is_neither_republished_nor_a_duplicate(
    redis: Redis, settings: Settings
) -> None:
    ingestor = Ingestor(redis, settings)
    item = ArticleIn(id="a1", url="https://one.org/s", text=TEXT)
    assert (await ingestor.ingest(item, token="1-0")).verdict == "published"
    again = await ingestor.ingest(item, token="1-0")
    assert again.verdict == "redelivered"
    assert len(await published(redis, settings)) == 1
    assert await receipts(redis, settings) == []
    # A second submission of the same article is a duplicate, with a receipt.
    assert (await ingestor.ingest(item, token="2-0")).verdict == "duplicate"
    assert [r.outcome for r in await receipts(redis, settings)] == ["duplicate"]


async def test_a_redelivery_after_a_crash_before_publishing_publishes_once(
    redis: Redis, settings: Settings
) -> None:
    ingestor = Ingestor(redis, settings)
    item = ArticleIn(id="a1", url="https://one.org/s", text=TEXT)
    # The first delivery claimed the article, then died before publishing it.
    claim = await ingestor.store.claim(
        article_id="a1",
        token="1-0",
        url="https://one.org/s",
        outlet="one.org",
        digest="whatever",
    )
    assert claim.state == "claimed"
    assert (await ingestor.ingest(item, token="1-0")).verdict == "published"
    assert (await ingestor.ingest(item, token="1-0")).verdict == "redelivered"
    assert [a.id for a in await published(redis, settings)] == ["a1"]


async def test_refused_articles_get_a_receipt(redis: Redis, settings: Settings) -> None:
    small = settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"max_text_chars": 1000})}
    )
    ingestor = Ingestor(redis, small)
    blank = await ingestor.ingest(ArticleIn(id="blank", text=" \x00 \n"))
    huge = await ingestor.ingest(ArticleIn(id="huge", text="word " * 400))
    assert (blank.verdict, huge.verdict) == ("refused", "refused")
    got = {r.article_id: r for r in await receipts(redis, settings)}
    assert got["blank"].outcome == "refused"
    assert "nothing left" in (got["blank"].reason or "")
    assert "1000" in (got["huge"].reason or "")
    assert await published(redis, settings) == []


async def test_the_wire_format_is_one_json_field(redis: Redis, settings: Settings) -> None:
    await Ingestor(redis, settings).ingest(ArticleIn(url="https://one.org/s", text=TEXT))
    ((_, fields),) = await redis.xrange(Streams(settings.stream_prefix).articles)
    assert list(fields) == [DATA_FIELD.encode()]
    body = orjson.loads(fields[DATA_FIELD.encode()])
    assert body["outlet"] == "one.org"
    assert body["text"] == TEXT


async def test_the_memory_expires(redis: Redis, settings: Settings) -> None:
    await Ingestor(redis, settings).ingest(ArticleIn(id="a1", url="https://one.org/s", text=TEXT))
    tag = dedup_tag(Streams(settings.stream_prefix))
    keys = [k async for k in redis.scan_iter(match=f"{tag}:ingest:*")]
    assert keys
    ttls = [await redis.ttl(k) for k in keys]
    assert all(0 < ttl <= settings.ingest.dedup_ttl_s for ttl in ttls)
