"""The extraction pool: the same facts as in process, a time bound, and a dead child replaced."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator

import pytest

from schemas.article import Article
from schemas.facts import ArticleFacts
from services.common.settings import ExtractSettings
from services.extract.executor import (
    ExtractionCrashedError,
    ExtractionError,
    ExtractionPool,
    ExtractionTimeoutError,
    InProcessExtraction,
    _runs,
    plan_runs,
    pool_size,
)
from services.extract.pipeline import Extractor

# made-up sentences, one per language the lexicons read
TEXTS = [
    ("en", "Police said 12 protesters were killed and 40 injured in the capital on Monday."),
    ("fr", "La police a indiqué que 7 manifestants ont été tués mardi dans la capitale."),
    ("es", "La policía informó que 9 manifestantes murieron el martes en la capital."),
]


def _article(n: int, lang: str, text: str) -> Article:
    return Article(id=f"a{n}", lang=lang, text=text, published="2024-03-04", ingested_at=0.0)


@pytest.fixture
async def pool() -> AsyncIterator[ExtractionPool]:
    made = ExtractionPool(ExtractSettings(), 2)
    made.start()
    yield made
    made.close()


async def test_the_pool_gives_the_facts_of_the_extractor(pool: ExtractionPool) -> None:
    extractor = Extractor(ExtractSettings())
    articles = [_article(n, lang, text) for n, (lang, text) in enumerate(TEXTS)]
    got = await asyncio.gather(*(pool.extract(a) for a in articles))
    assert [g.model_dump() for g in got] == [extractor.extract(a).model_dump() for a in articles]
    assert any(g.facts for g in got)


async def test_an_article_past_the_time_bound_is_abandoned_and_its_child_replaced() -> None:
    pool = ExtractionPool(ExtractSettings(timeout_s=0.001), 1)
    with contextlib.suppress(ExtractionTimeoutError):  # the first call waits for the start
        await pool.extract(_article(0, *TEXTS[0]))
    before = pool.pids()
    with pytest.raises(ExtractionTimeoutError, match="abandoned"):
        await pool.extract(_article(1, "en", TEXTS[0][1] * 400))
    assert pool.pids() != before
    pool.close()


async def test_a_child_dead_while_idle_is_replaced_before_use(pool: ExtractionPool) -> None:
    await pool.extract(_article(0, *TEXTS[0]))
    victims = pool.pids()
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(0.2)
    facts = await pool.extract(_article(1, *TEXTS[1]))
    assert facts.article_id == "a1"
    assert set(pool.pids()) != set(victims)


async def test_a_child_that_dies_on_an_article_fails_it_and_is_replaced() -> None:
    pool = ExtractionPool(ExtractSettings(max_text_chars=2_000_000), 1)
    try:
        await pool.extract(_article(0, *TEXTS[0]))  # started
        victims = pool.pids()
        long = _article(1, "en", " ".join(t for _, t in TEXTS) * 6000)  # seconds of work
        task = asyncio.create_task(pool.extract(long))
        await asyncio.sleep(0.3)
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(ExtractionCrashedError):
            await task
        assert (await pool.extract(_article(2, *TEXTS[2]))).article_id == "a2"
    finally:
        pool.close()


@pytest.mark.parametrize(("processes", "expected"), [(0, 0), (3, 3)])
def test_pool_size_is_the_setting_when_set(processes: int, expected: int) -> None:
    assert pool_size(ExtractSettings(processes=processes)) == expected


def test_pool_size_defaults_to_one_per_core() -> None:
    assert pool_size(ExtractSettings()) == len(os.sched_getaffinity(0))


async def test_a_batch_in_runs_gives_each_article_its_facts_in_order(pool: ExtractionPool) -> None:
    extractor = Extractor(ExtractSettings())
    articles = [_article(n, lang, text) for n, (lang, text) in enumerate(TEXTS * 3)]
    got = await pool.extract_all(articles)
    assert [g.model_dump() for g in got if isinstance(g, ArticleFacts)] == [
        extractor.extract(a).model_dump() for a in articles
    ]
    assert await pool.extract_all([]) == []


async def test_only_the_slow_article_of_a_run_is_abandoned() -> None:
    pool = ExtractionPool(ExtractSettings(timeout_s=1.0, max_text_chars=2_000_000), 1)
    try:
        await pool.extract(_article(0, *TEXTS[0]))  # started
        slow = _article(2, "en", " ".join(t for _, t in TEXTS) * 6000)  # seconds of work
        run = [_article(1, *TEXTS[1]), slow, _article(3, *TEXTS[2])]
        got = await pool.extract_all(run)
        assert isinstance(got[1], ExtractionTimeoutError)
        assert [g.article_id for g in got if isinstance(g, ArticleFacts)] == ["a1", "a3"]
    finally:
        pool.close()


async def test_an_article_that_fails_in_a_run_fails_alone() -> None:
    extraction = InProcessExtraction(Extractor(ExtractSettings()))
    bad = Article.model_construct(id="bad", lang="en", text=None, ingested_at=0.0)  # type: ignore[call-arg]
    got = await extraction.extract_all([_article(0, *TEXTS[0]), bad])
    assert isinstance(got[0], ArticleFacts)
    assert isinstance(got[1], ExtractionError)


async def test_an_article_that_fails_in_a_pool_run_fails_alone(pool: ExtractionPool) -> None:
    bad = Article.model_construct(id="bad", lang="en", text=None, ingested_at=0.0)  # type: ignore[call-arg]
    run = [_article(0, *TEXTS[0]), bad, _article(2, *TEXTS[2]), _article(3, *TEXTS[1])]
    got = await pool.extract_all(run)
    assert isinstance(got[1], ExtractionError)
    assert not isinstance(got[1], ExtractionTimeoutError)
    assert [g.article_id for g in got if isinstance(g, ArticleFacts)] == ["a0", "a2", "a3"]


@pytest.mark.parametrize(("lengths", "chars", "expected"), [
    ([], 100, []),
    ([10, 10, 10], 100, [3]),
    ([60, 60, 60], 100, [1, 1, 1]),
    ([40, 40, 40, 40], 100, [2, 2]),
    ([500, 10, 10], 100, [1, 2]),  # a long article goes alone
    ([10, 500, 10], 100, [1, 1, 1]),
])
def test_a_part_is_cut_into_runs_of_bounded_text(
    lengths: list[int], chars: int, expected: list[int]
) -> None:
    part = [_article(n, "en", "x" * size) for n, size in enumerate(lengths)]
    runs = _runs(part, chars)
    assert [len(run) for run in runs] == expected
    assert [a for run in runs for a in run] == part


# (id, article lengths, children, run_chars, expected runs as lists of lengths)
PLANS = [
    ("small-batch-stays-whole", [100, 100, 100], 2, 1000, [[100, 100, 100]]),
    ("one-child", [600, 600, 600], 1, 1000, [[600], [600], [600]]),
    ("needs-two-runs-two-children", [600, 600, 600, 600], 2, 1000, [[600], [600], [600], [600]]),
    ("spread-over-children", [300] * 6, 2, 1000, [[300, 300, 300], [300, 300, 300]]),
    ("no-more-parts-than-children", [400] * 6, 2, 1000, [[400, 400], [400], [400, 400], [400]]),
    ("empty", [], 2, 1000, []),
]


@pytest.mark.parametrize(("sizes", "children", "chars", "expected"),
                         [pytest.param(*r[1:], id=r[0]) for r in PLANS])
def test_batch_plan(sizes: list[int], children: int, chars: int,
                    expected: list[list[int]]) -> None:
    articles = [_article(n, "en", "x" * size) for n, size in enumerate(sizes)]
    runs = plan_runs(articles, children, chars)
    assert [[len(a.text or "") for a in run] for run in runs] == expected
    assert [a.id for run in runs for a in run] == [a.id for a in articles]
