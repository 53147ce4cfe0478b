"""The Redis path on a real server: out of order, racing workers, redelivery, and the same
alerts as the offline path."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from schemas.alerts import Alert
from schemas.facts import ArticleFacts
from schemas.receipt import Receipt
from services.alert.handlers import AlertHandler
from services.alert.offline import alerts_for
from services.alert.state import Keys, RedisStories
from services.common.broker import DATA_FIELD
from services.common.settings import Settings
from services.common.streams import Streams
from tests.alert.factories import art, cas, gold_facts, meas
from tests.conftest import corpus_dir, dev_stories

pytestmark = pytest.mark.redis


async def published(redis: Redis, settings: Settings) -> list[Alert]:
    entries = await redis.xrange(Streams(settings.stream_prefix).alerts)
    return [Alert.model_validate_json(f[DATA_FIELD.encode()]) for _, f in entries]


async def receipts(redis: Redis, settings: Settings) -> list[Receipt]:
    entries = await redis.xrange(Streams(settings.stream_prefix).receipts)
    return [Receipt.model_validate_json(f[DATA_FIELD.encode()]) for _, f in entries]


def key(alert: Alert) -> tuple[object, ...]:
    return (alert.id, alert.after, alert.kind, alert.category, alert.group, alert.location,
            alert.min, alert.measure, alert.status, alert.story_id)


async def test_out_of_order_articles_keep_the_newest_status_and_the_largest_figure(
    settings: Settings, redis: Redis
) -> None:
    stories = RedisStories(redis, settings)
    newest = art("n", meas("internet_shutdown", "lifted"), cas("killed", "unspecified", 40),
                 day="2022-01-10")
    older = art("o", meas("internet_shutdown", "in_force"), cas("killed", "unspecified", 20),
                day="2022-01-06")
    first = await stories.process(newest, now=1.0)
    second = await stories.process(older, now=2.0)
    assert [(a.measure, a.status, a.min) for a in first] == [
        (None, None, 40), ("internet_shutdown", "lifted", None)]
    assert second == []
    state = await stories.story(first[0].story_id)
    assert state is not None
    assert state.measures["internet_shutdown"].status == "lifted"
    assert state.figures["killed|unspecified|"].min == 40
    assert (state.first_day, state.last_day) == ("2022-01-06", "2022-01-10")


async def test_the_same_article_twice_has_no_second_effect(
    settings: Settings, redis: Redis
) -> None:
    handler = AlertHandler(settings)
    facts = art("a", cas("killed", "civilians", 5), meas("curfew", "in_force"), day="2022-01-06")
    await handler.handle(facts, redis)
    await handler.handle(facts, redis)
    alerts = await published(redis, settings)
    assert len(alerts) == 2
    got = await receipts(redis, settings)
    assert [(r.article_id, r.outcome, r.alert_ids) for r in got] == [
        ("a", "alerted", [a.id for a in alerts])] * 2
    state = await RedisStories(redis, settings).story(alerts[0].story_id)
    assert state is not None
    assert state.articles == 1


async def test_a_crash_between_apply_and_publish_is_repaired_by_redelivery(
    settings: Settings, redis: Redis
) -> None:
    stories = RedisStories(redis, settings)
    facts = art("a", cas("killed", "civilians", 5), day="2022-01-06")
    story_id, country = await stories.place(facts)
    stored = await stories.apply(story_id, country, facts, now=1.0)  # then the worker dies
    assert await published(redis, settings) == []
    again = await stories.process(facts, now=9.0)
    assert again == stored
    assert [a.id for a in await published(redis, settings)] == [a.id for a in stored]


async def test_publication_is_exactly_once_even_without_the_published_mark(
    settings: Settings, redis: Redis
) -> None:
    stories = RedisStories(redis, settings)
    facts = art("a", cas("killed", "civilians", 5), cas("injured", "civilians", 9))
    alerts = await stories.process(facts, now=1.0)
    await redis.delete(Keys(stories.streams).published(alerts[0].story_id))
    assert await stories.publish(alerts[0].story_id, "a", alerts) == 0
    assert len(await published(redis, settings)) == 2


async def test_two_workers_racing_on_one_story_neither_double_nor_lose_an_alert(
    settings: Settings, redis_url: str
) -> None:
    articles = [
        art(f"a{i:02d}", cas("killed", "unspecified", i + 1), meas("curfew", "in_force"),
            cas("arrested", "unspecified", 100 - i), day="2022-01-06")
        for i in range(30)
    ]
    clients = [Redis.from_url(redis_url) for _ in range(2)]
    try:
        workers = [RedisStories(c, settings) for c in clients]

        async def run(worker: RedisStories, items: list[ArticleFacts]) -> None:
            for item in items:
                await worker.process(item, now=1.0)

        # every article goes to both workers, as after a claim of a slow consumer's entries
        await asyncio.gather(run(workers[0], articles), run(workers[1], articles[::-1]),
                             run(workers[0], articles[10:20]))
        alerts = await published(clients[0], settings)
        story_id = alerts[0].story_id
        stored = [a for item in articles
                  for a in await workers[0].apply(story_id, "KZ", item, now=2.0)]
        state = await workers[0].story(story_id)
    finally:
        for c in clients:
            await c.aclose()
    ids = [a.id for a in alerts]
    assert len(ids) == len(set(ids)), "an alert was published twice"
    assert sorted(ids) == sorted(a.id for a in stored), "an applied alert was not published"
    for category, best in (("killed", 30), ("arrested", 100)):
        figures = sorted(a.min or 0 for a in alerts if a.category == category)
        assert figures == sorted(set(figures))
        assert figures[-1] == best, f"the best {category} figure was lost"
    assert [a.measure for a in alerts if a.kind == "measure_change"] == ["curfew"]
    assert state is not None
    assert state.articles == 30
    assert state.figures["killed|unspecified|"].min == 30


async def test_dead_letter_hook_writes_a_receipt(settings: Settings, redis: Redis) -> None:
    await AlertHandler(settings).dead("a", "invalid ArticleFacts: facts: bad", redis)
    assert [(r.article_id, r.stage, r.outcome) for r in await receipts(redis, settings)] == [
        ("a", "alert", "dead_letter")]


@pytest.mark.corpus
async def test_redis_path_raises_what_the_offline_path_raises(
    settings: Settings, redis: Redis
) -> None:
    corpus_dir()
    items = [f for story in dev_stories() for f in gold_facts(story)]
    stories = RedisStories(redis, settings)
    for item in items:
        await stories.process(item, now=0.0)
    offline = alerts_for(items, settings)
    online = await published(redis, settings)
    assert len(online) > 40
    assert [key(a) for a in online] == [key(a) for a in offline]
    listed = await stories.stories()
    assert sorted(s.id for s in listed) == sorted({a.story_id for a in offline})
