"""End to end in a real browser: the three workers on real Redis, a dev story replayed, the
dashboard served by `tocsin web`, and Debian's headless Chromium driven by Playwright.

It opens the story page, sees the charts and the feed, replays one more article (written
here, not taken from the corpus) and sees its alert arrive without a reload. It runs on the
smallest dev story of ../shared/corpus, and on the demo's fictional sample story, which is
always there and is what the README's screenshot shows (docs/dashboard.png is a copy of
tests/artifacts/dashboard-demo.png: no corpus text goes into the project). Screenshots go
to tests/artifacts/. Chromium is the Debian package (`apt-get install -y chromium`); Playwright
never downloads a browser here.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from benchmarks.procs import WorkerProcs
from schemas.article import ArticleIn
from services.alert.state import RedisStories
from services.common.settings import Settings
from services.demo.run import sample_story
from services.replay import replay
from tests.conftest import ROOT, corpus_dir, dev_stories

pytestmark = [pytest.mark.redis, pytest.mark.e2e]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[WorkerProcs]:
    procs = WorkerProcs(settings.redis_url, settings.stream_prefix, tmp_path)
    procs.start_all()
    yield procs
    procs.stop_all()


@pytest.fixture
async def dashboard(settings: Settings, workers: WorkerProcs, tmp_path: Path
                    ) -> AsyncIterator[str]:
    """`tocsin web` on a free port; yields its base URL."""
    port = _free_port()
    log = (tmp_path / "web.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "web", "--port", str(port)],
        env={**workers.env(), "TOCSIN_LOG_LEVEL": "INFO"}, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(200):
                try:
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail(f"tocsin web did not answer:\n{(tmp_path / 'web.log').read_text()}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def _smallest_dev_story() -> Path:
    corpus_dir()
    stories = dev_stories()
    if not stories:
        pytest.skip("the shared corpus has no dev story")
    return min(stories, key=lambda p: (p / "articles.jsonl").stat().st_size)


def _articles(source: str) -> list[ArticleIn]:
    if source == "demo":
        return sample_story()
    path = _smallest_dev_story() / "articles.jsonl"
    return [ArticleIn.model_validate_json(line)
            for line in path.read_text("utf-8").splitlines() if line.strip()]


def _one_more(figure: int, day: str | None) -> ArticleIn:
    """An article of ours that raises the story's death toll; it names no country, so it
    joins the story that received the last article."""
    return ArticleIn(
        id="web-e2e-one-more", url="https://news.example/dashboard-e2e", lang="en",
        outlet="Example Wire", published=day,
        text=(f"Officials said that at least {figure} people have been killed in the unrest. "
              "Hospitals reported that they were overwhelmed and asked for blood donations. "
              "Rights groups called for an independent inquiry into the use of force."),
    )


@dataclass
class Replayed:
    story_id: str
    last_day: str | None
    alerts: int
    top_killed: int


async def _replay_story(source: str, settings: Settings, redis: Redis,
                        workers: WorkerProcs) -> Replayed:
    try:
        done = await replay(redis, settings, _articles(source), timeout=120)
    except Exception:
        print(workers.logs())
        raise
    assert done.alerts, f"the {source} story raised no alert"
    story_id = done.alerts[-1].story_id
    state = await RedisStories(redis, settings).story(story_id)
    assert state is not None
    return Replayed(
        story_id=story_id, last_day=state.last_day,
        alerts=sum(1 for a in done.alerts if a.story_id == story_id),
        top_killed=max((f.min for f in state.figures.values() if f.category == "killed"),
                       default=0),
    )


async def _open_story(page: Any, dashboard: str, story: Replayed) -> None:
    """From the list to the story page: its charts and its feed, as served, and live."""
    await page.goto(f"{dashboard}/")
    await page.locator(f'tr[data-story="{story.story_id}"] a').click()
    await page.wait_for_url(f"{dashboard}/stories/{story.story_id}")
    charts = page.locator("svg.chart.figures")
    await charts.first.wait_for(state="visible")
    assert await page.locator("svg.chart.figures [class^='m ']").count() >= 1
    assert await page.locator("#feed > li.alert").count() == story.alerts
    await page.locator("#live-status", has_text="Live").wait_for(timeout=30_000)


async def _one_more_arrives(page: Any, settings: Settings, redis: Redis,
                            story: Replayed) -> None:
    """One more article: its alert tops the feed and the charts follow, without a reload."""
    await page.evaluate("window.__notReloaded = true")
    figure = story.top_killed + 7
    more = await replay(redis, settings, [_one_more(figure, story.last_day)], timeout=60)
    (raised,) = [a for a in more.alerts if a.category == "killed"]
    assert raised.story_id == story.story_id
    item = page.locator(f"#alert-{raised.id}")
    await item.wait_for(state="visible", timeout=30_000)
    feed = page.locator("#feed > li.alert")
    assert await feed.first.get_attribute("id") == f"alert-{raised.id}"
    assert f"at least {figure:,}" in await item.inner_text()
    assert await feed.count() == story.alerts + len(more.alerts)
    legend = page.locator("#figure-killed figcaption", has_text=f"{figure:,}")
    await legend.wait_for(timeout=30_000)
    assert await page.evaluate("window.__notReloaded") is True


async def _keyboard_and_phone(page: Any, source: str) -> None:
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
    # on a phone nothing is wider than the screen (the charts scroll in their own boxes)
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.screenshot(path=str(ARTIFACTS / f"dashboard-{source}-phone.png"))


@pytest.mark.parametrize("source", [
    pytest.param("dev", marks=pytest.mark.corpus, id="dev-story"),
    pytest.param("demo", id="demo-story"),
])
async def test_a_story_page_shows_charts_and_feed_and_a_new_alert_arrives_live(
    source: str, settings: Settings, redis: Redis, workers: WorkerProcs, dashboard: str
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's package "
                    "(apt-get install -y chromium) to run the browser test")
    playwright_api = pytest.importorskip("playwright.async_api")
    story = await _replay_story(source, settings, redis, workers)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    outside: list[str] = []
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 1000})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: None if r.url.startswith(dashboard)
                    else outside.append(r.url))
            await _open_story(page, dashboard, story)
            await _one_more_arrives(page, settings, redis, story)
            await page.wait_for_timeout(2600)  # the new item's highlight has faded
            await page.screenshot(path=str(ARTIFACTS / f"dashboard-{source}.png"), full_page=True,
                                  clip={"x": 0, "y": 0, "width": 1200, "height": 2000})
            await page.screenshot(path=str(ARTIFACTS / f"dashboard-{source}-full.png"),
                                  full_page=True)
            await _keyboard_and_phone(page, source)
        except Exception:
            print(workers.logs())  # the workers' and the dashboard's (web.log)
            raise
        finally:
            await browser.close()
    assert not problems, problems
    assert not outside, f"the page reached outside the dashboard: {outside}"
