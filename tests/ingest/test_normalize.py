"""Normalisation tables: canonical URLs, outlets, text tidying, ids, refusals."""

from __future__ import annotations

import pytest

from schemas.article import ArticleIn
from services.ingest.normalize import (
    RefusedError,
    article_id_for,
    canonical_url,
    language_code,
    normalise,
    outlet_of,
    tidy_line,
    tidy_text,
)

CANONICAL = [
    ("utm", "https://www.example.com/a?utm_source=x&utm_medium=y", "https://www.example.com/a"),
    ("click ids", "https://ex.org/a?id=3&fbclid=Z&gclid=Q&msclkid=R", "https://ex.org/a?id=3"),
    ("fragment", "https://ex.org/a/b#comments", "https://ex.org/a/b"),
    ("host case", "HTTPS://WWW.Ex.ORG/Path/X", "https://www.ex.org/Path/X"),
    ("default port", "http://ex.org:80/a", "http://ex.org/a"),
    ("other port", "http://ex.org:8080/a", "http://ex.org:8080/a"),
    ("user info", "https://user:pw@ex.org/a", "https://ex.org/a"),
    ("sorted query", "https://ex.org/a?b=2&a=1", "https://ex.org/a?a=1&b=2"),
    ("empty path", "https://ex.org", "https://ex.org/"),
    ("blank values", "https://ex.org/a?x=&utm_campaign=c", "https://ex.org/a?x="),
    ("ipv6", "http://[::1]:8000/a", "http://[::1]:8000/a"),
    ("spaces", "  https://ex.org/a  ", "https://ex.org/a"),
    ("not http", "ftp://ex.org/a", None),
    ("relative", "/a/b", None),
    ("none", None, None),
    ("bad port", "http://ex.org:99999/a", None),
]


@pytest.mark.parametrize(("case", "url", "expected"), CANONICAL, ids=[c[0] for c in CANONICAL])
def test_canonical_url(case: str, url: str | None, expected: str | None) -> None:
    assert canonical_url(url) == expected


OUTLETS = [
    ("https://www.bbc.co.uk/news/world-1", "bbc.co.uk"),
    ("https://news.example.com.ar/x", "example.com.ar"),
    ("https://lemonde.fr/a", "lemonde.fr"),
    ("http://127.0.0.1:8000/a", "127.0.0.1"),
    ("http://localhost/a", "localhost"),
    (None, None),
    ("not a url", None),
]


@pytest.mark.parametrize(("url", "expected"), OUTLETS)
def test_outlet_of(url: str | None, expected: str | None) -> None:
    assert outlet_of(url) == expected


TIDY = [
    ("nfc", "Cafe\u0301", "Café"),
    ("crlf", "a\r\nb\rc", "a\nb\nc"),
    ("controls", "a\x00b\x07c\x1bd", "abcd"),
    ("invisible", "vio\u00adlence\u200b here\ufeff", "violence here"),
    ("blank runs", "a   b\t\tc", "a b c"),
    ("tab alone", "a\tb", "a b"),
    ("single nbsp kept", "12\u00a0000 people", "12\u00a0000 people"),
    ("line ends", "a  \nb\t\nc", "a\nb\nc"),
    ("empty lines", "a\n\n\n\n\nb", "a\n\nb"),
    ("paragraph kept", "a\n\nb", "a\n\nb"),
    ("outer blanks", "  \n a \n ", "a"),
    ("only blanks", " \t\x00\n", ""),
]


@pytest.mark.parametrize(("case", "raw", "expected"), TIDY, ids=[c[0] for c in TIDY])
def test_tidy_text(case: str, raw: str, expected: str) -> None:
    assert tidy_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  A  title\nover lines ", "A title over lines"), ("   ", None), (None, None)],
)
def test_tidy_line(raw: str | None, expected: str | None) -> None:
    assert tidy_line(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("en-GB", "en"),
        ("es_419", "es"),
        ("x", None),
        ("english!", None),
        (None, None),
        ("", None),
    ],
)
def test_language_code(raw: str | None, expected: str | None) -> None:
    assert language_code(raw) == expected


def test_given_id_is_kept() -> None:
    item = ArticleIn(id=" abc123 ", url="https://ex.org/a", text="t")
    assert article_id_for(item) == "abc123"


IDS = [
    # (first, second, same id?)
    (
        "tracking only",
        ArticleIn(url="https://ex.org/a?utm_source=x", text="one"),
        ArticleIn(url="https://EX.org/a#top", text="two"),
        True,
    ),
    (
        "other url",
        ArticleIn(url="https://ex.org/a", text="one"),
        ArticleIn(url="https://ex.org/b", text="one"),
        False,
    ),
    ("text blanks", ArticleIn(text="Same  words\nhere"), ArticleIn(text="same words here"), True),
    ("other text", ArticleIn(text="some words"), ArticleIn(text="other words"), False),
]


@pytest.mark.parametrize(("case", "first", "second", "same"), IDS, ids=[c[0] for c in IDS])
def test_derived_ids(case: str, first: ArticleIn, second: ArticleIn, same: bool) -> None:
    one, two = article_id_for(first), article_id_for(second)
    assert len(one) == 16
    assert (one == two) is same


def test_normalise_fills_every_field() -> None:
    item = ArticleIn(
        url="https://www.example.org/world/story?utm_source=feed#x",
        published="2024-06-25T18:00:00Z",
        lang="en-US",
        title="  A   title ",
        text="  First line.  \r\n\r\n\r\nSecond\x00 line.  ",
    )
    article = normalise(item, ingested_at=12.5, max_text_chars=1000)
    assert article.url == "https://www.example.org/world/story"
    assert article.outlet == "example.org"
    assert article.published == "2024-06-25"
    assert article.lang == "en"
    assert article.title == "A title"
    assert article.text == "First line.\n\nSecond line."
    assert article.id == article_id_for(item)
    assert article.ingested_at == 12.5
    assert article.duplicate_of is None


def test_normalise_keeps_given_outlet() -> None:
    item = ArticleIn(url="https://www.example.org/a", outlet=" The Example ", text="x")
    assert normalise(item, ingested_at=0, max_text_chars=10).outlet == "The Example"


@pytest.mark.parametrize(
    ("text", "max_chars", "field"),
    [(" \x00\t\n ", 100, "nothing left"), ("x" * 101, 100, "101 characters")],
)
def test_normalise_refuses(text: str, max_chars: int, field: str) -> None:
    with pytest.raises(RefusedError, match=field):
        normalise(ArticleIn(text=text), ingested_at=0, max_text_chars=max_chars)
