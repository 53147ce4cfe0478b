"""The dashboard's view of a story: axis, step lines, bands, and the list's rows."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.alerts import Alert
from schemas.vocab import Category, Group, MeasureKind, MeasureStatus
from services.alert.rules import FigureState, MeasureState
from services.web import board
from tests.web.factories import casualty, measure, state

DAY = 86_400.0


def _steps(series: board.Series, axis: board.Axis) -> list[tuple[str, int, bool]]:
    return [(axis.ticks[p.x], p.min, p.dated) for p in series.points]


def test_the_axis_holds_every_day_from_the_first_to_the_last() -> None:
    alerts = [casualty("2024-03-02", 3), casualty("2024-03-04", 5)]
    axis = board.axis_of(state(first="2024-03-01", last="2024-03-04"), alerts)
    assert axis.dated
    assert axis.ticks == ("2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04")


def test_a_story_without_any_day_is_drawn_by_report() -> None:
    alerts = [casualty(None, 3), casualty(None, 5), measure(None, "curfew", "in_force")]
    timeline = board.timeline(state(first=None, last=None), alerts)
    assert not timeline.axis.dated
    assert timeline.axis.ticks == ("#1", "#2", "#3")
    (series,) = timeline.series
    assert [(p.x, p.min) for p in series.points] == [(0, 3), (1, 5)]
    assert timeline.bands[0].spans[0].start == 2


@pytest.mark.parametrize(("alerts", "expected"), [
    pytest.param(
        [casualty("2024-03-01", 3), casualty("2024-03-03", 7)],
        [("2024-03-01", 3, True), ("2024-03-03", 7, True)],
        id="rises-in-order",
    ),
    pytest.param(
        # a late article about an earlier day: the line is the best figure known by each day
        [casualty("2024-03-04", 9), casualty("2024-03-02", 4)],
        [("2024-03-02", 4, True), ("2024-03-04", 9, True)],
        id="late-article-about-an-earlier-day",
    ),
    pytest.param(
        [casualty("2024-03-04", 9), casualty("2024-03-05", 6)],
        [("2024-03-04", 9, True)],
        id="a-lower-later-figure-draws-nothing",
    ),
    pytest.param(
        [casualty("2024-03-02", 4), casualty("2024-03-02", 8)],
        [("2024-03-02", 8, True)],
        id="two-rises-the-same-day-keep-the-higher",
    ),
    pytest.param(
        [casualty("2024-03-02", 4), casualty(None, 8)],
        [("2024-03-02", 8, False)],
        id="an-undated-article-sits-at-the-last-day-known-before-it",
    ),
    pytest.param(
        [casualty(None, 2), casualty("2024-03-03", 5)],
        [("2024-03-01", 2, False), ("2024-03-03", 5, True)],
        id="undated-before-any-day-sits-at-the-first-day",
    ),
])
def test_a_series_is_the_running_best_figure_by_day(
    alerts: list[Alert], expected: list[tuple[str, int, bool]]
) -> None:
    timeline = board.timeline(state(), alerts)
    (series,) = timeline.series
    assert _steps(series, timeline.axis) == expected


def test_one_series_per_category_group_and_place_country_wide_first() -> None:
    alerts = [
        casualty("2024-03-01", 5, location="Springfield"),
        casualty("2024-03-01", 2, group="security_forces"),
        casualty("2024-03-01", 9),
        casualty("2024-03-02", 40, category="arrested"),
    ]
    keys = [(s.category, s.group, s.location) for s in board.timeline(state(), alerts).series]
    assert keys == [
        (Category.KILLED, Group.UNSPECIFIED, None),
        (Category.KILLED, Group.SECURITY_FORCES, None),
        (Category.KILLED, Group.UNSPECIFIED, "Springfield"),
        (Category.ARRESTED, Group.UNSPECIFIED, None),
    ]
    assert board.timeline(state(), alerts).categories() == [Category.KILLED, Category.ARRESTED]


def test_a_band_holds_each_status_until_the_next_and_the_last_to_the_end() -> None:
    alerts = [
        measure("2024-03-01", "curfew", "in_force"),
        measure("2024-03-03", "curfew", "partial"),
        measure("2024-03-04", "curfew", "lifted"),
        measure("2024-03-02", "internet_shutdown", "planned", target="in_force"),
    ]
    bands = board.timeline(state(), alerts).bands
    assert [b.kind for b in bands] == [MeasureKind.CURFEW, MeasureKind.INTERNET_SHUTDOWN]
    assert [(s.start, s.end, s.status) for s in bands[0].spans] == [
        (0, 2, MeasureStatus.IN_FORCE), (2, 3, MeasureStatus.PARTIAL), (3, 5, MeasureStatus.LIFTED),
    ]
    assert [(s.start, s.end) for s in bands[1].spans] == [(1, 5)]


def _figure(category: str, group: str, low: int, location: str | None = None) -> FigureState:
    return FigureState.model_validate({
        "category": category, "group": group, "location": location, "min": low,
        "qualifier": "exact", "article_id": "a", "quote": "q", "alert_id": "x",
    })


def _measure(kind: str, status: str) -> MeasureState:
    return MeasureState.model_validate({
        "kind": kind, "status": status, "article_id": "a", "quote": "q", "alert_id": "x",
    })


def test_headlines_are_country_wide_figures_largest_first() -> None:
    figures = {
        "1": _figure("killed", "protesters", 4), "2": _figure("killed", "unspecified", 12),
        "3": _figure("killed", "unspecified", 30, location="Springfield"),
        "4": _figure("arrested", "unspecified", 100),
    }
    heads = board.headlines(state(figures=figures))
    assert [(h.category, [(f.group, f.min) for f in h.figures]) for h in heads] == [
        (Category.KILLED, [(Group.UNSPECIFIED, 12), (Group.PROTESTERS, 4)]),
        (Category.ARRESTED, [(Group.UNSPECIFIED, 100)]),
    ]


def test_measures_in_force_are_those_in_force_or_partial() -> None:
    measures = {"curfew": _measure("curfew", "partial"),
                "gathering_ban": _measure("gathering_ban", "lifted"),
                "internet_shutdown": _measure("internet_shutdown", "in_force"),
                "shoot_to_kill": _measure("shoot_to_kill", "planned")}
    assert board.in_force(state(measures=measures)) == (
        (MeasureKind.CURFEW, MeasureStatus.PARTIAL),
        (MeasureKind.INTERNET_SHUTDOWN, MeasureStatus.IN_FORCE),
    )


NOW = 1_700_000_000.0


@pytest.mark.parametrize(("raised", "newest", "last_day", "is_open", "in_24h"), [
    pytest.param([NOW - 3600], True, "2020-01-01", True, 1, id="recent-alert"),
    pytest.param([NOW - 2 * DAY, NOW - 60], True, None, True, 1, id="one-of-two-in-24h"),
    pytest.param([NOW - 30 * DAY], True, "2020-01-01", False, 0, id="silent-too-long"),
    pytest.param([NOW - 60], False, "2020-01-01", False, 1, id="a-newer-story-of-its-country"),
    pytest.param([], True, "2023-11-10", True, 0, id="no-alert-recent-day"),
    pytest.param([], True, "2023-01-01", False, 0, id="no-alert-old-day"),
])
def test_a_story_is_open_while_newest_of_its_country_and_recently_active(
    raised: list[float], newest: bool, last_day: str | None, is_open: bool, in_24h: int
) -> None:
    alerts = [casualty("2024-03-01", n + 1, raised_at=t) for n, t in enumerate(raised)]
    row = board.story_row(state(last=last_day), alerts, now=NOW, newest_of_country=newest,
                          silence_days=21)
    assert (row.open, row.alerts_24h) == (is_open, in_24h)


def _state(story_id: str, country: str | None, last: str | None) -> Any:
    return state(id=story_id, country=country, last=last)


def test_the_newest_story_of_each_country() -> None:
    states = [_state("a-1", "AA", "2024-01-05"), _state("a-2", "AA", "2024-03-01"),
              _state("b-1", "BB", None), _state("u-1", None, "2024-02-01")]
    assert board.newest_per_country(states) == {"a-2", "b-1", "u-1"}


def test_rows_sort_by_latest_activity_then_last_day() -> None:
    def row(story_id: str, activity: float | None, last: str) -> board.StoryRow:
        return board.StoryRow(state=_state(story_id, "AA", last), headlines=(), in_force=(),
                              alerts_24h=0, last_activity=activity, open=True)

    rows = [row("old", 10.0, "2024-05-01"), row("new", 20.0, "2024-01-01"),
            row("quiet-late", None, "2024-06-01"), row("quiet-early", None, "2024-02-01")]
    assert [r.state.id for r in board.by_activity(rows)] == [
        "new", "old", "quiet-late", "quiet-early"]
