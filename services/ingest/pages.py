"""Article pages: main text and metadata extracted by trafilatura. Pure: no fetching here."""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html  # type: ignore[import-untyped]  # lxml ships no type hints
import trafilatura
from lxml.etree import ParserError  # type: ignore[import-untyped]
from trafilatura.settings import Document

from services.ingest.normalize import language_code, tidy_line, tidy_text


class PageError(ValueError):
    """No article text could be found in the page."""


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    title: str | None
    published: str | None
    """YYYY-MM-DD as the page states it"""
    lang: str | None
    """from the document's declared language"""


def extract_page(html: bytes | str, url: str, min_words: int = 1) -> Page:
    """The page's main text and metadata; `PageError` if it has fewer than `min_words` words."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        include_links=False,
    )
    text = tidy_text(document.text or "") if isinstance(document, Document) else ""
    if not isinstance(document, Document) or len(text.split()) < min_words:
        msg = f"no article text found in the page (fewer than {min_words} words)"
        raise PageError(msg)
    published = document.date if isinstance(document.date, str) and document.date else None
    return Page(
        text=text,
        title=tidy_line(document.title),
        published=published[:10] if published else None,
        lang=language_code(document.language) or _declared_language(html),
    )


def _declared_language(html: bytes | str) -> str | None:
    """The `lang` of the root element, as the page declares it (trafilatura leaves it out)."""
    try:
        root = lxml.html.fromstring(html)
    except (ParserError, ValueError):
        return None
    value = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    return language_code(value)
