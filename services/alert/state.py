"""Stories in Redis: placement, atomic update, exactly-once publication, and reading back.

`RedisStories.process(facts, now)` places the article in a story, applies it (once, whatever
the redeliveries and however many workers race on the story), XADDs each of its alerts to the
alerts stream exactly once, and returns the article's alerts. See scripts.py for the keys.

Round trips: `process` places the article from the index entry it last saw (the script's
compare-and-set refuses a stale one; the index is then read) and reads its story in the same
round trip, then applies it: 2 round trips, where the separate steps take 6 to 9. Inside a
batch of `subscribe_guarded`, the alerts go out with the batch's acknowledgement, each once.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import orjson
import structlog
from pydantic import TypeAdapter
from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from schemas.alerts import Alert
from schemas.facts import ArticleFacts
from services.alert import scripts
from services.alert.rules import StoryState, apply_article
from services.alert.stories import LAST, CountryStories, LastActive, assign, field_of
from services.common.batches import held_writes
from services.common.broker import DATA_FIELD
from services.common.outputs import emit_json
from services.common.redis_client import queue_script
from services.common.settings import Settings
from services.common.streams import Streams

log = structlog.get_logger(__name__)

_ALERTS = TypeAdapter(list[Alert])

StoryRead = tuple[bytes | None, bytes | None, bytes | None]
"""a story's state JSON, its version and the article's applied mark, as read"""
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
        self._place_script = redis.register_script(scripts.PLACE)
        self._apply_script = redis.register_script(scripts.APPLY)
        self._publish_script = redis.register_script(scripts.PUBLISH)
        self._index: dict[str, str | None] = {}
        """index entries by field, as this store last read or wrote them"""

    @property
    def _ttl(self) -> int:
        return self.settings.alert.memo_ttl_days * _DAY_S

    async def _backoff(self, attempt: int) -> None:
        await asyncio.sleep(random.uniform(0, 0.002 * min(attempt, 20)))

    async def place(self, facts: ArticleFacts) -> tuple[str, str | None]:
        """The (story id, country) of an article; the same on every redelivery."""
        story_id, country, _ = await self._place(facts)
        return story_id, country

    async def _read_index(self, facts: ArticleFacts) -> tuple[str | None, dict[str, str | None],
                                                              LastActive | None]:
        """The article's placement if it has one, else the index entries it needs."""
        field = field_of(facts.country)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(self.keys.placed(facts.article_id))
            pipe.hmget(self.keys.index, [field, LAST])
            known, (field_raw, last_raw) = await pipe.execute()
        last_text = _text(last_raw)
        last = LastActive.model_validate_json(last_text) if last_text else None
        raw = {field: _text(field_raw)}
        if facts.country is None and last is not None and last.field not in raw:
            raw[last.field] = _text(await self.redis.hget(self.keys.index, last.field))
        for name, value in raw.items():
            self._index[name] = value
        return _text(known), raw, last

    async def _place(self, facts: ArticleFacts) -> tuple[str, str | None, StoryRead | None]:
        """The placement, and the story's state and applied mark as read right after placing
        the article there (None when the article was placed before, by this or another
        worker: then nothing was read).

        An article with a country is first placed from the index entry this store last read
        or wrote: the script's compare-and-set refuses a stale one, and only then is the
        index read. One without a country needs the last active story: the index is read."""
        cfg = self.settings.alert
        placed_key = self.keys.placed(facts.article_id)
        field = field_of(facts.country)
        for attempt in range(cfg.cas_attempts):
            last: LastActive | None = None
            if attempt == 0 and facts.country is not None and field in self._index:
                raw = {field: self._index[field]}
            else:
                known, raw, last = await self._read_index(facts)
                if known is not None:
                    story_id, country = _placement(known)
                    return story_id, country, None
            read = {f: CountryStories.model_validate_json(v) for f, v in raw.items() if v}
            placed = assign(facts, read, last, cfg.story_silence_days, cfg.story_history)
            placement = orjson.dumps({"id": placed.story_id, "country": placed.country})
            entry = placed.stories.model_dump_json()
            keys = [self.keys.index, placed_key]
            args: list[str | bytes | int] = [
                placed.field, raw.get(placed.field) or "", entry, placement, self._ttl,
                LastActive(field=placed.field, id=placed.story_id).model_dump_json(),
            ]
            async with self.redis.pipeline(transaction=False) as pipe:
                queue_script(pipe, self._place_script, keys, args)
                pipe.hmget(self.keys.state(placed.story_id), ["json", "version"])
                pipe.hget(self.keys.applied(placed.story_id), facts.article_id)
                answer, state, done = await pipe.execute(raise_on_error=False)
            if isinstance(answer, NoScriptError):
                answer = await self._place_script(keys=keys, args=args)
                state = done = None
            for reply in (answer, state, done):
                if isinstance(reply, Exception):
                    raise reply
            status, value = answer
            if _text(status) == "placed":
                story_id, country = _placement(_text(value) or "")
                fresh = _text(value) == placement.decode() and state is not None
                if fresh:
                    self._index[placed.field] = entry
                return story_id, country, (state[0], state[1], done) if fresh else None
            self._index.pop(field, None)
            if attempt:
                await self._backoff(attempt)
        raise StoryConflictError(facts.article_id)

    async def apply(self, story_id: str, country: str | None, facts: ArticleFacts,
                    now: float, first_read: StoryRead | None = None) -> list[Alert]:
        """Apply the article to its story once; return its alerts (stored on the first go).

        `first_read`: the story as just read along with the placement."""
        for attempt in range(self.settings.alert.cas_attempts):
            if attempt == 0 and first_read is not None:
                state_raw, version, done = first_read
            else:
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
            status, value = await self._apply_script(
                keys=[
                    self.keys.state(story_id), self.keys.applied(story_id),
                    self.keys.timeline(story_id),
                ],
                args=[
                    facts.article_id, _text(version) or "0", new_state.model_dump_json(),
                    _ALERTS.dump_json(alerts), *(a.model_dump_json() for a in alerts),
                ],
            )
            if _text(status) in ("new", "applied"):
                return _ALERTS.validate_json(value)
            log.debug("story_update_conflicted", story=story_id, attempt=attempt)
            await self._backoff(attempt)
        raise StoryConflictError(story_id)

    async def publish(self, story_id: str, article_id: str, alerts: list[Alert]) -> int:
        """XADD each alert that was never published; returns how many were added now.

        Exactly once by the alerts' own marks (`Keys.sent`), set by the same script."""
        if not alerts:
            return 0
        entries = await self._publish_script(
            keys=[self.streams.alerts, *(self.keys.sent(a.id) for a in alerts)],
            args=[self._ttl, DATA_FIELD, *(a.model_dump_json() for a in alerts)],
        )
        return len(entries)

    async def process(self, facts: ArticleFacts, now: float) -> list[Alert]:
        """Place, apply and publish. In a handler of `subscribe_guarded`, the alerts are
        published with the batch's acknowledgement (each once, by its mark)."""
        story_id, country, first_read = await self._place(facts)
        alerts = await self.apply(story_id, country, facts, now, first_read)
        if held_writes() is None:
            added = await self.publish(story_id, facts.article_id, alerts)
            log.info("article_applied", story=story_id, alerts=len(alerts), published=added)
            return alerts
        for alert in alerts:
            await emit_json(self.redis, self.streams.alerts, alert,
                            once=(self.keys.sent(alert.id), self._ttl))
        log.info("article_applied", story=story_id, alerts=len(alerts))
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
