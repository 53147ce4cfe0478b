"""`tocsin demo`: the pipeline on a sample story we wrote, with the alerts shown as they come."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from importlib import resources

from rich.console import Console
from rich.markup import escape

from schemas.alerts import Alert
from schemas.article import ArticleIn
from services.common.broker import create_broker
from services.common.entries import read_after
from services.common.local_redis import LocalRedis, redis_server_binary, start_local_redis
from services.common.logging import configure_logging
from services.common.observability import route_faststream_logs
from services.common.redis_client import connect, reachable
from services.common.settings import Settings
from services.common.streams import Streams

NO_REDIS = (
    "Redis is not reachable at {url} and no redis-server is on PATH.\n"
    "Start one, then run `tocsin demo` again:\n"
    "  sudo apt-get install -y redis-server && redis-server --daemonize yes --port 6379\n"
    "or: docker run -d -p 6379:6379 redis:7\n"
    "or point REDIS_URL at a Redis you have."
)


def sample_story() -> list[ArticleIn]:
    text = resources.files("services.demo").joinpath("sample_story.jsonl").read_text("utf-8")
    return [ArticleIn.model_validate_json(line) for line in text.splitlines() if line.strip()]


def describe(alert: Alert) -> str:
    """One readable line (rich markup) per alert."""
    if alert.kind == "casualty_change":
        where = f" in {alert.location}" if alert.location else ""
        before = str(alert.previous.min) if alert.previous else "none"
        qualifier = "" if alert.qualifier in (None, "exact") else f" ({alert.qualifier})"
        what = (f"[bold red]{alert.category} ({alert.group}){where}[/]: "
                f"{before} -> [bold]{alert.min}[/]{qualifier}")
    else:
        what = (f"[bold yellow]{alert.measure}[/]: {alert.previous_status or 'none'} -> "
                f"[bold]{alert.status}[/]" + (f" ({alert.target})" if alert.target else ""))
    country = alert.country or "?"
    return (f"  [dim]{country} {alert.day or ''}[/] {what}\n"
            f"    [italic]\"{escape(alert.quote)}\"[/] [dim]({alert.outlet or alert.after})[/]")


async def _follow_alerts(settings: Settings, console: Console, seen: list[Alert]) -> None:
    redis = connect(settings)
    cursor = "0-0"
    stream = Streams(settings.stream_prefix).alerts
    try:
        while True:
            for entry_id, data in await read_after(redis, stream, cursor, count=100,
                                                   block_ms=500):
                cursor = entry_id
                alert = Alert.model_validate_json(data)
                seen.append(alert)
                console.print(describe(alert), highlight=False)
    finally:
        await redis.aclose()


async def run_demo(settings: Settings, *, feed: str | None = None) -> int:
    console = Console()
    configure_logging("WARNING", settings.log_json)
    private: LocalRedis | None = None
    if not await reachable(settings):
        if redis_server_binary() is None:
            console.print(NO_REDIS.format(url=settings.redis_url))
            return 1
        private = start_local_redis()
        console.print(f"[dim]Redis not reachable at {settings.redis_url}; "
                      f"started a private redis-server at {private.url}[/dim]")
        settings = settings.model_copy(update={"redis_url": private.url})
    prefix = f"{settings.stream_prefix}-demo-{os.getpid()}-{int(time.time())}"
    settings = settings.model_copy(update={"stream_prefix": prefix})
    try:
        return await _run(settings, console, feed)
    finally:
        await _cleanup(settings)
        if private is not None:
            private.cleanup()


async def _run(settings: Settings, console: Console, feed: str | None) -> int:
    from services.replay import ReplayTimeoutError, replay
    from services.workers import WORKER_NAMES, ensure_groups, router_factory

    await ensure_groups(settings, WORKER_NAMES)
    broker = create_broker(settings)
    for name in WORKER_NAMES:
        broker.include_router(router_factory(name)(settings))
    await broker.start()
    route_faststream_logs()
    seen: list[Alert] = []
    follower = asyncio.create_task(_follow_alerts(settings, console, seen))
    redis = connect(settings)
    try:
        if feed is not None:
            from services.ingest.cli import fetch_feed_items

            items = await fetch_feed_items(settings, feed)
            console.print(f"[bold]Following {feed}[/bold]: {len(items)} item(s)")
        else:
            items = sample_story()
            console.print("[bold]Tocsin demo[/bold]: a sample story of "
                          f"{len(items)} articles (fictional), pipeline on {settings.redis_url}\n")
        try:
            for item in items:
                console.print(f"[cyan]> article {item.id}[/cyan] {item.title or ''}")
                await replay(redis, settings, [item], timeout=30)
                await asyncio.sleep(0.6)
        except ReplayTimeoutError as exc:
            console.print(f"[red]{exc}[/red]")
            return 1
        await asyncio.sleep(0.6)
        console.print(f"\n[bold]{len(seen)} alert(s)[/bold] from {len(items)} article(s).")
        return 0
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
        await redis.aclose()
        await broker.stop()


async def _cleanup(settings: Settings) -> None:
    redis = connect(settings)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{settings.stream_prefix}*", count=500)]
        keys += [k async for k in redis.scan_iter(match=f"*{{{settings.stream_prefix}*", count=500)]
        if keys:
            await redis.delete(*set(keys))
    except Exception:
        pass
    finally:
        await redis.aclose()
