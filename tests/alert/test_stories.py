"""Story grouping and the CAP severity table, as tables."""

from __future__ import annotations

import pytest

from schemas.vocab import Category, MeasureKind, MeasureStatus, Qualifier
from services.alert import severity
from services.alert.stories import CountryStories, LastActive, Period, article_day, assign
from tests.alert.factories import art

KZ = CountryStories(periods=[Period(id="kz-2022-01-05", first="2022-01-05", last="2022-01-10")])


@pytest.mark.parametrize(("country", "day", "story", "span"), [
    ("KZ", "2022-01-12", "kz-2022-01-05", ("2022-01-05", "2022-01-12")),
    ("kz", "2022-01-31", "kz-2022-01-05", ("2022-01-05", "2022-01-31")),
    ("KZ", "2022-02-01", "kz-2022-02-01", ("2022-02-01", "2022-02-01")),
    ("KZ", "2021-12-20", "kz-2022-01-05", ("2021-12-20", "2022-01-10")),
    ("KZ", "2021-12-01", "kz-2021-12-01", ("2021-12-01", "2021-12-01")),
    ("KZ", None, "kz-2022-01-05", ("2022-01-05", "2022-01-10")),
    ("KE", "2022-01-06", "ke-2022-01-06", ("2022-01-06", "2022-01-06")),
    (None, "2022-01-07", "kz-2022-01-05", ("2022-01-05", "2022-01-10")),
    (None, "2023-05-01", "unknown-2023-05-01", ("2023-05-01", "2023-05-01")),
], ids=["within", "lowercase code, at the edge of silence", "after a silence", "late, earlier day",
        "long before", "no day", "another country", "no country joins the last story",
        "no country, far from the last story"])
def test_assign(country: str | None, day: str | None, story: str,
                span: tuple[str, str]) -> None:
    last = LastActive(field="KZ", id="kz-2022-01-05")
    placed = assign(art("a", country=country, day=day), {"KZ": KZ}, last, 21, 100)
    assert placed.story_id == story
    period = next(p for p in placed.stories.periods if p.id == story)
    assert (period.first, period.last) == span


def test_history_keeps_the_latest_stories_of_a_country() -> None:
    stories = CountryStories()
    for month in range(1, 8):
        stories = assign(art("a", day=f"2022-{month:02d}-01"), {"KZ": stories}, None, 7,
                         3).stories
    assert [p.id for p in stories.periods] == ["kz-2022-05-01", "kz-2022-06-01", "kz-2022-07-01"]


@pytest.mark.parametrize(("fields", "day"), [
    ({"day": "2022-01-07", "published": "2022-01-09"}, "2022-01-07"),
    ({"published": "2022-01-09"}, "2022-01-09"),
    ({"published": "2022-01"}, None),
    # when it was read says nothing of when it happened (a replayed archive)
    ({"published": "2022-01", "ingested_at": 1641556800.0}, None),
    ({"ingested_at": 1641556800.0}, None),
])
def test_article_day(fields: dict[str, object], day: str | None) -> None:
    assert article_day(art("a", day=None).model_copy(update=fields)) == day


@pytest.mark.parametrize(("category", "count", "expected"), [
    ("killed", 10, "Extreme"), ("killed", 9, "Severe"), ("killed", 0, "Minor"),
    ("injured", 100, "Severe"), ("injured", 3, "Moderate"),
    ("arrested", 1000, "Severe"), ("arrested", 20, "Moderate"),
])
def test_casualty_severity(category: str, count: int, expected: str) -> None:
    assert severity.casualty_severity(Category(category), count) == expected


@pytest.mark.parametrize(("kind", "status", "target", "expected"), [
    ("shoot_to_kill", "in_force", None, "Extreme"),
    ("curfew", "in_force", None, "Severe"),
    ("curfew", "partial", None, "Moderate"),
    ("curfew", "planned", "in_force", "Moderate"),
    ("curfew", "planned", "lifted", "Minor"),
    ("curfew", "lifted", None, "Minor"),
    ("gathering_ban", "in_force", None, "Moderate"),
])
def test_measure_severity(kind: str, status: str, target: str | None, expected: str) -> None:
    got = severity.measure_severity(
        MeasureKind(kind), MeasureStatus(status), MeasureStatus(target) if target else None)
    assert got == expected


@pytest.mark.parametrize(("qualifier", "outlets", "expected"), [
    ("exact", 1, "Observed"), ("at_least", 1, "Likely"), ("vague", 1, "Possible"),
    ("vague", 2, "Observed"),
])
def test_casualty_certainty(qualifier: str, outlets: int, expected: str) -> None:
    assert severity.casualty_certainty(Qualifier(qualifier), outlets) == expected


def test_every_measure_kind_has_a_severity() -> None:
    assert set(severity.MEASURE_SEVERITY) == set(MeasureKind)
