"""The band lookup: remembered first copies that share enough LSH bands, earliest first."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.dedup import DedupStore
from services.ingest.fingerprints import (
    MIN_SHARED_BANDS,
    PERMUTATIONS,
    ROWS,
    Fingerprint,
    fingerprint,
)
from tests.ingest.texts import retouched, story

pytestmark = pytest.mark.redis


def _sharing(signature: tuple[int, ...], bands: int) -> Fingerprint:
    """A fingerprint whose signature equals `signature` in its first `bands` bands only."""
    kept = bands * ROWS
    other = tuple(v + 1 for v in signature[kept:])
    return Fingerprint(digest="x", signature=signature[:kept] + other, figures="f")


@pytest.mark.parametrize(
    ("bands", "found"),
    [(0, False), (MIN_SHARED_BANDS - 1, False), (MIN_SHARED_BANDS, True),
     (PERMUTATIONS // ROWS, True)],
)
async def test_a_candidate_shares_at_least_min_shared_bands(
    redis: Redis, settings: Settings, bands: int, found: bool
) -> None:
    store = DedupStore(redis, Streams(settings.stream_prefix), 3600)
    first = fingerprint(story(1))
    assert first.signature is not None
    await store.remember_first_copy("first", "one.org", first, 0.8)
    _, candidates = await store.claim_and_look_up(
        article_id="second", token="1-0", url=None, outlet="two.org",
        print_=_sharing(first.signature, bands), threshold=0.8,
    )
    assert (candidates == ["first"]) is found


async def test_candidates_come_earliest_first_and_a_retouched_copy_is_near(
    redis: Redis, settings: Settings
) -> None:
    store = DedupStore(redis, Streams(settings.stream_prefix), 3600)
    text = story(2)
    for article_id in ("a", "b"):  # two first copies of one text, "a" remembered first
        await store.remember_first_copy(article_id, article_id, fingerprint(text), 0.8)
    copy = fingerprint(retouched(text))
    _, candidates = await store.claim_and_look_up(
        article_id="c", token="1-0", url=None, outlet="c", print_=copy, threshold=0.8,
    )
    assert candidates == ["a", "b"]
    near = await store.nearest(copy, candidates, 0.8)
    assert near is not None
    assert near.article_id == "a"
