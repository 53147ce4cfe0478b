"""Extraction in child processes: the event loop never blocks, and no article can stall it.

`ExtractionPool` keeps `extract.processes` children (one per core by default), each loading
the lexicons once when it starts (see child.py). An article that takes longer than
`extract.timeout_s` is abandoned (`ExtractionTimeoutError`) and its child killed and replaced;
a child that dies on an article raises `ExtractionCrashedError` and is replaced too. Articles
and facts cross the pipe as JSON.

`extract_all` cuts a batch of articles into one part per child, and each part into runs of
up to `extract.run_chars` characters, each run sent and answered in one message: a wake-up of
the worker per run, not per article (the pipe's round trips cost about as much as extracting
a short article). A batch that fits in one run goes to one child whole: under load, splitting
small batches doubled the round trips for little gain in latency. A run that takes longer than
the time bound, or whose child dies, is done again one article at a time, so that only the
article at fault fails.

`InProcessExtraction` is the same interface without children (`extract.processes = 0`):
extraction then blocks the loop and has no time bound.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import weakref
from collections.abc import Awaitable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Protocol

import orjson
import structlog

from schemas.article import Article
from schemas.facts import ArticleFacts
from services.common.settings import ExtractSettings
from services.extract.child import LogConfig, serve
from services.extract.pipeline import Extractor

log = structlog.get_logger(__name__)


class ExtractionError(RuntimeError):
    """The article could not be extracted in a child process."""


class ExtractionTimeoutError(ExtractionError):
    """The article took longer than the time bound: it was abandoned."""


class ExtractionCrashedError(ExtractionError):
    """The child process died on the article."""


class Extraction(Protocol):
    @property
    def concurrency(self) -> int:
        """How many articles it extracts at once."""
        ...

    async def extract(self, article: Article) -> ArticleFacts: ...

    async def extract_all(
        self, articles: Sequence[Article]
    ) -> list[ArticleFacts | ExtractionError]: ...

    def close(self) -> None: ...


class InProcessExtraction:
    concurrency = 1

    def __init__(self, extractor: Extractor) -> None:
        self._extractor = extractor

    async def extract(self, article: Article) -> ArticleFacts:
        return self._extractor.extract(article)

    async def extract_all(
        self, articles: Sequence[Article]
    ) -> list[ArticleFacts | ExtractionError]:
        out: list[ArticleFacts | ExtractionError] = []
        for article in articles:
            try:
                out.append(self._extractor.extract(article))
            except Exception as exc:
                out.append(ExtractionError(f"{type(exc).__name__}: {exc}"))
        return out

    def close(self) -> None:
        return


def pool_size(settings: ExtractSettings) -> int:
    """Children to run: `processes`, or one per core when it is not set."""
    if settings.processes is not None:
        return settings.processes
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return len(cores) if cores else os.cpu_count() or 1


class _Child:
    """One extraction process and our end of its pipe."""

    def __init__(self, settings: ExtractSettings, logs: LogConfig) -> None:
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        self.process: BaseProcess = ctx.Process(
            target=serve, args=(theirs, settings.model_dump_json(), logs), name="extraction",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self.conn: Connection = ours
        self.ready = False
        self._waiter: asyncio.Future[None] | None = None
        self._watched: asyncio.AbstractEventLoop | None = None

    def _readable(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        elif self._waiter is None and self._watched is not None:
            # readable with no call waiting: the child ended; stop watching (no busy loop)
            self._watched.remove_reader(self.conn.fileno())
            self._watched = None

    async def call(self, request: bytes, timeout: float | None) -> bytes:
        """Send `request`, wait up to `timeout` for the answer (None: no bound)."""
        loop = asyncio.get_running_loop()
        if self._watched is not loop:  # the pipe stays watched between calls
            loop.add_reader(self.conn.fileno(), self._readable)
            self._watched = loop
        self._waiter = loop.create_future()
        try:
            self.conn.send_bytes(request)
            async with asyncio.timeout(timeout):
                await self._waiter
            return self.conn.recv_bytes()
        finally:
            self._waiter = None

    def kill(self) -> None:
        if self._watched is not None and not self._watched.is_closed():
            self._watched.remove_reader(self.conn.fileno())
        self._watched = None
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class ExtractionPool:
    """Children that extract one article each at a time; see the module doc."""

    def __init__(self, settings: ExtractSettings, size: int, logs: LogConfig = ("INFO", None),
                 start_timeout_s: float = 120.0) -> None:
        self._settings = settings
        self._logs = logs
        self._size = max(1, size)
        self._timeout = settings.timeout_s
        self._start_timeout = start_timeout_s
        self._idle: asyncio.LifoQueue[_Child] | None = None
        self._children: list[_Child] = []

    @property
    def concurrency(self) -> int:
        return self._size

    def pids(self) -> list[int]:
        """The children's process ids."""
        return [child.process.pid or 0 for child in self._children]

    def start(self) -> None:
        """Spawn the children now (they load the lexicons while the worker starts); they are
        killed with the pool, or when the worker exits."""
        if not self._children:
            self._children = [_Child(self._settings, self._logs) for _ in range(self._size)]
            weakref.finalize(self, _kill_all, self._children)

    async def extract(self, article: Article) -> ArticleFacts:
        answer = await self._call(article.model_dump_json().encode(), len(article.text))
        if answer.startswith(b"!"):
            raise ExtractionError(answer[1:].decode(errors="replace"))
        return ArticleFacts.model_validate_json(answer)

    async def extract_all(
        self, articles: Sequence[Article]
    ) -> list[ArticleFacts | ExtractionError]:
        """Each article's facts, or the error that stopped it, in order (see the module doc)."""
        runs = plan_runs(articles, self._size, self._settings.run_chars)
        done = await asyncio.gather(*(self._run(run) for run in runs))
        return [result for run in done for result in run]

    async def _run(self, run: Sequence[Article]) -> list[ArticleFacts | ExtractionError]:
        if len(run) == 1:
            return [await _caught(self.extract(run[0]))]
        request = b"[" + b",".join(a.model_dump_json().encode() for a in run) + b"]"
        try:
            answers = orjson.loads(await self._call(request, sum(len(a.text or "") for a in run)))
        except ExtractionError:
            # the child was killed or died: again one by one, so that only the article at
            # fault fails (each then has the whole time bound)
            return [await _caught(self.extract(article)) for article in run]
        return [
            ExtractionError(answer[1:]) if isinstance(answer, str)
            else ArticleFacts.model_validate(answer)
            for answer in answers
        ]

    async def _call(self, request: bytes, chars: int) -> bytes:
        """One request to an idle child, its answer within the time bound."""
        idle = await self._queue()
        child = await idle.get()
        if not child.process.is_alive():  # died while idle: no article's fault
            child = self._replace(child)
        answered = False
        try:
            if not child.ready:
                await child.call(b"", self._start_timeout)  # its "ready"
                child.ready = True
            answer = await child.call(request, self._timeout)
            answered = True
        except TimeoutError as exc:
            log.warning("extraction_abandoned", timeout_s=self._timeout, chars=chars)
            msg = f"extraction took more than {self._timeout:g} s: abandoned"
            raise ExtractionTimeoutError(msg) from exc
        except (EOFError, OSError) as exc:
            msg = f"the extraction process died on this article ({type(exc).__name__})"
            raise ExtractionCrashedError(msg) from exc
        finally:
            # a child left busy (timed out, dead, or cancelled mid-article) is not reused
            idle.put_nowait(child if answered else self._replace(child))
        return answer

    def close(self) -> None:
        _kill_all(self._children)
        self._children.clear()
        self._idle = None

    async def _queue(self) -> asyncio.LifoQueue[_Child]:
        """Idle children, the last one back first: one article at a time keeps one child
        busy (and its caches warm)."""
        if self._idle is None:
            self.start()
            self._idle = asyncio.LifoQueue()
            for child in self._children:
                self._idle.put_nowait(child)
        return self._idle

    def _replace(self, child: _Child) -> _Child:
        child.kill()
        fresh = _Child(self._settings, self._logs)
        self._children[:] = [fresh if c is child else c for c in self._children]
        return fresh


