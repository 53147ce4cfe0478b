"""RSS and Atom feeds read into items with feedparser. Pure: the bytes come from the fetcher."""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import feedparser  # type: ignore[import-untyped]  # ships no type hints

from services.ingest.normalize import canonical_url, language_code, tidy_line


class FeedError(ValueError):
    """The document is not a feed."""


@dataclass(frozen=True, slots=True)
class FeedItem:
    url: str
    """the item's link, made absolute and canonical"""
    title: str | None
    published: str | None
    """YYYY-MM-DD when the feed dates the item"""
    lang: str | None
    """the feed's language, when it states one"""


def parse_feed(content: bytes, base_url: str) -> list[FeedItem]:
    """The items of a feed, oldest first, each once; items without an http(s) link skipped.

    Oldest first is the order to take them in (a story's figures then rise as they did): by
    their times when the feed dates every item, else in reverse feed order, as feeds list the
    newest first."""
    parsed: Any = feedparser.parse(
        content, response_headers={"content-location": base_url}, sanitize_html=False
    )
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
        msg = f"not a feed: {reason}"
        raise FeedError(msg)
    lang = language_code(parsed.feed.get("language"))
    items: list[FeedItem] = []
    stamps: list[float | None] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        link = _link_of(entry)
        url = canonical_url(urljoin(base_url, link)) if link else None
        if url is None or url in seen:
            continue
        seen.add(url)
        dated = entry.get("published_parsed") or entry.get("updated_parsed")
        stamps.append(calendar.timegm(dated) if dated else None)
        items.append(
            FeedItem(
                url=url,
                title=tidy_line(entry.get("title")),
                published=_day_of(dated),
                lang=language_code(entry.get("language")) or lang,
            )
        )
    order = list(range(len(items)))[::-1]
    if all(stamp is not None for stamp in stamps):
        order.sort(key=lambda n: stamps[n] or 0.0)
    return [items[n] for n in order]


def _link_of(entry: Any) -> str:
    link = entry.get("link")
    if isinstance(link, str) and link:
        return link
    for candidate in entry.get("links", []):
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            return str(candidate["href"])
    guid = entry.get("id")
    return guid if isinstance(guid, str) and entry.get("guidislink") else ""


def _day_of(value: time.struct_time | None) -> str | None:
    if value is None:
        return None
    return time.strftime("%Y-%m-%d", value)
