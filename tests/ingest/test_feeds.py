"""Feed parsing tables: RSS 2.0, Atom, relative links, dates, languages, refusals."""

from __future__ import annotations

import pytest

from services.ingest.feeds import FeedError, FeedItem, parse_feed

BASE = "https://news.example.org/feeds/world.xml"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>World</title><language>fr-FR</language>
<item><title> First  item </title><link>https://news.example.org/a?utm_source=rss</link>
<pubDate>Thu, 06 Jan 2022 10:00:00 +0000</pubDate></item>
<item><title>Second</title><link>/b#top</link></item>
<item><title>Repeat of first</title><link>https://news.example.org/a</link></item>
<item><title>No link</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="es"><title>Noticias</title>
<id>urn:x</id><updated>2019-10-19T12:00:00Z</updated>
<entry><title>Uno</title><id>urn:1</id><link rel="alternate" href="https://ex.cl/uno"/>
<updated>2019-10-19T08:00:00Z</updated></entry>
<entry><title>Dos</title><id>urn:2</id><link rel="enclosure" href="https://ex.cl/dos.mp3"/>
<link rel="alternate" href="https://ex.cl/dos"/><published>2019-10-20T08:00:00Z</published>
</entry></feed>"""

NEWEST_FIRST = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Curfew</title><link>https://news.example.org/3</link>
<pubDate>Tue, 04 Jun 2024 07:00:00 +0000</pubDate></item>
<item><title>Toll 4</title><link>https://news.example.org/1</link>
<pubDate>Mon, 03 Jun 2024 09:00:00 +0000</pubDate></item>
<item><title>Toll 11</title><link>https://news.example.org/2</link>
<pubDate>Mon, 03 Jun 2024 18:30:00 +0200</pubDate></item>
</channel></rss>"""

CASES = [
    (
        "rss",
        RSS,
        [  # not every item dated: reverse feed order (feeds list the newest first)
            FeedItem("https://news.example.org/b", "Second", None, "fr"),
            FeedItem("https://news.example.org/a", "First item", "2022-01-06", "fr"),
        ],
    ),
    (
        "rss, newest first",
        NEWEST_FIRST,
        [
            FeedItem("https://news.example.org/1", "Toll 4", "2024-06-03", None),
            FeedItem("https://news.example.org/2", "Toll 11", "2024-06-03", None),
            FeedItem("https://news.example.org/3", "Curfew", "2024-06-04", None),
        ],
    ),
    (
        "atom",
        ATOM,
        [
            FeedItem("https://ex.cl/uno", "Uno", "2019-10-19", "es"),
            FeedItem("https://ex.cl/dos", "Dos", "2019-10-20", "es"),
        ],
    ),
    ("empty channel", b"<rss version='2.0'><channel><title>t</title></channel></rss>", []),
]


@pytest.mark.parametrize(("case", "content", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parse_feed(case: str, content: bytes, expected: list[FeedItem]) -> None:
    assert parse_feed(content, BASE) == expected


@pytest.mark.parametrize(
    "content",
    [b"<html><body><p>Just a page</p></body></html>", b"not xml at all", b""],
)
def test_not_a_feed(content: bytes) -> None:
    with pytest.raises(FeedError, match="not a feed"):
        parse_feed(content, BASE)


def test_a_url_string_is_never_fetched() -> None:
    # feedparser fetches a str that looks like a URL; we only ever hand it bytes.
    with pytest.raises(FeedError):
        parse_feed(b"http://127.0.0.1:1/feed.xml", BASE)
