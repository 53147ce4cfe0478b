"""How an alert maps onto the Common Alerting Protocol's severity and certainty.

A table, not a model: subscribers who filter on CAP fields can read it here and in the README.
Severity follows what happened (deaths weigh more than arrests; a shoot-to-kill order more
than a gathering ban; a lifting is minor news); certainty follows how the figure was stated
(an exact count is observed, "at least" or "about" likely, "dozens" possible) and grows to
observed when several outlets report the same value.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.alerts import CapCertainty, CapSeverity
from schemas.vocab import Category, MeasureKind, MeasureStatus, Qualifier


@dataclass(frozen=True, slots=True)
class Threshold:
    """From `at_least` people of `category` on, the severity is `severity`."""

    category: Category
    at_least: int
    severity: CapSeverity


# ordered: the first row that applies wins
CASUALTY_SEVERITY: tuple[Threshold, ...] = (
    Threshold(Category.KILLED, 10, "Extreme"),
    Threshold(Category.KILLED, 1, "Severe"),
    Threshold(Category.INJURED, 100, "Severe"),
    Threshold(Category.INJURED, 1, "Moderate"),
    Threshold(Category.ARRESTED, 1000, "Severe"),
    Threshold(Category.ARRESTED, 1, "Moderate"),
)

MEASURE_SEVERITY: dict[MeasureKind, CapSeverity] = {
    MeasureKind.SHOOT_TO_KILL: "Extreme",
    MeasureKind.STATE_OF_EMERGENCY: "Severe",
    MeasureKind.CURFEW: "Severe",
    MeasureKind.INTERNET_SHUTDOWN: "Severe",
    MeasureKind.MILITARY_DEPLOYMENT: "Severe",
    MeasureKind.FOREIGN_TROOPS: "Severe",
    MeasureKind.GATHERING_BAN: "Moderate",
    MeasureKind.TRANSPORT_SUSPENSION: "Moderate",
}

_MILDER: dict[CapSeverity, CapSeverity] = {
    "Extreme": "Severe",
    "Severe": "Moderate",
    "Moderate": "Minor",
    "Minor": "Minor",
    "Unknown": "Unknown",
}

QUALIFIER_CERTAINTY: dict[Qualifier, CapCertainty] = {
    Qualifier.EXACT: "Observed",
    Qualifier.AT_LEAST: "Likely",
    Qualifier.ABOUT: "Likely",
    Qualifier.NEARLY: "Likely",
    Qualifier.UP_TO: "Possible",
    Qualifier.VAGUE: "Possible",
}

CORROBORATED = 2  # outlets reporting one value that make it observed


def casualty_severity(category: Category, count: int) -> CapSeverity:
    for row in CASUALTY_SEVERITY:
        if row.category == category and count >= row.at_least:
            return row.severity
    return "Minor"


def casualty_certainty(qualifier: Qualifier, outlets: int) -> CapCertainty:
    if outlets >= CORROBORATED:
        return "Observed"
    return QUALIFIER_CERTAINTY[qualifier]


def measure_severity(
    kind: MeasureKind, status: MeasureStatus, target: MeasureStatus | None
) -> CapSeverity:
    full = MEASURE_SEVERITY[kind]
    if status == MeasureStatus.IN_FORCE:
        return full
    if status == MeasureStatus.PARTIAL:
        return _MILDER[full]
    if status == MeasureStatus.PLANNED and target != MeasureStatus.LIFTED:
        return _MILDER[full]
    return "Minor"


def measure_certainty(status: MeasureStatus) -> CapCertainty:
    """A status reported as done is observed; a planned one is only likely to happen."""
    if status == MeasureStatus.PLANNED:
        return "Likely"
    return "Observed"
