"""`tocsin`: the command line of the service."""

from __future__ import annotations

from services.cli import core, ops
from services.cli.app import app, as_article, read_jsonl

__all__ = ["app", "as_article", "core", "main", "ops", "read_jsonl"]


def main() -> None:
    app()
