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


def as_article(item: ArticleIn) -> Article:
    from services.replay import ensure_id

    item = ensure_id(item)
    return Article(
        id=item.id or "",
        url=item.url,
        outlet=item.outlet,
        published=item.published,
        lang=item.lang,
        title=item.title,
        text=item.text,
        ingested_at=0.0,
    )


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
