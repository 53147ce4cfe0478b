"""The one settings class. The environment is read here and nowhere else."""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WorkerSettings(BaseModel):
    consumer: str | None = Field(
        default=None, description="consumer name in the groups; default hostname-pid"
    )
    claim_idle_ms: int = Field(
        default=10_000, ge=100, description="pending entries idle this long are claimed"
    )
    max_attempts: int = Field(
        default=3, ge=1, description="deliveries before a failing message is dead-lettered"
    )
    polling_ms: int = Field(default=100, ge=1, description="XREADGROUP block time")
    stream_maxlen: int = Field(
        default=100_000, ge=1000, description="approximate cap of each stream's length"
    )


class ExtractSettings(BaseModel):
    max_text_chars: int = Field(
        default=200_000, ge=1000, description="longer texts are cut before extraction"
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en", "fr", "es"], description="languages to read"
    )


class AlertSettings(BaseModel):
    story_silence_days: int = Field(
        default=21, ge=1, description="a story with no article for this long is closed"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TOCSIN_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
    )

    redis_url: str = Field(
        default="redis://localhost:6379/0",
        validation_alias=AliasChoices("REDIS_URL", "TOCSIN_REDIS_URL"),
    )
    stream_prefix: str = Field(default="tocsin", min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    log_level: str = "INFO"
    log_json: bool | None = Field(
        default=None, description="JSON logs; default: JSON unless stderr is a terminal"
    )
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    alert: AlertSettings = Field(default_factory=AlertSettings)
