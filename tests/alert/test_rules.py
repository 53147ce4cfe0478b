"""The change rules, without Redis: one row per sequence of articles and the alerts it raises."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from schemas.alerts import Alert
from schemas.facts import ArticleFacts
from services.alert.offline import alerts_for
from services.alert.rules import StoryState, apply_article, outlet_of
from services.common.settings import Settings
from tests.alert.factories import art, cas, meas


def brief(alert: Alert) -> tuple[object, ...]:
    if alert.kind == "casualty_change":
        return (alert.after, alert.category, alert.group, alert.location, alert.min)
    return (alert.after, alert.measure, alert.status)


@dataclass(frozen=True)
class Row:
    id: str
    articles: list[ArticleFacts]
    alerts: list[tuple[object, ...]]


ROWS = [
    Row("first figure raises", [art("a", cas("killed", "civilians", 5))],
        [("a", "killed", "civilians", None, 5)]),
    Row("higher figure raises, equal and lower do not", [
        art("a", cas("killed", "civilians", 5)),
        art("b", cas("killed", "civilians", 5)),
        art("c", cas("killed", "civilians", 3)),
        art("d", cas("killed", "civilians", 9)),
    ], [("a", "killed", "civilians", None, 5), ("d", "killed", "civilians", None, 9)]),
    Row("largest figure of an article stands", [
        art("a", cas("injured", "unspecified", 10), cas("injured", "unspecified", 30),
            cas("injured", "unspecified", 20)),
    ], [("a", "injured", "unspecified", None, 30)]),
    Row("optional facts are ignored", [
        art("a", cas("killed", "protesters", 40, optional=True),
            meas("curfew", "in_force", optional=True)),
    ], []),
    Row("zero raises nothing", [art("a", cas("arrested", "unspecified", 0))], []),
    Row("groups and categories are separate keys", [
        art("a", cas("killed", "civilians", 5), cas("killed", "protesters", 5),
            cas("injured", "civilians", 5)),
    ], [("a", "killed", "civilians", None, 5), ("a", "killed", "protesters", None, 5),
        ("a", "injured", "civilians", None, 5)]),
    Row("a located figure raises only its own key", [
        art("a", cas("killed", "unspecified", 10)),
        art("b", cas("killed", "unspecified", 17, "Nairobi")),
        art("c", cas("killed", "unspecified", 12)),
        art("d", cas("killed", "unspecified", 17, "nairobi ")),
    ], [("a", "killed", "unspecified", None, 10), ("b", "killed", "unspecified", "Nairobi", 17),
        ("c", "killed", "unspecified", None, 12)]),
    Row("first status counts as a change, repeats do not", [
        art("a", meas("curfew", "in_force")),
        art("b", meas("curfew", "in_force")),
        art("c", meas("curfew", "lifted")),
    ], [("a", "curfew", "in_force"), ("c", "curfew", "lifted")]),
    Row("a first status may be lifted", [art("a", meas("internet_shutdown", "lifted"))],
        [("a", "internet_shutdown", "lifted")]),
    Row("the status an article states last stands", [
        art("a", meas("state_of_emergency", "in_force"),
            meas("state_of_emergency", "planned", target="lifted")),
    ], [("a", "state_of_emergency", "planned")]),
    Row("a status may come back", [
        art("a", meas("curfew", "in_force"), day="2022-01-05"),
        art("b", meas("curfew", "lifted"), day="2022-01-06"),
        art("c", meas("curfew", "in_force"), day="2022-01-07"),
    ], [("a", "curfew", "in_force"), ("b", "curfew", "lifted"), ("c", "curfew", "in_force")]),
    Row("an older article never flips a newer status back", [
        art("new", meas("curfew", "lifted"), day="2022-01-09"),
        art("old", meas("curfew", "in_force"), day="2022-01-06"),
    ], [("new", "curfew", "lifted")]),
    Row("same day: arrival order decides", [
        art("a", meas("curfew", "in_force"), day="2022-01-06"),
        art("b", meas("curfew", "lifted"), day="2022-01-06"),
    ], [("a", "curfew", "in_force"), ("b", "curfew", "lifted")]),
    Row("an undated article is current news", [
        art("a", meas("curfew", "in_force"), day="2022-01-06"),
        art("b", meas("curfew", "lifted")),
    ], [("a", "curfew", "in_force"), ("b", "curfew", "lifted")]),
    Row("late figures: the best is a maximum whatever the order", [
        art("late", cas("killed", "unspecified", 40), day="2022-01-09"),
        art("early", cas("killed", "unspecified", 8), day="2022-01-06"),
    ], [("late", "killed", "unspecified", None, 40)]),
    Row("the same article twice raises nothing the second time", [
        art("a", cas("killed", "civilians", 5), meas("curfew", "in_force")),
        art("a", cas("killed", "civilians", 5), meas("curfew", "in_force")),
    ], [("a", "killed", "civilians", None, 5), ("a", "curfew", "in_force")]),
    Row("stories are per country", [
        art("a", cas("killed", "civilians", 5), country="KZ", day="2022-01-05"),
        art("b", cas("killed", "civilians", 5), country="KE", day="2022-01-05"),
    ], [("a", "killed", "civilians", None, 5), ("b", "killed", "civilians", None, 5)]),
    Row("a long silence opens a new story", [
        art("a", cas("killed", "civilians", 5), day="2022-01-05"),
        art("b", cas("killed", "civilians", 5), day="2022-03-01"),
    ], [("a", "killed", "civilians", None, 5), ("b", "killed", "civilians", None, 5)]),
    Row("a story stays open while articles keep coming", [
        art("a", cas("killed", "civilians", 5), day="2022-01-05"),
        art("b", cas("killed", "civilians", 5), day="2022-01-20"),
        art("c", cas("killed", "civilians", 5), day="2022-02-05"),
    ], [("a", "killed", "civilians", None, 5)]),
    Row("an article with no country joins the latest story", [
        art("a", cas("killed", "civilians", 5), country="KE", day="2024-06-25"),
        art("b", cas("killed", "civilians", 5), country=None, day="2024-06-26"),
        art("c", cas("killed", "civilians", 7), country=None, day="2024-06-27"),
    ], [("a", "killed", "civilians", None, 5), ("c", "killed", "civilians", None, 7)]),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_alerts_of_a_sequence(row: Row) -> None:
    assert [brief(a) for a in alerts_for(row.articles, Settings())] == row.alerts


def test_no_country_and_no_story_goes_to_unknown_and_stays_out_of_old_stories() -> None:
    alerts = alerts_for([
        art("x", cas("killed", "civilians", 1), country=None, day="2020-01-01"),
        art("a", cas("killed", "civilians", 5), country="KE", day="2024-06-25"),
        art("y", cas("killed", "civilians", 9), country=None, day="2025-06-25"),
    ], Settings())
    assert [(a.after, a.story_id, a.country) for a in alerts] == [
        ("x", "unknown-2020-01-01", None),
        ("a", "ke-2024-06-25", "KE"),
        ("y", "unknown-2025-06-25", None),
    ]


def test_alert_fields_carry_previous_value_evidence_and_cap() -> None:
    state = StoryState(id="kz-2022-01-06", country="KZ")
    first = art("a", cas("killed", "security_forces", 8, qualifier="at_least"),
                meas("curfew", "in_force"), day="2022-01-06", outlet="Le Monde")
    state, alerts = apply_article(state, first, now=1.0)
    second = art("b", cas("killed", "security_forces", 13), meas("curfew", "partial"),
                 day="2022-01-07", outlet="RFI")
    state, later = apply_article(state, second, now=2.0)
    killed, curfew = later
    assert killed.previous is not None
    assert (killed.previous.min, killed.previous.qualifier) == (8, "at_least")
    assert (killed.min, killed.qualifier) == (13, "exact")
    assert killed.quote == "13 killed security_forces"
    assert (killed.after, killed.article_id, killed.outlet, killed.day) == (
        "b", "b", "RFI", "2022-01-07")
    assert (killed.severity, killed.certainty, killed.raised_at) == ("Extreme", "Observed", 2.0)
    assert alerts[0].previous is None
    assert (alerts[0].severity, alerts[0].certainty) == ("Severe", "Likely")
    assert (curfew.previous_status, curfew.status, curfew.severity) == (
        "in_force", "partial", "Moderate")
    assert state.figures["killed|security_forces|"].min == 13
    assert state.measures["curfew"].day == "2022-01-07"
    assert (state.articles, state.first_day, state.last_day) == (2, "2022-01-06", "2022-01-07")


def test_ids_are_deterministic_and_distinguish_a_status_that_comes_back() -> None:
    seq = [art("a", meas("curfew", "in_force")), art("b", meas("curfew", "lifted")),
           art("c", meas("curfew", "in_force"))]
    once = [a.id for a in alerts_for(seq, Settings())]
    assert once == [a.id for a in alerts_for(seq, Settings())]
    assert len(set(once)) == 3


def test_confirming_outlets_are_counted_once_each() -> None:
    state = StoryState(id="s")
    for aid, outlet in (("a", "AFP"), ("b", "Reuters"), ("c", "afp"), ("d", None)):
        state, _ = apply_article(
            state, art(aid, cas("killed", "civilians", 5), outlet=outlet), now=0.0)
    assert state.figures["killed|civilians|"].outlets == ["afp", "reuters", "article:d"]


@pytest.mark.parametrize(("url", "outlet", "expected"), [
    ("https://www.aljazeera.com/news/x", None, "aljazeera.com"),
    ("https://www.aljazeera.com/news/x", "Al Jazeera", "al jazeera"),
    (None, None, "article:a"),
])
def test_outlet_of(url: str | None, outlet: str | None, expected: str) -> None:
    facts = art("a", outlet=outlet).model_copy(update={"url": url})
    assert outlet_of(facts) == expected
