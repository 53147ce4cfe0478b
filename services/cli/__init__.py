"""`tocsin`: the command line of the service."""

from __future__ import annotations

from services.cli import core, ops
from services.cli.app import app, as_article, read_articles, read_jsonl
from services.cli.web import register as register_web
from services.ingest.cli import register as register_ingest

register_ingest(app)
register_web(app)

__all__ = ["app", "as_article", "core", "main", "ops", "read_articles", "read_jsonl"]


def main() -> None:
    app()
