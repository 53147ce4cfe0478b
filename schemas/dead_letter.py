"""What cannot be processed goes to the dead-letter stream with its reason."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEAD_LETTER_SCHEMA_VERSION: Literal[1] = 1


class DeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = DEAD_LETTER_SCHEMA_VERSION
    stream: str = Field(description="the stream the message was read from")
    message_id: str = Field(description="its entry id in that stream")
    worker: str
    reason: str = Field(description="why it could not be processed, for a human")
    error: str = Field(description="the exception class or validation error kind")
    attempts: int = Field(ge=1)
    payload: str = Field(description="the message body as received (UTF-8, errors replaced)")
    failed_at: float
