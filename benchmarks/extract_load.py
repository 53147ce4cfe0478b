"""Extraction speed on one core: articles per second over the dev texts repeated, and memory."""

from __future__ import annotations

import resource
import time
from pathlib import Path

from schemas.article import Article, ArticleIn
from services.common.settings import Settings
from services.extract.pipeline import Extractor

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "dev"


def sample_articles() -> tuple[list[Article], str]:
    """The dev corpus's articles when it is beside the project, else our synthetic ones."""
    items: list[ArticleIn] = []
    for path in sorted(CORPUS.glob("*/articles.jsonl")):
        items += [ArticleIn.model_validate_json(line)
                  for line in path.read_text("utf-8").splitlines() if line.strip()]
    source = "dev corpus"
    if not items:
        from benchmarks.synthetic import articles

        items = list(articles(60))
        source = "synthetic"
    return [
        Article(**i.model_dump(exclude={"id"}), id=i.id or str(n), ingested_at=0.0)
        for n, i in enumerate(items)
    ], source


def extraction_figures(*, quick: bool) -> dict[str, object]:
    extractor = Extractor(Settings().extract)
    batch, source = sample_articles()
    for article in batch:  # warm caches
        extractor.extract(article)
    seconds = 3.0 if quick else 15.0
    done = 0
    chars = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        for article in batch:
            extractor.extract(article)
            chars += len(article.text)
        done += len(batch)
    cpu = time.process_time() - start
    return {
        "extract_articles_per_s_per_core": round(done / cpu, 1),
        "extract_chars_per_s_per_core": round(chars / cpu),
        "extract_mean_article_chars": round(chars / done),
        "extract_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "extract_sample": source,
    }
