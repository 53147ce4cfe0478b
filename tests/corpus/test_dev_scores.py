"""The dev stories of ../shared/corpus, scored by its own score.py: facts, and the alerts that
ANNOTATION.md's rule (score.py's `derive`) gives from our facts."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from schemas.article import Article
from services.common.settings import ExtractSettings
from services.extract.pipeline import Extractor

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
DEV = CORPUS / "dev"
FACTS_F1, STRICT_F1, ALERTS_F1 = 0.95, 0.85, 0.95

pytestmark = pytest.mark.corpus


def _stories() -> list[str]:
    return (
        sorted(p.name for p in DEV.iterdir() if (p / "gold.json").exists()) if DEV.is_dir() else []
    )


@pytest.fixture(scope="module")
def score() -> ModuleType:
    if not (CORPUS / "score.py").is_file():
        pytest.skip(f"no corpus at {CORPUS.resolve()}: the dev scores need ../shared/corpus")
    spec = importlib.util.spec_from_file_location("corpus_score", CORPUS / "score.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_score"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(ExtractSettings())


@pytest.mark.parametrize(
    "story",
    _stories()
    or [
        pytest.param(
            "none", marks=pytest.mark.skip(reason="no dev stories: ../shared/corpus/dev is absent")
        )
    ],
)
def test_story_scores(story: str, score: ModuleType, extractor: Extractor, tmp_path: Path) -> None:
    folder = DEV / story
    rows = []
    for line in (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        a = json.loads(line)
        article = Article(
            id=a["id"],
            url=a.get("url"),
            published=a.get("published"),
            lang=a.get("lang"),
            title=a.get("title"),
            text=a["text"],
            ingested_at=0.0,
        )
        facts = extractor.extract(article)
        for fact in facts.facts:
            assert fact.quote == article.text[fact.start : fact.end]
        rows.append(
            {"article_id": article.id, "facts": [f.model_dump(mode="json") for f in facts.facts]}
        )
    pred = tmp_path / "facts.jsonl"
    pred.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = score.score_facts(folder, str(pred), False)
    assert result["overall"]["f1"] >= FACTS_F1, result
    assert result["strict"]["f1"] >= STRICT_F1, result

    gold = score.load_gold(folder)[0]
    ours = dict(gold, articles={r["article_id"]: {"facts": r["facts"]} for r in rows})
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_text("".join(json.dumps(a) + "\n" for a in score.derive(ours)), encoding="utf-8")
    assert score.score_alerts(folder, str(alerts), False)["alerts"]["f1"] >= ALERTS_F1
