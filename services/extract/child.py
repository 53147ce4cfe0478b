"""An extraction process's side of the pipe (see executor.py).

A request is one article's JSON, or a JSON array of articles (a run); the answer is the
article's facts as JSON (or "!" and the error), or for a run a JSON array holding, in order,
each article's facts or a string: "!" and its error. An empty request asks for "ready" once
the lexicons are loaded.
"""

from __future__ import annotations

import contextlib
import signal
from multiprocessing.connection import Connection
from typing import Any

import orjson

from schemas.article import Article
from services.common.logging import configure_logging
from services.common.settings import ExtractSettings
from services.extract.pipeline import Extractor

LogConfig = tuple[str, bool | None]
"""the worker's log level and JSON choice, for the children's own log lines"""

_WARM_TEXT = "Police said 3 people were injured on Monday."


def answer(extractor: Extractor, raw: bytes | dict[str, Any]) -> bytes:
    """The facts' JSON of an article (its JSON, or parsed), or "!" and the error: one
    article's bug must not end the process."""
    try:
        article = (Article.model_validate_json(raw) if isinstance(raw, bytes)
                   else Article.model_validate(raw))
        return extractor.extract(article).model_dump_json().encode()
    except Exception as exc:
        return f"!{type(exc).__name__}: {exc}"[:2000].encode()


def answer_run(extractor: Extractor, request: bytes) -> bytes:
    """A run's answers in one JSON array (an error as a JSON string)."""
    parts = []
    for item in orjson.loads(request):
        got = answer(extractor, item)
        parts.append(orjson.dumps(got.decode()) if got.startswith(b"!") else got)
    return b"[" + b",".join(parts) + b"]"


def serve(conn: Connection, settings_json: str, logs: LogConfig) -> None:
    """The child's loop, until its pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's to handle
    configure_logging(*logs)
    extractor = Extractor(ExtractSettings.model_validate_json(settings_json))
    with contextlib.suppress(Exception):  # warm the caches on a throwaway article
        extractor.extract(Article(id="warm", text=_WARM_TEXT, lang="en", ingested_at=0.0))
    with contextlib.suppress(EOFError, OSError):
        if conn.recv_bytes() == b"":
            conn.send_bytes(b"ready")
        while True:
            request = conn.recv_bytes()
            if request.startswith(b"["):
                conn.send_bytes(answer_run(extractor, request))
            else:
                conn.send_bytes(answer(extractor, request))
