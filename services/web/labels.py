"""What the dashboard calls each value of the vocabularies, and how it writes a figure.

The page is in English; these are its words for the StrEnums of schemas/vocab.py, kept in one
place so that a template never spells a vocabulary value itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from schemas.alerts import Alert
from schemas.vocab import AlertKind, Category, Group, MeasureKind, MeasureStatus, Qualifier

CATEGORY = {
    Category.KILLED: "Killed",
    Category.INJURED: "Injured",
    Category.ARRESTED: "Arrested",
}

GROUP = {
    Group.PROTESTERS: "protesters",
    Group.SECURITY_FORCES: "security forces",
    Group.CIVILIANS: "civilians",
    Group.MILITANTS: "militants",
    Group.UNSPECIFIED: "people",
}

MEASURE = {
    MeasureKind.CURFEW: "Curfew",
    MeasureKind.INTERNET_SHUTDOWN: "Internet shutdown",
    MeasureKind.STATE_OF_EMERGENCY: "State of emergency",
    MeasureKind.FOREIGN_TROOPS: "Foreign troops",
    MeasureKind.MILITARY_DEPLOYMENT: "Army deployed",
    MeasureKind.SHOOT_TO_KILL: "Shoot to kill",
    MeasureKind.TRANSPORT_SUSPENSION: "Transport halted",
    MeasureKind.GATHERING_BAN: "Gathering ban",
}

STATUS = {
    MeasureStatus.IN_FORCE: "in force",
    MeasureStatus.PARTIAL: "partial",
    MeasureStatus.LIFTED: "lifted",
    MeasureStatus.PLANNED: "planned",
}

QUALIFIER = {
    Qualifier.EXACT: "exact",
    Qualifier.AT_LEAST: "at least",
    Qualifier.ABOUT: "about",
    Qualifier.NEARLY: "nearly",
    Qualifier.UP_TO: "up to",
    Qualifier.VAGUE: "vague",
}


def number(value: int) -> str:
    return f"{value:,}"


def figure(low: int, high: int | None, qualifier: Qualifier) -> str:
    """A figure as a reader says it: `at least 22`, `about 200`, `20–99 (vague)`."""
    if qualifier == Qualifier.VAGUE:
        span = f"{number(low)}–{number(high)}" if high and high > low else f"{number(low)}+"
        return f"{span} (vague)"
    if qualifier == Qualifier.EXACT:
        return number(low)
    return f"{QUALIFIER[qualifier]} {number(low)}"


def status(value: MeasureStatus, target: MeasureStatus | None = None) -> str:
    """`in force`, or `planned (to be lifted)` for a planned change."""
    if value == MeasureStatus.PLANNED and target is not None:
        goal = "lifted" if target == MeasureStatus.LIFTED else "imposed"
        return f"planned (to be {goal})"
    return STATUS[value]


def who(group: Group, location: str | None) -> str:
    return f"{GROUP[group]} in {location}" if location else GROUP[group]


def headline(alert: Alert) -> str:
    """What changed, in a line: `Killed, people: at least 22 (was 5)`."""
    if alert.kind == AlertKind.CASUALTY_CHANGE and alert.category is not None:
        now = figure(alert.min or 0, alert.max, alert.qualifier or Qualifier.EXACT)
        was = alert.previous
        before = f" (was {figure(was.min, was.max, was.qualifier)})" if was else ""
        group = who(alert.group or Group.UNSPECIFIED, alert.location)
        return f"{CATEGORY[alert.category]}, {group}: {now}{before}"
    if alert.measure is not None and alert.status is not None:
        place = f" in {alert.location}" if alert.location else ""
        before = f" (was {STATUS[alert.previous_status]})" if alert.previous_status else ""
        return f"{MEASURE[alert.measure]}{place}: {status(alert.status, alert.target)}{before}"
    return str(alert.kind)


def link(url: str | None) -> str | None:
    """The article's address when it is a web link (never a javascript: or data: URL)."""
    if url and urlsplit(url).scheme in ("http", "https"):
        return url
    return None


def outlet(alert: Alert) -> str:
    """The outlet's name, else the host of its link."""
    if alert.outlet:
        return alert.outlet
    host = urlsplit(alert.url).hostname if alert.url else None
    return host.removeprefix("www.") if host else "outlet not given"


def moment(unix: float | None) -> str:
    if unix is None:
        return ""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M UTC")
