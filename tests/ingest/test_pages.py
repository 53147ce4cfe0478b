"""Page extraction: main text and metadata from made-up HTML, boilerplate left out."""

from __future__ import annotations

import pytest

from services.ingest.pages import PageError, extract_page
from tests.ingest.texts import story


def page(body_text: str, *, lang: str = "en", date: str | None = "2024-06-25") -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body_text.split("\n\n"))
    meta = f'<meta property="article:published_time" content="{date}T10:00:00Z">' if date else ""
    return (
        f'<!doctype html><html lang="{lang}"><head><title>Site | Headline</title>'
        f'<meta property="og:title" content="The headline">{meta}</head><body>'
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> Subscribe now</nav>"
        f"<article><h1>The headline</h1>{paragraphs}</article>"
        "<footer>All rights reserved. Cookie settings.</footer></body></html>"
    ).encode()


def test_extracts_text_and_metadata() -> None:
    text = story(4)
    got = extract_page(page(text), "https://news.example.org/a", 25)
    assert got.title == "The headline"
    assert got.published == "2024-06-25"
    assert got.lang == "en"
    first_paragraph = text.split("\n\n")[0]
    assert first_paragraph in got.text
    assert "Subscribe now" not in got.text
    assert "Cookie settings" not in got.text


@pytest.mark.parametrize(("declared", "expected"), [("fr-FR", "fr"), ("es", "es"), ("", None)])
def test_language_from_the_document(declared: str, expected: str | None) -> None:
    got = extract_page(page(story(5), lang=declared), "https://ex.org/a")
    assert got.lang == expected


def test_page_without_article_text_is_refused() -> None:
    with pytest.raises(PageError, match="no article text"):
        extract_page(b"<html><body><nav>Home</nav></body></html>", "https://ex.org/", 25)
