"""Facts extracted from one article, each with the exact quote that states it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.article import calendar_day
from schemas.vocab import Category, Group, MeasureKind, MeasureStatus, Qualifier

FACTS_SCHEMA_VERSION: Literal[1] = 1


class _Evidence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    location: str | None = None
    quote: str = Field(description="the span of the article text that states the fact")
    start: int = Field(ge=0, description="character offset of the quote in the article text")
    end: int = Field(ge=0)
    rule: str = Field(description="name of the extraction rule that produced the fact")
    optional: bool = Field(
        default=False,
        description="background or subset figure: reported, but not a new headline value",
    )


class CasualtyFact(_Evidence):
    type: Literal["casualty"] = "casualty"
    category: Category
    group: Group
    min: int = Field(ge=0)
    max: int | None = Field(default=None, ge=0)
    qualifier: Qualifier

    @model_validator(mode="after")
    def _range(self) -> CasualtyFact:
        if self.max is not None and self.max < self.min:
            msg = "max must be >= min"
            raise ValueError(msg)
        return self


class MeasureFact(_Evidence):
    type: Literal["measure"] = "measure"
    kind: MeasureKind
    status: MeasureStatus
    target: MeasureStatus | None = Field(
        default=None, description="for a planned status: in_force or lifted"
    )


Fact = Annotated[CasualtyFact | MeasureFact, Field(discriminator="type")]


class ArticleFacts(BaseModel):
    """What extract publishes for each article."""

    # NaN and infinity are no times: refused here, not passed on as null
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    schema_version: Literal[1] = FACTS_SCHEMA_VERSION
    article_id: str
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    lang: str | None = Field(default=None, description="language the text was read in")
    day: str | None = Field(default=None, description="YYYY-MM-DD the article reports on")
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 of the crisis")
    facts: list[Fact] = Field(default_factory=list)
    ingested_at: float | None = None
    extracted_at: float | None = None

    @field_validator("published")
    @classmethod
    def _published_day(cls, value: str | None) -> str | None:
        return calendar_day(value)

    @field_validator("day")
    @classmethod
    def _real_day(cls, value: str | None) -> str | None:
        return calendar_day(value, month_ok=False)
