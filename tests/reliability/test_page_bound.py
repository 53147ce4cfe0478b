"""A pathological page cannot stall ingest: page text extraction is capped in size and time."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from services.common.settings import IngestSettings
from services.ingest.pages import PageError, PageReader, extract_page

WORDS = "Officials said the committee met again on Tuesday to discuss the plan in detail."


def article_page(paragraphs: int) -> str:
    body = "".join(f"<p>{WORDS} Paragraph {i}.</p>" for i in range(paragraphs))
    head = "<head><title>T</title></head>"
    return f"<html lang='en'>{head}<body><article>{body}</article></body></html>"


def slow_page() -> str:
    """Many short paragraphs: trafilatura spends tens of seconds on a few megabytes of them."""
    return "<html><body>" + "<p>a b c d e f</p>" * 250_000 + "</body></html>"


@pytest.fixture
def bounded() -> Iterator[PageReader]:
    cfg = IngestSettings(page_min_words=25, page_timeout_s=3.0, page_max_bytes=8 * 1024 * 1024)
    pages = PageReader(cfg)
    yield pages
    pages.close()


def test_pure_extraction_refuses_a_page_over_the_size_cap() -> None:
    with pytest.raises(PageError, match="more than the 1024"):
        extract_page(article_page(50), "https://ex.org/a", 25, max_bytes=1024)


def test_reader_reads_a_normal_page_in_its_child(bounded: PageReader) -> None:
    page = bounded.read(article_page(20).encode(), "https://ex.org/a")
    assert "Paragraph 19" in page.text
    assert page.lang == "en"


def test_reader_refuses_a_page_over_the_size_cap_without_reading_it() -> None:
    cfg = IngestSettings(page_max_bytes=4096)
    pages = PageReader(cfg)
    try:
        started = time.monotonic()
        with pytest.raises(PageError, match="more than the 4096"):
            pages.read(slow_page(), "https://ex.org/big")
        assert time.monotonic() - started < 0.5
    finally:
        pages.close()


def test_reader_stops_a_slow_page_at_the_bound_and_reads_the_next(bounded: PageReader) -> None:
    bounded.read(article_page(3), "https://ex.org/warm")  # the child's start is not timed
    started = time.monotonic()
    with pytest.raises(PageError, match=r"took more than 3 s"):
        bounded.read(slow_page(), "https://ex.org/slow")
    assert time.monotonic() - started < 3.0 + 2.0
    page = bounded.read(article_page(5), "https://ex.org/next")  # a fresh child
    assert "Paragraph 4" in page.text


def test_reader_reports_a_page_without_text(bounded: PageReader) -> None:
    with pytest.raises(PageError, match="no article text"):
        bounded.read("<html><body><nav>Home</nav></body></html>", "https://ex.org/")


async def test_async_read_runs_beside_the_event_loop(bounded: PageReader) -> None:
    page = await bounded.aread(article_page(10), "https://ex.org/a")
    assert "Paragraph 9" in page.text
