"""The committed JSON Schemas and AsyncAPI document are what the code generates now."""

from __future__ import annotations

import json

from schemas.export import JSON_DIR
from services.contracts import all_documents, stale


def test_committed_contracts_are_current() -> None:
    assert stale() == [], "run `tocsin contracts` and commit schemas/json/"


def test_asyncapi_names_every_stream() -> None:
    doc = json.loads(all_documents()["asyncapi.json"])
    text = json.dumps(doc)
    for stream in ("tocsin:inbox", "tocsin:articles", "tocsin:facts", "tocsin:alerts"):
        assert stream in text, stream


def test_schema_files_exist_for_every_message() -> None:
    names = {p.name for p in JSON_DIR.glob("*.schema.json")}
    assert {"article.schema.json", "article_facts.schema.json", "alert.schema.json",
            "dead_letter.schema.json"} <= names
