"""The alert worker's handler: facts in, alerts and a receipt out."""

from __future__ import annotations

import time

import structlog
from redis.asyncio import Redis

from schemas.facts import ArticleFacts
from schemas.receipt import Receipt
from services.alert.state import RedisStories
from services.common.observability import record_alert
from services.common.outputs import send_receipt
from services.common.settings import Settings
from services.common.streams import Streams

log = structlog.get_logger(__name__)


class AlertHandler:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._streams = Streams(settings.stream_prefix)
        self._stories: RedisStories | None = None

    def stories(self, redis: Redis) -> RedisStories:
        """The story store on this client, built once (not per message)."""
        if self._stories is None or self._stories.redis is not redis:
            self._stories = RedisStories(redis, self._settings)
        return self._stories

    async def handle(self, facts: ArticleFacts, redis: Redis) -> None:
        """Apply the article to its story, publish its alerts once, then write its receipt."""
        alerts = await self.stories(redis).process(facts, time.time())
        if alerts:
            structlog.contextvars.bind_contextvars(story_id=alerts[0].story_id)
        for alert in alerts:
            record_alert(alert.kind)
        log.info("article_alerted", alerts=len(alerts), facts=len(facts.facts),
                 country=facts.country)
        await send_receipt(
            redis, self._streams, self._settings,
            Receipt(article_id=facts.article_id, stage="alert", outcome="alerted",
                    alert_ids=[a.id for a in alerts], at=time.time()),
        )

    async def dead(self, article_id: str | None, reason: str, redis: Redis) -> None:
        if article_id is None:
            return
        await send_receipt(
            redis, self._streams, self._settings,
            Receipt(article_id=article_id, stage="alert", outcome="dead_letter",
                    reason=reason, at=time.time()),
        )
