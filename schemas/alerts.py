"""The alert: what subscribers receive when a story changes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.vocab import AlertKind, Category, Group, MeasureKind, MeasureStatus, Qualifier

ALERT_SCHEMA_VERSION: Literal[1] = 1

CapSeverity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
CapCertainty = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]


class Figure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    min: int
    max: int | None = None
    qualifier: Qualifier


class Alert(BaseModel):
    """One change of a story, with its evidence. Field names follow ANNOTATION.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = ALERT_SCHEMA_VERSION
    id: str = Field(description="deterministic: the same change always has the same id")
    story_id: str
    country: str | None = None
    kind: AlertKind
    after: str = Field(description="id of the article that raised the alert")
    # casualty_change
    category: Category | None = None
    group: Group | None = None
    location: str | None = None
    min: int | None = None
    max: int | None = None
    qualifier: Qualifier | None = None
    previous: Figure | None = None
    # measure_change
    measure: MeasureKind | None = None
    status: MeasureStatus | None = None
    target: MeasureStatus | None = None
    previous_status: MeasureStatus | None = None
    # evidence
    quote: str
    article_id: str
    url: str | None = None
    outlet: str | None = None
    day: str | None = Field(default=None, description="YYYY-MM-DD the article reports on")
    raised_at: float = Field(description="Unix time the alert was raised")
    outlets: int = Field(default=1, ge=1, description="distinct outlets reporting the new value")
    severity: CapSeverity = "Unknown"
    certainty: CapCertainty = "Unknown"
