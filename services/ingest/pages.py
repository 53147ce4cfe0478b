"""Article pages: main text and metadata extracted by trafilatura. No fetching here.

`extract_page` is pure. `PageReader` runs it in a child process of its own under a hard time
bound: trafilatura is Python over lxml and a pathological page can take minutes, a thread
cannot be stopped, a process can.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import lxml.html  # type: ignore[import-untyped]  # lxml ships no type hints
import structlog
import trafilatura
from lxml.etree import ParserError  # type: ignore[import-untyped]
from trafilatura.settings import Document

from services.common.settings import IngestSettings
from services.ingest.normalize import language_code, tidy_line, tidy_text

log = structlog.get_logger(__name__)


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


def extract_page(
    html: bytes | str, url: str, min_words: int = 1, max_bytes: int | None = None
) -> Page:
    """The page's main text and metadata; `PageError` if it has fewer than `min_words` words
    or is longer than `max_bytes` (characters, for a str)."""
    if max_bytes is not None and len(html) > max_bytes:
        msg = f"page of {len(html)} bytes, more than the {max_bytes} read"
        raise PageError(msg)
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


class PageReader:
    """`extract_page` in a child process, stopped (and replaced) past `page_timeout_s`.

    The child starts on first use; pages are read one at a time. `read` blocks (call it from a
    thread, or use `aread`); a page that is too big, too slow, or that kills the child raises
    `PageError` with the reason, and the next page gets a fresh child.
    """

    def __init__(self, cfg: IngestSettings, start_timeout_s: float = 120.0) -> None:
        self._min_words = cfg.page_min_words
        self._max_bytes = cfg.page_max_bytes
        self._timeout = cfg.page_timeout_s
        self._start_timeout = start_timeout_s
        self._lock = threading.Lock()
        self._child: BaseProcess | None = None
        self._conn: Connection | None = None

    async def aread(self, html: bytes | str, url: str) -> Page:
        return await asyncio.to_thread(self.read, html, url)

    def read(self, html: bytes | str, url: str) -> Page:
        if len(html) > self._max_bytes:
            msg = f"page of {len(html)} bytes, more than the {self._max_bytes} read"
            raise PageError(msg)
        with self._lock:
            conn = self._started()
            conn.send((html, url, self._min_words))
            if not conn.poll(self._timeout):
                self._stop()
                log.warning("page_reading_stopped", url=url, timeout_s=self._timeout)
                msg = f"reading the page's text took more than {self._timeout:g} s"
                raise PageError(msg)
            try:
                kind, value = conn.recv()
            except (EOFError, OSError) as exc:
                self._stop()
                msg = "the page reader process died on this page"
                raise PageError(msg) from exc
        if kind == "page" and isinstance(value, Page):
            return value
        raise PageError(str(value))

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _started(self) -> Connection:
        if self._child is not None and self._conn is not None and self._child.is_alive():
            return self._conn
        self._stop()
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        child = ctx.Process(target=_serve, args=(theirs,), name="page-reader", daemon=True)
        child.start()
        theirs.close()
        self._child, self._conn = child, ours
        if not ours.poll(self._start_timeout):
            self._stop()
            msg = "the page reader process did not start"
            raise PageError(msg)
        ours.recv()  # "ready"
        return ours

    def _stop(self) -> None:
        if self._child is not None and self._child.is_alive():
            self._child.kill()
            self._child.join(5)
        if self._conn is not None:
            self._conn.close()
        self._child = self._conn = None


def _serve(conn: Connection) -> None:
    """The child's loop: one page in, a ("page", Page) or ("error", reason) out."""
    # trafilatura loads parts of itself on first use: not on the first page's time
    with contextlib.suppress(PageError):
        extract_page("<html><body><p>-</p></body></html>", "https://localhost/")
    conn.send(("ready", None))
    while True:
        try:
            html, url, min_words = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("page", extract_page(html, url, min_words)))
        except PageError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:  # a parser's bug on one page must not end the reader
            conn.send(("error", f"the page could not be read: {type(exc).__name__}: {exc}"))
