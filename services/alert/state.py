"""Stories in Redis: placement, atomic update, exactly-once publication, and reading back.

`RedisStories.process(facts, now)` places the article in a story, applies it (once, whatever
the redeliveries and however many workers race on the story), XADDs each of its alerts to the
alerts stream exactly once, and returns the article's alerts. See scripts.py for the keys.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import orjson
import structlog
from pydantic import TypeAdapter
from redis.asyncio import Redis

from schemas.alerts import Alert
from schemas.facts import ArticleFacts
from services.alert import scripts
from services.alert.rules import StoryState, apply_article
from services.alert.stories import LAST, CountryStories, LastActive, assign, field_of
from services.common.broker import DATA_FIELD
from services.common.settings import Settings
from services.common.streams import Streams

log = structlog.get_logger(__name__)

_ALERTS = TypeAdapter(list[Alert])
_DAY_S = 86_400


class StoryConflictError(RuntimeError):
    """Other workers kept changing the story: the message is retried later."""


@dataclass(frozen=True, slots=True)
class Keys:
    """Every Redis key of the alert worker, under the stream prefix, with hash tags."""

    streams: Streams

    @property
    def index(self) -> str:
        return f"{{{self.streams.prefix}:index}}"

    def placed(self, article_id: str) -> str:
        return f"{self.index}:article:{article_id}"

    def _story(self, story_id: str) -> str:
        return f"{{{self.streams.prefix}:story:{story_id}}}"

    def state(self, story_id: str) -> str:
        return f"{self._story(story_id)}:state"

    def applied(self, story_id: str) -> str:
        return f"{self._story(story_id)}:applied"

    def published(self, story_id: str) -> str:
        return f"{self._story(story_id)}:published"

    def timeline(self, story_id: str) -> str:
        return f"{self._story(story_id)}:timeline"

    def sent(self, alert_id: str) -> str:
        return f"{{{self.streams.alerts}}}:sent:{alert_id}"


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class RedisStories:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.settings = settings
        self.streams = Streams(settings.stream_prefix)
        self.keys = Keys(self.streams)
        self._place = redis.register_script(scripts.PLACE)
        self._apply = redis.register_script(scripts.APPLY)
        self._publish = redis.register_script(scripts.PUBLISH)

    @property
    def _ttl(self) -> int:
        return self.settings.alert.memo_ttl_days * _DAY_S

    async def _backoff(self, attempt: int) -> None:
        await asyncio.sleep(random.uniform(0, 0.002 * min(attempt, 20)))

    async def place(self, facts: ArticleFacts) -> tuple[str, str | None]:
        """The (story id, country) of an article; the same on every redelivery."""
        cfg = self.settings.alert
        for attempt in range(cfg.cas_attempts):
            known = _text(await self.redis.get(self.keys.placed(facts.article_id)))
            if known is not None:
                return _placement(known)
            fields = [field_of(facts.country)]
            last_raw = _text(await self.redis.hget(self.keys.index, LAST))
            last = LastActive.model_validate_json(last_raw) if last_raw else None
            if facts.country is None and last is not None:
                fields.append(last.field)
            raw = [_text(v) for v in await self.redis.hmget(self.keys.index, fields)]
            read = {
                f: CountryStories.model_validate_json(v) for f, v in zip(fields, raw, strict=True)
                if v
            }
            placed = assign(facts, read, last, cfg.story_silence_days, cfg.story_history)
            expected = raw[fields.index(placed.field)] if placed.field in fields else None
            placement = orjson.dumps({"id": placed.story_id, "country": placed.country})
            status, value = await self._place(
                keys=[self.keys.index, self.keys.placed(facts.article_id)],
                args=[
                    placed.field, expected or "", placed.stories.model_dump_json(),
                    placement, self._ttl,
                    LastActive(field=placed.field, id=placed.story_id).model_dump_json(),
                ],
            )
            if _text(status) == "placed":
                return _placement(_text(value) or "")
            await self._backoff(attempt)
        raise StoryConflictError(facts.article_id)

    async def apply(self, story_id: str, country: str | None, facts: ArticleFacts,
                    now: float) -> list[Alert]:
        """Apply the article to its story once; return its alerts (stored on the first go)."""
        for attempt in range(self.settings.alert.cas_attempts):
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.hmget(self.keys.state(story_id), ["json", "version"])
                pipe.hget(self.keys.applied(story_id), facts.article_id)
                (state_raw, version), done = await pipe.execute()
            if done is not None:
                return _ALERTS.validate_json(done)
            state = (
                StoryState.model_validate_json(state_raw)
                if state_raw
                else StoryState(id=story_id, country=country)
            )
            new_state, alerts = apply_article(state, facts, now)
            alerts_json = _ALERTS.dump_json(alerts)
            status, value = await self._apply(
                keys=[
                    self.keys.state(story_id), self.keys.applied(story_id),
                    self.keys.timeline(story_id),
                ],
                args=[
                    facts.article_id, _text(version) or "0", new_state.model_dump_json(),
                    alerts_json, *(a.model_dump_json() for a in alerts),
                ],
            )
            if _text(status) in ("new", "applied"):
                return _ALERTS.validate_json(value)
            log.debug("story_update_conflicted", story=story_id, attempt=attempt)
            await self._backoff(attempt)
        raise StoryConflictError(story_id)

    async def publish(self, story_id: str, article_id: str, alerts: list[Alert]) -> int:
        """XADD each alert that was never published; returns how many were added now."""
        if await self.redis.sismember(self.keys.published(story_id), article_id):
            return 0
        added = 0
        if alerts:
            entries = await self._publish(
                keys=[self.streams.alerts, *(self.keys.sent(a.id) for a in alerts)],
                args=[
                    self._ttl, DATA_FIELD,
                    *(a.model_dump_json() for a in alerts),
                ],
            )
            added = len(entries)
        await self.redis.sadd(self.keys.published(story_id), article_id)
        return added

    async def process(self, facts: ArticleFacts, now: float) -> list[Alert]:
        story_id, country = await self.place(facts)
        alerts = await self.apply(story_id, country, facts, now)
        added = await self.publish(story_id, facts.article_id, alerts)
        log.info("article_applied", story=story_id, alerts=len(alerts), published=added)
        return alerts

    # reading back, for the API
    async def stories(self) -> list[StoryState]:
        entries = await self.redis.hgetall(self.keys.index)
        ids = [
            p.id
            for field, raw in entries.items() if _text(field) != LAST
            for p in CountryStories.model_validate_json(raw).periods
        ]
        found = [await self.story(i) for i in ids]
        return sorted(
            (s for s in found if s is not None),
            key=lambda s: (s.last_day or "", s.id), reverse=True,
        )

    async def story(self, story_id: str) -> StoryState | None:
        raw = await self.redis.hget(self.keys.state(story_id), "json")
        return StoryState.model_validate_json(raw) if raw else None

    async def timeline(self, story_id: str) -> list[Alert]:
        raw = await self.redis.lrange(self.keys.timeline(story_id), 0, -1)
        return [Alert.model_validate_json(r) for r in raw]


def _placement(raw: str) -> tuple[str, str | None]:
    data = orjson.loads(raw)
    return str(data["id"]), data.get("country")
