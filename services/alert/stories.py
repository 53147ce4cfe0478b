"""Which story an article belongs to: the crisis's country, and time.

A story of a country stays open while articles keep coming: an article whose day falls within
`story_silence_days` of a story's span joins it (and stretches the span, backwards too for a
late article about an earlier day); one that falls further away opens a new story, named
`<country>-<first day>`. An article with no country joins the story that received the last
article, if its day fits that story's span; otherwise it goes to a story of country
"unknown", grouped by time like any other. An article with no day at all joins its country's
latest story.

Pure: the offline path keeps the `Index` in a dict, the Redis path in a hash (see state.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from schemas.facts import ArticleFacts

UNKNOWN = "unknown"
LAST = "__last__"  # the index field that names the story that received the last article


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    first: str | None = None
    last: str | None = None


class CountryStories(BaseModel):
    """The stories of one country (or of `unknown`), oldest first."""

    model_config = ConfigDict(extra="forbid")

    periods: list[Period] = Field(default_factory=list)


class LastActive(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    id: str


class Assignment(BaseModel):
    """The story chosen for an article, and the index entry to write back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    story_id: str
    country: str | None
    field: str
    stories: CountryStories


def article_day(facts: ArticleFacts) -> str | None:
    """The day that places an article in time: the day it reports on, else its full
    publication date, else None (the article then joins its country's latest story).

    The time of ingestion is deliberately not used: a replayed or late archive article would
    open a story of the day it was read, and the pipeline would disagree with the offline
    path over the same file.
    """
    if facts.day:
        return facts.day
    if facts.published and len(facts.published) == 10:
        return facts.published
    return None


def field_of(country: str | None) -> str:
    return country.strip().upper() if country else UNKNOWN


def _fits(period: Period, day: str, silence: int) -> bool:
    if period.first is None or period.last is None:
        return True
    gap = timedelta(days=silence)
    at = date.fromisoformat(day)
    return date.fromisoformat(period.first) - gap <= at <= date.fromisoformat(period.last) + gap


def _distance(period: Period, day: str) -> int:
    at = date.fromisoformat(day)
    first = date.fromisoformat(period.first or day)
    last = date.fromisoformat(period.last or day)
    return 0 if first <= at <= last else min(abs((at - first).days), abs((at - last).days))


def _stretch(period: Period, day: str | None) -> Period:
    if day is None:
        return period
    first = day if period.first is None else min(period.first, day)
    last = day if period.last is None else max(period.last, day)
    return period.model_copy(update={"first": first, "last": last})


def _latest(stories: CountryStories) -> int | None:
    if not stories.periods:
        return None
    return max(range(len(stories.periods)), key=lambda i: stories.periods[i].last or "")


def choose(
    stories: CountryStories, field: str, day: str | None, silence: int, history: int
) -> tuple[str, CountryStories]:
    """The story of `field` for an article about `day`, and the stories updated."""
    periods = list(stories.periods)
    if day is None:
        at = _latest(stories)
        if at is not None:
            return periods[at].id, stories
    else:
        fitting = [i for i, p in enumerate(periods) if _fits(p, day, silence)]
        if fitting:
            at = min(fitting, key=lambda i: _distance(periods[i], day))
            periods[at] = _stretch(periods[at], day)
            return periods[at].id, CountryStories(periods=periods)
    story_id = f"{field.lower()}-{day or 'undated'}"
    periods.append(Period(id=story_id, first=day, last=day))
    return story_id, CountryStories(periods=periods[-history:])


def assign(
    facts: ArticleFacts,
    read: dict[str, CountryStories],
    last: LastActive | None,
    silence: int,
    history: int,
) -> Assignment:
    """Place `facts` in a story. `read` holds the index entries read so far by field; the
    caller reads `field_of(facts.country)`, and for an article with no country also the
    field of `last` and `unknown`."""
    day = article_day(facts)
    field = field_of(facts.country)
    if facts.country is None and last is not None:
        stories = read.get(last.field, CountryStories())
        period = next((p for p in stories.periods if p.id == last.id), None)
        if period is not None and (day is None or _fits(period, day, silence)):
            periods = [_stretch(p, day) if p.id == last.id else p for p in stories.periods]
            country = None if last.field == UNKNOWN else last.field
            return Assignment(
                story_id=last.id, country=country, field=last.field,
                stories=CountryStories(periods=periods),
            )
    story_id, stories = choose(
        read.get(field, CountryStories()), field, day, silence, history
    )
    country = None if field == UNKNOWN else field
    return Assignment(story_id=story_id, country=country, field=field, stories=stories)