def _kill_all(children: list[_Child]) -> None:
    for child in children:
        child.kill()


def plan_runs(
    articles: Sequence[Article], children: int, chars: int
) -> list[Sequence[Article]]:
    """The runs a batch is sent in: one part per child (as many as the batch's text needs
    runs of `chars`, so a batch that fits in one run stays whole), each cut into runs."""
    needed = -(-sum(len(a.text or "") for a in articles) // chars)
    parts = max(1, min(children, needed))
    return [run for part in _cut(articles, parts) for run in _runs(part, chars)]


def _cut(articles: Sequence[Article], parts: int) -> list[Sequence[Article]]:
    """`articles` in `parts` consecutive runs of nearly equal length."""
    size, extra = divmod(len(articles), parts)
    runs, start = [], 0
    for n in range(parts):
        end = start + size + (1 if n < extra else 0)
        runs.append(articles[start:end])
        start = end
    return runs


def _runs(articles: Sequence[Article], chars: int) -> list[Sequence[Article]]:
    """`articles` in consecutive runs of at most `chars` characters of text (at least one
    article each)."""
    runs: list[Sequence[Article]] = []
    start, total = 0, 0
    for n, article in enumerate(articles):
        size = len(article.text or "")
        if n > start and total + size > chars:
            runs.append(articles[start:n])
            start, total = n, 0
        total += size
    if start < len(articles):
        runs.append(articles[start:])
    return runs


async def _caught(
    pending: Awaitable[ArticleFacts],
) -> ArticleFacts | ExtractionError:
    try:
        return await pending
    except ExtractionError as exc:
        return exc
