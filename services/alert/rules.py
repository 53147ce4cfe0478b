"""The change rules of ANNOTATION.md, as a pure function of a story's state and one article.

`apply_article(state, facts, now)` returns the story's new state and the alerts the article
raises. It imports neither redis nor faststream: the offline path (`alerts_for`) and the Redis
path (`state.py`) both call it, so they raise the same alerts.

- casualty_change: for each (category, group, location) the best figure is the largest `min`
  among the non-optional facts; an article that raises it (a first figure counts) raises one
  alert per key, carrying the fact that states the new figure. The best figure is a maximum,
  so it does not depend on the order in which articles arrive.
- measure_change: for each kind, the status the article states last stands for the article;
  when it differs from the story's status, an alert is due. A status carries the day its
  article reports on: an article about an older day never flips a newer status back.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from schemas.alerts import Alert, Figure
from schemas.facts import ArticleFacts, CasualtyFact, MeasureFact
from schemas.vocab import AlertKind, Category, Group, MeasureKind, MeasureStatus, Qualifier
from services.alert import severity


class FigureState(BaseModel):
    """The best figure of one (category, group, location), with its source."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    group: Group
    location: str | None = None
    min: int
    max: int | None = None
    qualifier: Qualifier
    article_id: str
    quote: str
    day: str | None = None
    outlets: list[str] = Field(default_factory=list, description="outlets reporting this min")
    alert_id: str


class MeasureState(BaseModel):
    """The current status of one measure kind, with its source and the day it is for."""

    model_config = ConfigDict(extra="forbid")

    kind: MeasureKind
    status: MeasureStatus
    target: MeasureStatus | None = None
    location: str | None = None
    day: str | None = None
    article_id: str
    quote: str
    outlets: list[str] = Field(default_factory=list, description="outlets reporting this status")
    alert_id: str
    times: dict[str, int] = Field(
        default_factory=dict, description="how often each status has become current"
    )


class StoryState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    country: str | None = None
    first_day: str | None = None
    last_day: str | None = None
    articles: int = 0
    outlets: list[str] = Field(default_factory=list)
    figures: dict[str, FigureState] = Field(default_factory=dict)
    measures: dict[str, MeasureState] = Field(default_factory=dict)


def outlet_of(facts: ArticleFacts) -> str:
    """Who reports: the outlet's name, else the host of the url, else the article itself."""
    if facts.outlet:
        return facts.outlet.strip().casefold()
    if facts.url:
        host = urlsplit(facts.url).hostname
        if host:
            return host.removeprefix("www.")
    return f"article:{facts.article_id}"


def figure_key(category: str, group: str, location: str | None) -> str:
    place = location.strip().casefold() if location else ""
    return f"{category}|{group}|{place}"


def alert_id(story_id: str, *parts: object) -> str:
    """Deterministic: the same change of the same story always gets the same id."""
    text = "\x1f".join([story_id, *(str(p) for p in parts)])
    return "al_" + hashlib.sha256(text.encode()).hexdigest()[:24]


def _later_or_same(day: str | None, known: str | None) -> bool:
    """Whether an article about `day` may change a status known for `known`.

    A day compares as ISO text; an article without a day is taken as current news.
    """
    return day is None or known is None or day >= known


def _best_raises(
    facts: list[CasualtyFact], figures: dict[str, FigureState]
) -> dict[str, CasualtyFact]:
    raised: dict[str, CasualtyFact] = {}
    for fact in facts:
        key = figure_key(fact.category, fact.group, fact.location)
        known = figures[key].min if key in figures else 0
        if fact.min > max(known, raised[key].min if key in raised else 0):
            raised[key] = fact
    return raised


def _last_statuses(facts: list[MeasureFact]) -> dict[MeasureKind, MeasureFact]:
    last: dict[MeasureKind, MeasureFact] = {}
    for fact in facts:
        last[fact.kind] = fact
    return last


def _confirm(outlets: list[str], outlet: str) -> list[str]:
    return outlets if outlet in outlets else [*outlets, outlet]


def _newest(*days: str | None) -> str | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


def _oldest(*days: str | None) -> str | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _alert(
    state: StoryState, facts: ArticleFacts, now: float, quote: str, fields: dict[str, Any]
) -> Alert:
    return Alert.model_validate(
        {
            "story_id": state.id,
            "country": state.country,
            "after": facts.article_id,
            "quote": quote,
            "article_id": facts.article_id,
            "url": facts.url,
            "outlet": facts.outlet,
            "day": facts.day,
            "raised_at": now,
            "outlets": 1,
            **fields,
        }
    )


