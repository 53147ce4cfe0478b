"""`submit FILE.jsonl` and `poll URL... --once` through Typer, on real Redis."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import redis as redis_sync
import structlog
import typer
from structlog.testing import capture_logs
from typer.testing import CliRunner

from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.cli import fetch_feed_items, register
from tests.ingest.conftest import Route, Site
from tests.ingest.test_pages import page
from tests.ingest.test_poller import rss
from tests.ingest.texts import story

pytestmark = pytest.mark.redis


def _quiet_logging(*_args: object) -> None:
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("TOCSIN_STREAM_PREFIX", settings.stream_prefix)
    # configure_logging caches structlog loggers on first use, which would blind the
    # capture_logs() of every later test in this process: log to stderr without caching.
    monkeypatch.setattr("services.ingest.cli.configure_logging", _quiet_logging)
    app = typer.Typer()
    register(app)
    yield app
    structlog.reset_defaults()


def test_submit_puts_valid_lines_on_the_inbox(
    cli: typer.Typer, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "articles.jsonl"
    rows = [
        {"id": "a", "text": "one"},
        {"id": "b", "text": 5},
        {"url": "https://ex.org/c", "text": "three"},
    ]
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n\n")
    result = CliRunner().invoke(cli, ["submit", str(path)])
    assert result.exit_code == 1, result.output
    assert "articles.jsonl:2: skipped: text" in result.output
    assert "2 article(s) submitted, 1 line(s) skipped" in result.output
    client = redis_sync.Redis.from_url(settings.redis_url)
    try:
        assert client.xlen(Streams(settings.stream_prefix).inbox) == 2
    finally:
        client.close()


def test_poll_once_prints_one_line_per_item(
    cli: typer.Typer, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_FETCH_ALLOW_PRIVATE", "true")
    text = story(71)
    site.routes["/a"] = Route(page(text))
    site.routes["/a2"] = Route(page(text))
    site.routes["/pdf"] = Route(b"%PDF", content_type="application/pdf")
    site.routes["/feed.xml"] = Route(
        rss(site, ["/a", "/a2", "/pdf"]), content_type="application/rss+xml"
    )
    result = CliRunner().invoke(cli, ["poll", site.url("/feed.xml"), "--once"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    # /a and /a2 hold one text: whichever is read first is published, the other is its copy.
    assert sorted(line.split()[0] for line in lines[:2]) == ["duplicate", "published"]
    assert any("same text as" in line for line in lines[:2])
    assert lines[2].startswith("refused")
    assert site.url("/pdf") in lines[2]
    assert "application/pdf" in lines[2]


def test_poll_refuses_a_private_feed_by_default(cli: typer.Typer, site: Site) -> None:
    site.routes["/feed.xml"] = Route(rss(site, []), content_type="application/rss+xml")
    result = CliRunner().invoke(cli, ["poll", site.url("/feed.xml"), "--once"])
    assert result.exit_code == 1
    assert result.stdout.startswith("refused")
    assert "not public" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [([], "no feed given"), (["ftp://ex.org/feed"], "not an http(s) URL")],
)
def test_poll_usage_errors(cli: typer.Typer, args: list[str], says: str) -> None:
    result = CliRunner().invoke(cli, ["poll", *args, "--once"])
    assert result.exit_code == 2
    assert says in result.output


async def test_fetch_feed_items_reads_articles_oldest_first(site: Site) -> None:
    site.routes["/new"] = Route(page(story(81)))
    site.routes["/old"] = Route(page(story(82)))
    site.routes["/gone"] = Route(b"", status=404)
    site.routes["/feed.xml"] = Route(
        rss(site, ["/new", "/gone", "/old"]), content_type="application/rss+xml"
    )
    settings = Settings(fetch_allow_private=True)
    with capture_logs() as logs:
        items = await fetch_feed_items(settings, site.url("/feed.xml"))
    assert [item.url for item in items] == [site.url("/old"), site.url("/new")]
    assert all(item.id and item.text for item in items)
    assert [e["url"] for e in logs if e["event"] == "page_skipped"] == [site.url("/gone")]
    assert await fetch_feed_items(Settings(), site.url("/feed.xml")) == []
