"""Alerts without Redis: the same stories and rules as the worker, over facts in memory.

Used by `tocsin alerts FILE.jsonl` and by the tests that hold the Redis path to the same
result.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from schemas.alerts import Alert
from schemas.facts import ArticleFacts
from services.alert.rules import StoryState, apply_article
from services.alert.stories import CountryStories, LastActive, assign
from services.common.settings import Settings


@dataclass
class Book:
    """Every story's state, in memory, applied once per article."""

    settings: Settings
    index: dict[str, CountryStories] = field(default_factory=dict)
    last: LastActive | None = None
    placed: dict[str, str] = field(default_factory=dict)
    states: dict[str, StoryState] = field(default_factory=dict)
    applied: dict[str, list[Alert]] = field(default_factory=dict)

    def story_of(self, facts: ArticleFacts) -> StoryState:
        story_id = self.placed.get(facts.article_id)
        if story_id is None:
            cfg = self.settings.alert
            placed = assign(
                facts, self.index, self.last, cfg.story_silence_days, cfg.story_history
            )
            self.index[placed.field] = placed.stories
            self.last = LastActive(field=placed.field, id=placed.story_id)
            self.placed[facts.article_id] = story_id = placed.story_id
            if story_id not in self.states:
                self.states[story_id] = StoryState(id=story_id, country=placed.country)
        return self.states[story_id]

    def apply(self, facts: ArticleFacts, now: float) -> list[Alert]:
        """The alerts of one article; an article seen before raises nothing new."""
        if facts.article_id in self.applied:
            return []
        state = self.story_of(facts)
        new_state, alerts = apply_article(state, facts, now)
        self.states[state.id] = new_state
        self.applied[facts.article_id] = alerts
        return alerts


def alerts_for(facts: Iterable[ArticleFacts], settings: Settings) -> list[Alert]:
    """Every alert that the articles raise, processed in the order given."""
    book = Book(settings)
    out: list[Alert] = []
    for item in facts:
        out.extend(book.apply(item, time.time()))
    return out

