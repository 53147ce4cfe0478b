"""How the dashboard writes figures, statuses, alerts and their sources."""

from __future__ import annotations

import pytest

from schemas.vocab import MeasureStatus, Qualifier
from services.web import labels
from tests.web.factories import casualty, measure


@pytest.mark.parametrize(("low", "high", "qualifier", "text"), [
    (22, 22, Qualifier.EXACT, "22"),
    (1500, None, Qualifier.EXACT, "1,500"),
    (5, None, Qualifier.AT_LEAST, "at least 5"),
    (200, 200, Qualifier.ABOUT, "about 200"),
    (3000, 3000, Qualifier.NEARLY, "nearly 3,000"),
    (50, 50, Qualifier.UP_TO, "up to 50"),
    (20, 99, Qualifier.VAGUE, "20–99 (vague)"),
    (200, None, Qualifier.VAGUE, "200+ (vague)"),
    (3, 3, Qualifier.VAGUE, "3+ (vague)"),
])
def test_a_figure_says_what_kind_of_figure_it_is(
    low: int, high: int | None, qualifier: Qualifier, text: str
) -> None:
    assert labels.figure(low, high, qualifier) == text


@pytest.mark.parametrize(("status", "target", "text"), [
    (MeasureStatus.IN_FORCE, None, "in force"),
    (MeasureStatus.PLANNED, MeasureStatus.LIFTED, "planned (to be lifted)"),
    (MeasureStatus.PLANNED, MeasureStatus.IN_FORCE, "planned (to be imposed)"),
    (MeasureStatus.PLANNED, None, "planned"),
])
def test_a_status_says_where_a_planned_change_goes(
    status: MeasureStatus, target: MeasureStatus | None, text: str
) -> None:
    assert labels.status(status, target) == text


@pytest.mark.parametrize(("alert", "text"), [
    (casualty("2024-03-01", 12, previous={"min": 5, "qualifier": "at_least"}),
     "Killed, people: 12 (was at least 5)"),
    (casualty("2024-03-01", 40, category="arrested", group="protesters", location="Springfield",
              qualifier="about", max=40),
     "Arrested, protesters in Springfield: about 40"),
    (measure("2024-03-01", "internet_shutdown", "lifted", previous_status="in_force"),
     "Internet shutdown: lifted (was in force)"),
    (measure(None, "curfew", "planned", target="lifted", location="Springfield"),
     "Curfew in Springfield: planned (to be lifted)"),
])
def test_an_alert_headline(alert: object, text: str) -> None:
    assert labels.headline(alert) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(("url", "kept"), [
    ("https://news.example/a", True),
    ("http://news.example/a", True),
    ("javascript:alert(1)", False),
    ("data:text/html,hi", False),
    (None, False),
])
def test_only_web_links_are_linked(url: str | None, kept: bool) -> None:
    assert (labels.link(url) is not None) is kept


@pytest.mark.parametrize(("fields", "name"), [
    ({"outlet": "The Daily Example", "url": "https://www.other.example/x"}, "The Daily Example"),
    ({"url": "https://www.daily.example/x"}, "daily.example"),
    ({}, "outlet not given"),
])
def test_the_outlet_is_its_name_else_its_host(fields: dict[str, str], name: str) -> None:
    assert labels.outlet(casualty("2024-03-01", 1, **fields)) == name


def test_moments_are_utc() -> None:
    assert labels.moment(0.0) == "1970-01-01 00:00 UTC"
    assert labels.moment(None) == ""
