"""The `tocsin` Typer app and what its commands share."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import orjson
import typer
from redis.asyncio import Redis

from schemas.article import Article, ArticleIn
from services.common.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    help="Tocsin: casualty figures and security measures from the news, as alerts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

@app.callback()
def _configure() -> None:
    """Logs go to stderr (JSON unless on a terminal): stdout carries only the command's output."""
    from services.common.logging import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)


FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


def read_jsonl(path: Path) -> list[ArticleIn]:
    """Articles in the corpus format, one JSON object a line; a bad line stops with its number."""
    items: list[ArticleIn] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                items.append(ArticleIn.model_validate_json(raw))
            except ValueError as exc:
                typer.echo(f"{path}:{number}: not a valid article: {exc}", err=True)
                raise typer.Exit(2) from exc
    return items


def read_articles(path: Path, settings: Settings) -> list[Article]:
    """FILE.jsonl as ingest would pass it on; what ingest would refuse is skipped, with why."""
    from services.ingest.normalize import RefusedError

    out = []
    for item in read_jsonl(path):
        try:
            out.append(as_article(item, settings))
        except RefusedError as exc:
            typer.echo(f"{path}: article {item.id or item.url or '?'} refused: {exc}", err=True)
    return out


def as_article(item: ArticleIn, settings: Settings | None = None) -> Article:
    """The article exactly as ingest would put it on the articles stream.

    The offline commands read the same normalised text as the pipeline, so that both give
    the same facts; an article ingest would refuse raises `RefusedError`.
    """
    from services.ingest.normalize import normalise

    settings = settings or Settings()
    return normalise(item, ingested_at=0.0, max_text_chars=settings.ingest.max_text_chars)


def print_json(obj: object) -> None:
    sys.stdout.write(orjson.dumps(obj).decode() + "\n")



def with_redis(fn: Callable[[Redis, Settings], Awaitable[T]]) -> T:
    """Run `fn` with a Redis client from the settings, then close it."""
    from services.common.redis_client import connect

    settings = Settings()

    async def go() -> T:
        redis = connect(settings)
        try:
            return await fn(redis, settings)
        finally:
            await redis.aclose()

    return asyncio.run(go())
