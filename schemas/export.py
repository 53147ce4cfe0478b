"""JSON Schema of every message, generated from the pydantic models into schemas/json/."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas.alerts import Alert
from schemas.article import Article, ArticleIn
from schemas.dead_letter import DeadLetter
from schemas.facts import ArticleFacts
from schemas.receipt import Receipt

MODELS: dict[str, type[BaseModel]] = {
    "article_in": ArticleIn,
    "article": Article,
    "article_facts": ArticleFacts,
    "alert": Alert,
    "dead_letter": DeadLetter,
    "receipt": Receipt,
}

JSON_DIR = Path(__file__).resolve().parent / "json"


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def documents() -> dict[str, str]:
    """File name -> content, for every message schema."""
    return {f"{name}.schema.json": render(model) for name, model in MODELS.items()}
