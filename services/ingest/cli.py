"""Ingest's commands: `submit FILE.jsonl`, `poll URL... [--once]`, `serve`.

Mount them on the main CLI with `register(app)`. `fetch_feed_items` reads a feed's articles
for `tocsin demo URL`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Annotated

import structlog
import typer
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from rich.progress import Progress

from schemas.article import ArticleIn
from services.common.logging import configure_logging
from services.common.redis_client import connect
from services.common.settings import Settings
from services.ingest.feeds import FeedError, parse_feed
from services.ingest.fetch import Fetcher, FetchFailedError, FetchRefusedError
from services.ingest.pages import PageReader
from services.ingest.poller import FeedPoller, FeedReport, fetch_article
from services.ingest.sources import FeedSource, SourcesError, feeds_from_urls, load_sources
from services.ingest.submit import submit, with_id

log = structlog.get_logger(__name__)

_BATCH = 500


def register(app: typer.Typer) -> None:
    """Add `submit`, `poll` and `serve` to a Typer app."""
    app.command("submit")(submit_command)
    app.command("poll")(poll_command)
    app.command("serve")(serve_command)


def submit_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Put the articles of FILE.jsonl (one JSON object a line) on the inbox."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    raise typer.Exit(asyncio.run(_submit_file(settings, path)))


async def _submit_file(settings: Settings, path: Path) -> int:
    lines = path.read_bytes().splitlines()
    redis: Redis = connect(settings)
    bad = sent = 0
    batch: list[ArticleIn] = []
    try:
        with Progress(transient=False) as progress:
            task = progress.add_task(f"submitting {path.name}", total=len(lines))
            for number, raw in enumerate(lines, start=1):
                progress.advance(task)
                if not raw.strip():
                    continue
                try:
                    batch.append(ArticleIn.model_validate_json(raw))
                except ValidationError as exc:
                    bad += 1
                    progress.console.print(
                        f"{path}:{number}: skipped: {_first_error(exc)}", soft_wrap=True
                    )
                if len(batch) >= _BATCH:
                    sent += len(await submit(redis, settings, batch))
                    batch = []
            if batch:
                sent += len(await submit(redis, settings, batch))
    except (OSError, RedisError) as exc:
        typer.echo(f"cannot reach Redis at {settings.redis_url}: {exc}", err=True)
        return 1
    finally:
        await redis.aclose()
    typer.echo(f"{sent} article(s) submitted, {bad} line(s) skipped")
    return 1 if bad else 0


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "line"
    return f"{where}: {err['msg']}"


def poll_command(
    urls: Annotated[list[str] | None, typer.Argument(help="RSS or Atom feed URLs")] = None,
    once: Annotated[bool, typer.Option("--once", help="poll each feed once, then stop")] = False,
    sources: Annotated[
        Path | None, typer.Option(help="TOML file of feeds (see sources.example.toml)")
    ] = None,
) -> None:
    """Poll feeds, publish their new articles, print one line per item."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    try:
        feeds = feeds_from_urls(urls or [])
        if sources is not None:
            feeds += load_sources(sources).feeds
    except SourcesError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if not feeds:
        typer.echo("no feed given: pass URLs or --sources FILE", err=True)
        raise typer.Exit(2)
    raise typer.Exit(asyncio.run(poll_feeds(settings, feeds, once=once)))


def _print_report(report: FeedReport) -> None:
    for line in report.lines():
        sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def poll_feeds(settings: Settings, feeds: list[FeedSource], *, once: bool) -> int:
    """Poll `feeds` once (exit code 1 if one failed) or on their schedule until interrupted."""
    redis: Redis = connect(settings)
    try:
        async with Fetcher(settings) as fetcher:
            poller = FeedPoller(redis, settings, fetcher)
            if once:
                reports = await asyncio.gather(*(poller.poll(feed) for feed in feeds))
                for report in reports:
                    _print_report(report)
                return 1 if any(report.error for report in reports) else 0
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, stop.set)
            await poller.run(feeds, stop, _print_report)
            return 0
    except (OSError, RedisError) as exc:
        typer.echo(f"cannot reach Redis at {settings.redis_url}: {exc}", err=True)
        return 1
    finally:
        await redis.aclose()


async def fetch_feed_items(settings: Settings, url: str) -> list[ArticleIn]:
    """The articles of one feed, read once, oldest first, ids filled in; nothing published.

    Items whose page cannot be had are left out, and so is a feed that cannot be read: the
    reasons are logged (`fetch_refused`, `fetch_failed`, `feed_unreadable`, `page_skipped`).
    """
    source = feeds_from_urls([url])[0]
    async with Fetcher(settings) as fetcher:
        try:
            result = await fetcher.fetch(url, "feed")
            items = parse_feed(result.content, result.url)
        except (FetchRefusedError, FetchFailedError):
            return []
        except FeedError as exc:
            log.warning("feed_unreadable", url=url, reason=str(exc))
            return []
        items = items[: settings.ingest.max_items_per_poll]
        pages = PageReader(settings.ingest)
        try:
            found = await asyncio.gather(
                *(fetch_article(fetcher, item, source, pages) for item in items),
                return_exceptions=True,
            )
        finally:
            pages.close()
    articles: list[ArticleIn] = []
    for item, article in zip(items, found, strict=True):
        if isinstance(article, ArticleIn):
            articles.append(with_id(article))
        else:
            log.warning("page_skipped", url=item.url, reason=str(article))
    return articles[::-1]


def serve_command() -> None:
    """Serve `POST /articles` on TOCSIN_INGEST__HTTP_HOST:TOCSIN_INGEST__HTTP_PORT."""
    import uvicorn

    from services.ingest.http_api import create_http_app

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    uvicorn.run(
        create_http_app(settings),
        host=settings.ingest.http_host,
        port=settings.ingest.http_port,
        log_config=None,
    )