def _apply_casualties(
    state: StoryState, facts: ArticleFacts, outlet: str, now: float,
    casualties: list[CasualtyFact],
) -> tuple[dict[str, FigureState], list[Alert]]:
    figures = dict(state.figures)
    raised = _best_raises(casualties, figures)
    for fact in casualties:
        key = figure_key(fact.category, fact.group, fact.location)
        if key in figures and key not in raised and figures[key].min == fact.min:
            figures[key] = figures[key].model_copy(
                update={"outlets": _confirm(figures[key].outlets, outlet)}
            )
    alerts: list[Alert] = []
    for key, fact in raised.items():
        before = figures.get(key)
        aid = alert_id(state.id, AlertKind.CASUALTY_CHANGE, key, fact.min)
        figures[key] = FigureState(
            category=fact.category, group=fact.group, location=fact.location, min=fact.min,
            max=fact.max, qualifier=fact.qualifier, article_id=facts.article_id,
            quote=fact.quote, day=facts.day, outlets=[outlet], alert_id=aid,
        )
        previous = (
            Figure(min=before.min, max=before.max, qualifier=before.qualifier)
            if before is not None
            else None
        )
        alerts.append(_alert(state, facts, now, fact.quote, {
            "id": aid, "kind": AlertKind.CASUALTY_CHANGE, "category": fact.category,
            "group": fact.group, "location": fact.location, "min": fact.min, "max": fact.max,
            "qualifier": fact.qualifier, "previous": previous,
            "severity": severity.casualty_severity(fact.category, fact.min),
            "certainty": severity.casualty_certainty(fact.qualifier, 1),
        }))
    return figures, alerts


def _apply_measures(
    state: StoryState, facts: ArticleFacts, outlet: str, now: float,
    measures: list[MeasureFact],
) -> tuple[dict[str, MeasureState], list[Alert]]:
    statuses = dict(state.measures)
    alerts: list[Alert] = []
    for kind, fact in _last_statuses(measures).items():
        known = statuses.get(kind)
        if known is not None and known.status == fact.status:
            statuses[kind] = known.model_copy(update={
                "outlets": _confirm(known.outlets, outlet), "day": _newest(known.day, facts.day)
            })
            continue
        if known is not None and not _later_or_same(facts.day, known.day):
            continue  # older news: the newer status stands
        times = dict(known.times) if known is not None else {}
        nth = times.get(fact.status, 0)
        times[fact.status] = nth + 1
        aid = alert_id(state.id, AlertKind.MEASURE_CHANGE, kind, fact.status, nth)
        statuses[kind] = MeasureState(
            kind=kind, status=fact.status, target=fact.target, location=fact.location,
            day=_newest(known.day if known else None, facts.day), article_id=facts.article_id,
            quote=fact.quote, outlets=[outlet], alert_id=aid, times=times,
        )
        alerts.append(_alert(state, facts, now, fact.quote, {
            "id": aid, "kind": AlertKind.MEASURE_CHANGE, "measure": kind,
            "status": fact.status, "target": fact.target, "location": fact.location,
            "previous_status": known.status if known is not None else None,
            "severity": severity.measure_severity(kind, fact.status, fact.target),
            "certainty": severity.measure_certainty(fact.status),
        }))
    return statuses, alerts


def apply_article(
    state: StoryState, facts: ArticleFacts, now: float
) -> tuple[StoryState, list[Alert]]:
    """The story after `facts`, and the alerts the article raises (casualties, then measures).

    Idempotence (an article applied twice) is the caller's business: it keeps the ids of
    applied articles beside the state.
    """
    outlet = outlet_of(facts)
    required = [f for f in facts.facts if not f.optional]
    figures, casualty_alerts = _apply_casualties(
        state, facts, outlet, now, [f for f in required if isinstance(f, CasualtyFact)]
    )
    statuses, measure_alerts = _apply_measures(
        state, facts, outlet, now, [f for f in required if isinstance(f, MeasureFact)]
    )
    new_state = state.model_copy(
        update={
            "figures": figures,
            "measures": statuses,
            "articles": state.articles + 1,
            "outlets": _confirm(state.outlets, outlet),
            "first_day": _oldest(state.first_day, facts.day),
            "last_day": _newest(state.last_day, facts.day),
        }
    )
    return new_state, casualty_alerts + measure_alerts
