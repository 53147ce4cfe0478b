"""Extraction speed on one core: the dev articles of ../shared/corpus, repeated.

    python benchmarks/extract_speed.py [--rounds 30]

Prints articles per second (pure `Extractor.extract`, no broker) and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
import tracemalloc
from pathlib import Path

from schemas.article import Article
from services.common.settings import ExtractSettings
from services.extract.pipeline import Extractor

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "dev"


def load_articles() -> list[Article]:
    out: list[Article] = []
    for path in sorted(CORPUS.glob("*/articles.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                a = json.loads(line)
                out.append(
                    Article(
                        id=a["id"],
                        published=a.get("published"),
                        lang=a.get("lang"),
                        title=a.get("title"),
                        text=a["text"],
                        ingested_at=0.0,
                    )
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    articles = load_articles()
    if not articles:
        raise SystemExit(f"no articles under {CORPUS.resolve()}")
    tracemalloc.start()
    extractor = Extractor(ExtractSettings())
    for article in articles:  # warm the caches once
        extractor.extract(article)
    started = time.perf_counter()
    for _ in range(args.rounds):
        for article in articles:
            extractor.extract(article)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = args.rounds * len(articles)
    chars = sum(len(a.text) for a in articles) * args.rounds
    print(
        json.dumps(
            {
                "articles": n,
                "seconds": round(elapsed, 3),
                "articles_per_s": round(n / elapsed, 1),
                "chars_per_s": round(chars / elapsed),
                "traced_peak_mib": round(peak / 2**20, 1),
                "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "cores_on_machine": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
