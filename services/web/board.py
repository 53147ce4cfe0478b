"""What the dashboard shows, computed from a story's state and its timeline of alerts.

Pure: no Redis, no HTTP. The story page's charts are drawn over an axis of reported days: a
figure or a status sits at the day its article reports on; an article that gives no day sits
at the last day known before it in the timeline (the story's first day when none is). Where
no article of the story gives a day at all, the axis counts reports instead.

The best figure of a (category, group, location) is a maximum: on each day it is the largest
`min` reported up to that day, so the step line only rises, whatever order articles came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from schemas.alerts import Alert
from schemas.vocab import AlertKind, Category, Group, MeasureKind, MeasureStatus
from services.alert.rules import FigureState, StoryState

DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class Axis:
    """The x axis: one tick per day from the first to the last (or per report when undated)."""

    ticks: tuple[str, ...]
    dated: bool

    def __len__(self) -> int:
        return len(self.ticks)


@dataclass(frozen=True, slots=True)
class Point:
    x: int  # index into Axis.ticks
    dated: bool  # False: the article gave no day; placed at the last day known before it
    alert: Alert

    @property
    def min(self) -> int:
        return self.alert.min or 0


@dataclass(frozen=True, slots=True)
class Series:
    """The rises of one (category, group, location), in axis order."""

    category: Category
    group: Group
    location: str | None
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Span:
    """One status of a measure from the tick `start` until the tick `end` (exclusive)."""

    start: int
    end: int
    dated: bool
    alert: Alert

    @property
    def status(self) -> MeasureStatus:
        return self.alert.status or MeasureStatus.IN_FORCE


@dataclass(frozen=True, slots=True)
class Band:
    kind: MeasureKind
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    axis: Axis
    series: tuple[Series, ...]
    bands: tuple[Band, ...]

    def categories(self) -> list[Category]:
        """The categories that have figures, in the vocabulary's order."""
        present = {s.category for s in self.series}
        return [c for c in Category if c in present]


def _every_day(first: str, last: str) -> tuple[str, ...]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    count = (end - start).days + 1
    return tuple((start + timedelta(days=n)).isoformat() for n in range(max(count, 1)))


def axis_of(state: StoryState, alerts: list[Alert]) -> Axis:
    days = sorted({a.day for a in alerts if a.day} | {
        d for d in (state.first_day, state.last_day) if d
    })
    if days:
        return Axis(ticks=_every_day(days[0], days[-1]), dated=True)
    return Axis(ticks=tuple(f"#{n}" for n in range(1, len(alerts) + 1)) or ("#1",), dated=False)


def placements(axis: Axis, alerts: list[Alert]) -> list[tuple[int, bool]]:
    """The (tick, dated) of each alert of the timeline, in the timeline's order."""
    if not axis.dated:
        return [(n, False) for n in range(len(alerts))]
    where = {day: n for n, day in enumerate(axis.ticks)}
    last_known = 0
    out: list[tuple[int, bool]] = []
    for alert in alerts:
        if alert.day and alert.day in where:
            last_known = where[alert.day]
            out.append((last_known, True))
        else:
            out.append((last_known, False))
    return out


def _series(axis: Axis, alerts: list[Alert]) -> tuple[Series, ...]:
    keyed: dict[tuple[Category, Group, str], list[tuple[int, int, Point]]] = {}
    for order, (alert, (x, dated)) in enumerate(zip(alerts, placements(axis, alerts), strict=True)):
        if alert.kind != AlertKind.CASUALTY_CHANGE or alert.category is None:
            continue
        key = (alert.category, alert.group or Group.UNSPECIFIED, alert.location or "")
        keyed.setdefault(key, []).append((x, order, Point(x=x, dated=dated, alert=alert)))
    out: list[Series] = []
    for (category, group, location), found in keyed.items():
        best = -1
        rises: list[Point] = []
        for _x, _order, point in sorted(found, key=lambda t: (t[0], t[1])):
            if point.min > best:
                best = point.min
                if rises and rises[-1].x == point.x:
                    rises[-1] = point  # the same day raised twice: the higher figure stands
                else:
                    rises.append(point)
        out.append(Series(category, group, location or None, tuple(rises)))
    out.sort(key=lambda s: (list(Category).index(s.category), s.location is not None,
                            -s.points[-1].min, s.group, s.location or ""))
    return tuple(out)


