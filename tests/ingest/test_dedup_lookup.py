"""The band lookup: remembered first copies that share enough LSH bands, earliest first."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis

from services.common.settings import Settings
from services.common.streams import Streams
from services.ingest.dedup import DedupStore
from services.ingest.fingerprints import (
    BAND_MEMBERS,
    MIN_SHARED_BANDS,
    PERMUTATIONS,
    ROWS,
    Fingerprint,
    fingerprint,
)
from tests.ingest.texts import retouched, story

pytestmark = pytest.mark.redis


def _stream(settings: Settings) -> dict[str, Any]:
    """Where `admit` publishes a first copy with nothing to compare it to."""
    return {"stream": Streams(settings.stream_prefix).articles, "body": "{}", "maxlen": 1000}


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
    admitted = await store.admit(
        article_id="second", token="1-0", url=None, outlet="two.org",
        print_=_sharing(first.signature, bands), threshold=0.8, **_stream(settings),
    )
    assert (admitted.candidates == ["first"]) is found
    # nothing to compare: published at once, in the same call
    assert (admitted.entry is None) is found


async def test_candidates_come_earliest_first_and_a_retouched_copy_is_near(
    redis: Redis, settings: Settings
) -> None:
    store = DedupStore(redis, Streams(settings.stream_prefix), 3600)
    text = story(2)
    for article_id in ("a", "b"):  # two first copies of one text, "a" remembered first
        await store.remember_first_copy(article_id, article_id, fingerprint(text), 0.8)
    copy = fingerprint(retouched(text))
    admitted = await store.admit(
        article_id="c", token="1-0", url=None, outlet="c", print_=copy, threshold=0.8,
        **_stream(settings),
    )
    assert admitted.entry is None
    candidates = admitted.candidates
    assert candidates == ["a", "b"]
    near = await store.nearest(copy, candidates, 0.8)
    assert near is not None
    assert near.article_id == "a"


async def test_a_band_keeps_its_newest_first_copies_only(
    redis: Redis, settings: Settings
) -> None:
    """A band shared by many texts (boilerplate) stays small, and so does its lookup."""
    store = DedupStore(redis, Streams(settings.stream_prefix), 3600)
    shared = fingerprint(story(4))
    ids = [f"f{n:03d}" for n in range(BAND_MEMBERS + 6)]
    for article_id in ids:
        await store.remember_first_copy(article_id, article_id, shared, 0.8)
    band_keys = [k async for k in redis.scan_iter(match=f"*{settings.stream_prefix}*:lsh:*")]
    assert band_keys
    assert {await redis.zcard(k) for k in band_keys} == {BAND_MEMBERS}
    admitted = await store.admit(
        article_id="late", token="1-0", url=None, outlet="late", print_=shared, threshold=0.8,
        **_stream(settings),
    )
    assert admitted.candidates == ids[-BAND_MEMBERS:]
