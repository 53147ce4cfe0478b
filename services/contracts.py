"""The committed contracts: JSON Schemas of the messages and the AsyncAPI document of the apps."""

from __future__ import annotations

import json
from pathlib import Path

from faststream.specification import AsyncAPI

from schemas.export import JSON_DIR
from schemas.export import documents as schema_documents
from services.common.broker import create_broker
from services.common.settings import Settings

ASYNCAPI_FILE = "asyncapi.json"


def asyncapi_document() -> str:
    """The AsyncAPI 3.0 document of the three workers, with the default stream prefix."""
    from services.workers import WORKER_NAMES, router_factory

    settings = Settings(
        redis_url="redis://localhost:6379/0",
        stream_prefix="tocsin",
        # each process names itself hostname-pid; the document shows the placeholder
        worker={"consumer": "<hostname>-<pid>"},
    )
    broker = create_broker(settings)
    for name in WORKER_NAMES:
        broker.include_router(router_factory(name)(settings))
    spec = AsyncAPI(
        broker,
        title="Tocsin",
        version="1",
        description="Casualty figures and security measures from the news, as alerts. "
        "Every stream entry holds one field, __data__, with the message as JSON.",
    ).to_specification()
    return json.dumps(spec.to_jsonable(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def all_documents() -> dict[str, str]:
    docs = schema_documents()
    docs[ASYNCAPI_FILE] = asyncapi_document()
    return docs


def write(directory: Path = JSON_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in all_documents().items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def stale(directory: Path = JSON_DIR) -> list[str]:
    """Names of the committed documents that differ from what the code generates now."""
    out = []
    for name, content in all_documents().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            out.append(name)
    return out
