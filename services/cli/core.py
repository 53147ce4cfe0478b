"""Commands of the pipeline: offline extract and alerts, workers, replay, demo, contracts."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from services.cli.app import FileArg, app, print_json, read_articles, read_jsonl
from services.common.settings import Settings


@app.command()
def extract(path: FileArg) -> None:
    """Offline, no Redis: one JSON line of facts per article of FILE.jsonl."""
    from services.extract.pipeline import Extractor

    settings = Settings()
    extractor = Extractor(settings.extract)
    for article in read_articles(path, settings):
        facts = extractor.extract(article)
        print_json(facts.model_dump(mode="json", exclude_none=True))


@app.command()
def alerts(path: FileArg) -> None:
    """Offline, no Redis: the alerts the articles of FILE.jsonl raise, in file order."""
    from services.alert.offline import alerts_for
    from services.extract.pipeline import Extractor

    settings = Settings()
    extractor = Extractor(settings.extract)
    facts = [extractor.extract(article) for article in read_articles(path, settings)]
    for alert in alerts_for(facts, settings):
        print_json(alert.model_dump(mode="json", exclude_none=True))


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
            typer.echo(f"tocsin replay: no Redis at {settings.redis_url}: {exc}", err=True)
            return 1
        finally:
            await redis.aclose()
        for alert in result.alerts:
            print_json(alert.model_dump(mode="json", exclude_none=True))
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


