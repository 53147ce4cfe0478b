"""Stories written to Redis through the alert worker's own code path (RedisStories.process),
from facts made up for the tests."""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from schemas.facts import ArticleFacts
from services.alert.state import RedisStories
from services.common.settings import Settings

OLD_STORY = "zz-2023-01-01"
STORY = "zz-2024-03-01"


def casualty_fact(quote: str, low: int, **fields: Any) -> dict[str, Any]:
    return {"type": "casualty", "category": "killed", "group": "unspecified", "min": low,
            "qualifier": "exact", "quote": quote, "start": 0, "end": len(quote),
            "rule": "test", **fields}


def measure_fact(quote: str, kind: str, status: str, **fields: Any) -> dict[str, Any]:
    return {"type": "measure", "kind": kind, "status": status, "quote": quote, "start": 0,
            "end": len(quote), "rule": "test", **fields}


def facts(article_id: str, day: str | None, *items: dict[str, Any], **fields: Any) -> ArticleFacts:
    return ArticleFacts.model_validate({
        "article_id": article_id, "day": day, "country": "ZZ", "facts": list(items),
        "url": f"https://news.example/{article_id}", **fields,
    })


ARTICLES = [
    facts("old-1", "2023-01-01", casualty_fact("two died", 2)),
    facts("new-1", "2024-03-01",
          casualty_fact("at least five died", 5, qualifier="at_least"),
          measure_fact("a curfew was imposed", "curfew", "in_force"),
          outlet="Example News"),
    facts("new-2", "2024-03-03",
          casualty_fact("12 <b>people</b> died", 12),
          casualty_fact("40 were detained", 40, category="arrested", group="protesters"),
          measure_fact("the curfew was eased", "curfew", "partial"),
          measure_fact("the internet was cut", "internet_shutdown", "in_force"),
          url="javascript:alert(1)"),
]


async def seed(redis: Redis, settings: Settings) -> None:
    stories = RedisStories(redis, settings)
    for item in ARTICLES:
        await stories.process(item, time.time())