def _bands(axis: Axis, alerts: list[Alert]) -> tuple[Band, ...]:
    keyed: dict[MeasureKind, list[tuple[int, int, bool, Alert]]] = {}
    for order, (alert, (x, dated)) in enumerate(zip(alerts, placements(axis, alerts), strict=True)):
        if alert.kind == AlertKind.MEASURE_CHANGE and alert.measure is not None:
            keyed.setdefault(alert.measure, []).append((x, order, dated, alert))
    out: list[Band] = []
    for kind in MeasureKind:
        changes = sorted(keyed.get(kind, []), key=lambda t: (t[0], t[1]))
        spans = [
            Span(start=x, end=changes[n + 1][0] if n + 1 < len(changes) else len(axis),
                 dated=dated, alert=alert)
            for n, (x, _order, dated, alert) in enumerate(changes)
        ]
        if spans:
            out.append(Band(kind, tuple(spans)))
    return tuple(out)


def timeline(state: StoryState, alerts: list[Alert]) -> Timeline:
    """The story page's charts: a step line per figure, a band per measure kind."""
    axis = axis_of(state, alerts)
    return Timeline(axis=axis, series=_series(axis, alerts), bands=_bands(axis, alerts))


# the list of stories


@dataclass(frozen=True, slots=True)
class Headline:
    """The best country-wide figures of one category, largest first."""

    category: Category
    figures: tuple[FigureState, ...]

    @property
    def top(self) -> FigureState:
        return self.figures[0]


@dataclass(frozen=True, slots=True)
class StoryRow:
    state: StoryState
    headlines: tuple[Headline, ...]
    in_force: tuple[tuple[MeasureKind, MeasureStatus], ...]
    alerts_24h: int
    last_activity: float | None
    open: bool

    def headline(self, category: Category) -> Headline | None:
        return next((h for h in self.headlines if h.category == category), None)


def headlines(state: StoryState) -> tuple[Headline, ...]:
    out: list[Headline] = []
    for category in Category:
        found = sorted(
            (f for f in state.figures.values() if f.category == category and not f.location),
            key=lambda f: (-f.min, f.group),
        )
        if found:
            out.append(Headline(category, tuple(found)))
    return tuple(out)


def in_force(state: StoryState) -> tuple[tuple[MeasureKind, MeasureStatus], ...]:
    """The measures in force or partly in force, in the vocabulary's order."""
    live = (MeasureStatus.IN_FORCE, MeasureStatus.PARTIAL)
    return tuple(
        (kind, state.measures[kind].status) for kind in MeasureKind
        if kind in state.measures and state.measures[kind].status in live
    )


def story_row(state: StoryState, alerts: list[Alert], *, now: float, newest_of_country: bool,
              silence_days: int) -> StoryRow:
    """A story as the list shows it. It is open while it is its country's newest story and
    has had news (an alert, else a reported day) within `silence_days`."""
    last_activity = max((a.raised_at for a in alerts), default=None)
    if last_activity is not None:
        recent = now - last_activity <= silence_days * DAY_S
    elif state.last_day:
        today = date.fromtimestamp(now)
        recent = (today - date.fromisoformat(state.last_day)).days <= silence_days
    else:
        recent = False
    return StoryRow(
        state=state,
        headlines=headlines(state),
        in_force=in_force(state),
        alerts_24h=sum(1 for a in alerts if a.raised_at >= now - DAY_S),
        last_activity=last_activity,
        open=newest_of_country and recent,
    )


def newest_per_country(states: list[StoryState]) -> set[str]:
    """The id of each country's newest story (by last day, then id)."""
    newest: dict[str, StoryState] = {}
    for state in states:
        country = state.country or ""
        known = newest.get(country)
        if known is None or (state.last_day or "", state.id) > (known.last_day or "", known.id):
            newest[country] = state
    return {s.id for s in newest.values()}


def by_activity(rows: list[StoryRow]) -> list[StoryRow]:
    """Newest activity first: the last alert's time, then the last reported day."""
    return sorted(rows, key=lambda r: (r.last_activity or 0.0, r.state.last_day or "", r.state.id),
                  reverse=True)
