"""Small builders of ArticleFacts for the alert tests, and the gold of the shared corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.facts import ArticleFacts, CasualtyFact, MeasureFact
from schemas.vocab import Category, Group, MeasureKind, MeasureStatus, Qualifier


def cas(category: str, group: str, n: int, location: str | None = None, *,
        qualifier: str = "exact", optional: bool = False) -> CasualtyFact:
    quote = f"{n} {category} {group}"
    return CasualtyFact(
        category=Category(category), group=Group(group), min=n, max=n,
        qualifier=Qualifier(qualifier), location=location, quote=quote, start=0,
        end=len(quote), rule="test", optional=optional,
    )


def meas(kind: str, status: str, *, target: str | None = None,
         optional: bool = False) -> MeasureFact:
    quote = f"{kind} {status}"
    return MeasureFact(
        kind=MeasureKind(kind), status=MeasureStatus(status),
        target=MeasureStatus(target) if target else None, quote=quote, start=0,
        end=len(quote), rule="test", optional=optional,
    )


def art(article_id: str, *facts: CasualtyFact | MeasureFact, day: str | None = None,
        country: str | None = "KZ", outlet: str | None = None) -> ArticleFacts:
    return ArticleFacts(
        article_id=article_id, day=day, country=country, outlet=outlet, facts=list(facts)
    )


def gold_facts(story: Path) -> list[ArticleFacts]:
    """The gold facts of one corpus story, as extract would publish them, in story order."""
    gold = json.loads((story / "gold.json").read_text("utf-8"))
    out = []
    for raw in (story / "articles.jsonl").read_text("utf-8").splitlines():
        if not raw.strip():
            continue
        article = json.loads(raw)
        entry = gold["articles"].get(article["id"], {"date": None, "facts": []})
        facts: list[dict[str, Any]] = []
        for fact in entry["facts"]:
            start = max(article["text"].find(fact["quote"]), 0)
            facts.append({**fact, "start": start, "end": start + len(fact["quote"]),
                          "rule": "gold"})
        out.append(ArticleFacts.model_validate({
            "article_id": article["id"], "url": article.get("url"),
            "outlet": article.get("outlet"), "published": article.get("published"),
            "lang": article.get("lang"), "day": entry["date"], "country": gold["country"],
            "facts": facts,
        }))
    return out
