"""The sources file: the feeds to poll, in TOML (see sources.example.toml beside this file)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError


class FeedSource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: HttpUrl
    interval_s: float | None = Field(
        default=None, gt=0, description="poll interval; default ingest.feed_interval_s"
    )
    lang: str | None = Field(default=None, description="language of items whose page declares none")
    outlet: str | None = Field(default=None, description="outlet name; default: the domain")


class SourcesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    feeds: list[FeedSource] = Field(default_factory=list)


class SourcesError(ValueError):
    """The sources file cannot be read; the message names the file and the bad entry."""


def load_sources(path: Path) -> SourcesFile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: {exc}"
        raise SourcesError(msg) from exc
    try:
        return SourcesFile.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]
        )
        msg = f"{path}: {where}"
        raise SourcesError(msg) from exc


def feeds_from_urls(urls: list[str]) -> list[FeedSource]:
    """Feeds given on the command line, with the defaults of the settings."""
    try:
        return [FeedSource.model_validate({"url": url}) for url in urls]
    except ValidationError as exc:
        msg = f"not an http(s) URL: {exc.errors()[0].get('input')}"
        raise SourcesError(msg) from exc
