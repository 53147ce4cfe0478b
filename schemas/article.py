"""The article: what ingest publishes and extract consumes."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ARTICLE_SCHEMA_VERSION: Literal[1] = 1

_PUBLISHED = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def calendar_day(value: str | None, *, month_ok: bool = True) -> str | None:
    """`value` if it names a real day (YYYY-MM-DD) or, when `month_ok`, month (YYYY-MM).

    Raises ValueError otherwise: a date such as 2025-13-45 must be refused where a message
    enters, not fail deep inside a worker (or, stored in a story, fail every later article).
    """
    if value is None:
        return None
    if not _PUBLISHED.match(value) or (len(value) == 7 and not month_ok):
        msg = "must be YYYY-MM-DD" if not month_ok else "must be YYYY-MM or YYYY-MM-DD"
        raise ValueError(msg)
    date.fromisoformat(value if len(value) == 10 else f"{value}-01")
    return value


class ArticleIn(BaseModel):
    """An article as a source hands it over (the corpus line format of ANNOTATION.md).

    Lenient on purpose: ingest normalises it into an `Article`.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=False)

    id: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=4096)
    outlet: str | None = Field(default=None, max_length=200)
    published: str | None = None
    lang: str | None = Field(default=None, max_length=16)
    title: str | None = Field(default=None, max_length=2000)
    text: str = Field(min_length=1)

    @field_validator("published")
    @classmethod
    def _published_shape(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.strip()
        if _PUBLISHED.match(value):
            return calendar_day(value)
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
        except ValueError as exc:
            msg = "published must be YYYY-MM, YYYY-MM-DD or an ISO 8601 timestamp"
            raise ValueError(msg) from exc


class Article(BaseModel):
    """A normalised article on the articles stream."""

    # NaN and infinity are no times: refused here, not passed on as null
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    schema_version: Literal[1] = ARTICLE_SCHEMA_VERSION
    id: str = Field(min_length=1, max_length=200)
    url: str | None = None
    outlet: str | None = None
    published: str | None = Field(
        default=None, description="YYYY-MM or YYYY-MM-DD, as precise as the source gives it"
    )
    lang: str | None = Field(default=None, description="ISO 639-1 code when the source gives one")
    title: str | None = None
    text: str
    ingested_at: float = Field(description="Unix time at which ingest accepted the article")
    duplicate_of: str | None = Field(
        default=None, description="id of the first copy when this is a near-duplicate"
    )

    @field_validator("published")
    @classmethod
    def _published_day(cls, value: str | None) -> str | None:
        return calendar_day(value)
