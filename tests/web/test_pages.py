"""The dashboard's pages over real Redis (stories written by the alert worker's code path)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from services.common.settings import Settings
from services.web.app import create_web_app
from tests.web.seed import OLD_STORY, STORY, seed

pytestmark = pytest.mark.redis

STATIC = Path(__file__).resolve().parents[2] / "services" / "web"


@pytest.fixture
async def client(redis: Redis, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    await seed(redis, settings)
    app = create_web_app(settings, redis)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://dash.test") as http:
        yield http


class Resources(HTMLParser):
    """Every address the page loads (scripts, styles, icons, images)."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("script", "img") and found.get("src"):
            self.loaded.append(found["src"] or "")
        if tag == "link" and found.get("href"):
            self.loaded.append(found["href"] or "")


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-story="([^"]+)"', html)


async def test_the_list_shows_open_stories_with_figures_measures_and_recent_alerts(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert _rows(page.text) == [STORY]
    row = page.text[page.text.index(f'data-story="{STORY}"'):]
    row = row[:row.index("</tr>")]
    assert "<strong>12</strong>" in row
    assert "<strong>40</strong>" in row
    assert "protesters" in row
    assert "Curfew (partial)" in row
    assert "Internet shutdown" in row
    assert re.search(r'data-label="Alerts, 24 h">6</td>', row)


async def test_closed_stories_are_listed_on_request(client: httpx.AsyncClient) -> None:
    page = await client.get("/", params={"all": "1"})
    assert _rows(page.text) == [STORY, OLD_STORY]
    assert "closed" in page.text


async def test_the_story_page_has_charts_bands_and_the_feed_newest_first(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(f"/stories/{STORY}")
    assert page.status_code == 200
    html = page.text
    assert html.count('role="img"') == 3  # killed, arrested, measures
    assert 'data-category="killed"' in html
    assert 'data-category="arrested"' in html
    assert 'class="chart bands"' in html
    feed = re.findall(r'<li class="alert [a-z_]+" id="alert-(al_[0-9a-f]+)"', html)
    assert len(feed) == 6
    headlines = re.findall(r"<h3>([^<]+)</h3>", html)
    assert headlines[0].startswith("Internet shutdown: in force")
    assert headlines[-1] == "Killed, people: at least 5"
    assert "Killed, people: 12 (was at least 5)" in headlines
    assert "Curfew: partial (was in force)" in headlines


async def test_the_feed_gives_quote_outlet_and_only_safe_links(client: httpx.AsyncClient) -> None:
    html = (await client.get(f"/stories/{STORY}")).text
    assert "12 &lt;b&gt;people&lt;/b&gt; died" in html
    assert "<b>people</b>" not in html
    assert "Example News" in html
    assert 'href="https://news.example/new-1"' in html
    assert "javascript:" not in html


async def test_the_charts_have_text_alternatives(client: httpx.AsyncClient) -> None:
    html = (await client.get(f"/stories/{STORY}")).text
    assert "<summary>Figures as a table</summary>" in html
    assert re.search(r"<desc id=\"chart-killed-desc\">people: at least 5 on 2024-03-01, "
                     r"12 on 2024-03-03\.</desc>", html)
    assert '<table class="measures">' in html


async def test_the_page_loads_only_its_own_assets(client: httpx.AsyncClient) -> None:
    for path in ("/", f"/stories/{STORY}"):
        page = await client.get(path)
        parser = Resources()
        parser.feed(page.text)
        assert parser.loaded, path
        assert all(src.startswith("/static/") for src in parser.loaded), parser.loaded
        assert "default-src 'self'" in page.headers["content-security-policy"]
        for src in parser.loaded:
            asset = await client.get(src)
            assert asset.status_code == 200, src


def test_the_shipped_assets_reach_nothing_outside() -> None:
    for path in [*STATIC.joinpath("static").iterdir(), *STATIC.joinpath("templates").iterdir()]:
        text = path.read_text("utf-8")
        outside = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text)
        assert outside in ([], ["http://www.w3.org"]), (path.name, outside)
        assert "@import" not in text, path.name


async def test_fragments_refresh_without_the_page_around_them(client: httpx.AsyncClient) -> None:
    stories = await client.get("/partials/stories")
    timeline = await client.get(f"/stories/{STORY}/partials/timeline")
    for fragment in (stories, timeline):
        assert fragment.status_code == 200
        assert "<html" not in fragment.text
    assert _rows(stories.text) == [STORY]
    assert 'data-category="killed"' in timeline.text


async def test_an_unknown_story_is_a_404_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/stories/nowhere-2020-01-01")
    assert page.status_code == 404
    assert "No story nowhere-2020-01-01" in page.text
    assert (await client.get("/stories/nowhere/partials/timeline")).status_code == 404


async def test_health_answers_when_redis_does(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"ok": True}


async def test_an_empty_service_says_how_to_feed_it(redis: Redis, settings: Settings) -> None:
    transport = httpx.ASGITransport(app=create_web_app(settings, redis))
    async with httpx.AsyncClient(transport=transport, base_url="http://dash.test") as http:
        page = await http.get("/")
    assert page.status_code == 200
    assert "No open story yet" in page.text
