"""`tocsin`: the command line of the service."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from schemas.article import Article, ArticleIn
from services.common.settings import Settings

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


def _print_json(obj: object) -> None:
    sys.stdout.write(orjson.dumps(obj).decode() + "\n")


@app.command()
def extract(path: FileArg) -> None:
    """Offline, no Redis: one JSON line of facts per article of FILE.jsonl."""
    from services.extract.pipeline import Extractor

    settings = Settings()
    extractor = Extractor(settings.extract)
    for item in read_jsonl(path):
        facts = extractor.extract(as_article(item))
        _print_json(facts.model_dump(mode="json", exclude_none=True))


@app.command()
def alerts(path: FileArg) -> None:
    """Offline, no Redis: the alerts the articles of FILE.jsonl raise, in file order."""
    from services.alert.offline import alerts_for
    from services.extract.pipeline import Extractor

    settings = Settings()
    extractor = Extractor(settings.extract)
    facts = [extractor.extract(as_article(item)) for item in read_jsonl(path)]
    for alert in alerts_for(facts, settings):
        _print_json(alert.model_dump(mode="json", exclude_none=True))


@app.command()
def worker(name: Annotated[str, typer.Argument(help="ingest | extract | alert")]) -> None:
    """Run one worker (as many replicas as you like: they share consumer groups)."""
    from services.workers import WORKER_NAMES, build_app

    if name not in WORKER_NAMES:
        typer.echo(f"unknown worker {name!r}: choose from {', '.join(WORKER_NAMES)}", err=True)
        raise typer.Exit(2)
    asyncio.run(build_app(Settings(), [name]).run())


@app.command()
def run() -> None:
    """Run all three workers in one process."""
    from services.workers import WORKER_NAMES, build_app

    asyncio.run(build_app(Settings(), WORKER_NAMES).run())


@app.command()
def replay(
    path: FileArg,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the pipeline")] = 60.0,
    concurrent: Annotated[
        bool, typer.Option(help="submit all at once instead of one after another")
    ] = False,
) -> None:
    """Feed FILE.jsonl to the running pipeline and print the alerts it raises."""
    from redis.exceptions import RedisError

    from services.common.redis_client import connect
    from services.replay import ReplayTimeoutError
    from services.replay import replay as do_replay

    settings = Settings()
    items = read_jsonl(path)

    async def go() -> int:
        redis = connect(settings)
        try:
            result = await do_replay(
                redis, settings, items, timeout=timeout, sequential=not concurrent
            )
        except ReplayTimeoutError as exc:
            typer.echo(f"tocsin replay: {exc}", err=True)
            return 1
        except (OSError, RedisError) as exc:
            typer.echo(f"tocsin replay: cannot reach Redis at {settings.redis_url}: {exc}", err=True)
            return 1
        finally:
            await redis.aclose()
        for alert in result.alerts:
            _print_json(alert.model_dump(mode="json", exclude_none=True))
        return 0

    code = asyncio.run(go())
    if code:
        raise typer.Exit(code)


@app.command()
def demo(
    feed: Annotated[
        str | None, typer.Option(help="follow this RSS/Atom feed instead of the sample story")
    ] = None,
) -> None:
    """Start the pipeline, feed it a sample story, and show the alerts as they arrive."""
    from services.demo.run import run_demo

    raise typer.Exit(asyncio.run(run_demo(Settings(), feed=feed)))


@app.command()
def contracts(
    check: Annotated[bool, typer.Option(help="fail if the committed files are stale")] = False,
) -> None:
    """Write (or --check) the JSON Schemas and the AsyncAPI document in schemas/json/."""
    from services.contracts import stale, write

    if check:
        names = stale()
        if names:
            typer.echo(f"stale: {', '.join(names)}; run `tocsin contracts`", err=True)
            raise typer.Exit(1)
        typer.echo("contracts are current")
        return
    for path in write():
        typer.echo(str(path))


deadletter_app = typer.Typer(help="What could not be processed, with the reason.")
app.add_typer(deadletter_app, name="deadletter")


@deadletter_app.command("list")
def deadletter_list(
    count: Annotated[int, typer.Option(help="at most this many")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line each")] = False,
) -> None:
    """Show the dead letters, oldest first."""
    from services.common.redis_client import connect
    from services.common.streams import Streams
    from services.deadletter import list_dead_letters

    settings = Settings()

    async def go() -> None:
        redis = connect(settings)
        try:
            entries = await list_dead_letters(redis, Streams(settings.stream_prefix), count)
        finally:
            await redis.aclose()
        for e in entries:
            if as_json:
                _print_json({"entry_id": e.entry_id, **e.letter.model_dump(mode="json")})
            else:
                typer.echo(f"{e.entry_id}  {e.letter.stream}  attempts={e.letter.attempts}  "
                           f"{e.letter.reason}")

    asyncio.run(go())


@deadletter_app.command("replay")
def deadletter_replay(
    entry_ids: Annotated[list[str] | None, typer.Argument(help="entry ids; none: all")] = None,
) -> None:
    """Queue dead letters again on the streams they came from."""
    from services.common.redis_client import connect
    from services.common.streams import Streams
    from services.deadletter import replay_dead_letters

    settings = Settings()

    async def go() -> list[str]:
        redis = connect(settings)
        try:
            return await replay_dead_letters(redis, Streams(settings.stream_prefix), entry_ids)
        finally:
            await redis.aclose()

    done = asyncio.run(go())
    typer.echo(f"replayed {len(done)} dead letter(s)")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
