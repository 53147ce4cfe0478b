"""Operators' commands: dead letters, tail, the read API, webhook subscribers."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Annotated

import typer

from services.cli.app import app, print_json, with_redis
from services.common.settings import Settings

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
                print_json({"entry_id": e.entry_id, **e.letter.model_dump(mode="json")})
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


@app.command()
def tail(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line per alert")] = False,
    cap: Annotated[bool, typer.Option("--cap", help="CAP 1.2 XML per alert")] = False,
    group: Annotated[
        str | None, typer.Option(help="read through this consumer group (resumes where it left)")
    ] = None,
    since: Annotated[str, typer.Option(help="stream id to start after; $ = only new")] = "$",
    limit: Annotated[int | None, typer.Option(help="stop after this many alerts")] = None,
) -> None:
    """Follow the alerts stream and print each alert as it arrives."""
    from services.alert.tail import tail as do_tail

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(do_tail(Settings(), as_json=as_json, as_cap=cap, group=group,
                            out=sys.stdout, since=since, limit=limit))


@app.command()
def api(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8081,
) -> None:
    """Serve the read API: GET /stories, GET /stories/{id}."""
    import uvicorn

    from services.alert.api import create_api

    uvicorn.run(create_api(Settings()), host=host, port=port, log_config=None)


webhooks_app = typer.Typer(help="Webhook subscribers: signed POSTs of the alerts they want.")
app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("add")
def webhooks_add(
    subscriber_id: Annotated[str, typer.Argument(help="a name for the subscriber")],
    url: Annotated[str, typer.Argument(help="where to POST")],
    secret: Annotated[str | None, typer.Option(help="HMAC key (default: a new one)")] = None,
    country: Annotated[list[str] | None, typer.Option(help="ISO alpha-2, repeatable")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="casualty_change|measure_change")] = None,
    category: Annotated[list[str] | None, typer.Option(help="killed|injured|arrested")] = None,
    measure: Annotated[list[str] | None, typer.Option(help="measure kinds, repeatable")] = None,
    min_figure: Annotated[int | None, typer.Option(help="skip casualty alerts below")] = None,
) -> None:
    """Register (or replace) a subscriber; prints its secret."""
    from services.alert.webhooks import Subscriber, new_secret, register_subscriber
    from services.common.streams import Streams

    sub = Subscriber.model_validate({
        "id": subscriber_id, "url": url, "secret": secret or new_secret(),
        "countries": country or [], "kinds": kind or [], "categories": category or [],
        "measures": measure or [], "min_figure": min_figure,
    })
    with_redis(lambda r, s: register_subscriber(r, Streams(s.stream_prefix), sub))
    typer.echo(f"subscriber {sub.id} -> {sub.url}\nsecret: {sub.secret}")


@webhooks_app.command("list")
def webhooks_list() -> None:
    """List the subscribers (secrets hidden)."""
    from services.alert.webhooks import list_subscribers
    from services.common.streams import Streams

    subs = with_redis(lambda r, s: list_subscribers(r, Streams(s.stream_prefix)))
    for sub in subs:
        print_json(sub.model_dump(mode="json", exclude={"secret"}))


@webhooks_app.command("remove")
def webhooks_remove(subscriber_id: str) -> None:
    """Remove a subscriber."""
    from services.alert.webhooks import remove_subscriber
    from services.common.streams import Streams

    gone = with_redis(lambda r, s: remove_subscriber(r, Streams(s.stream_prefix), subscriber_id))
    typer.echo("removed" if gone else f"no subscriber {subscriber_id}")
    if not gone:
        raise typer.Exit(1)


@webhooks_app.command("replay")
def webhooks_replay(subscriber_id: str) -> None:
    """Send a subscriber's dead-lettered deliveries again."""
    from services.alert.delivery import replay_dead_letters

    delivered, failing = with_redis(lambda r, s: replay_dead_letters(r, s, subscriber_id))
    typer.echo(f"delivered {delivered}, still failing {failing}")


