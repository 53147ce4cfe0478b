"""A receipt says an article has left the pipeline, and how."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RECEIPT_SCHEMA_VERSION: Literal[1] = 1

Outcome = Literal["alerted", "duplicate", "refused", "dead_letter"]


class Receipt(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = RECEIPT_SCHEMA_VERSION
    article_id: str
    stage: Literal["ingest", "extract", "alert"]
    outcome: Outcome
    reason: str | None = None
    alert_ids: list[str] = Field(default_factory=list)
    at: float
