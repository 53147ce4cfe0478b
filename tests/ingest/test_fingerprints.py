"""Fingerprint tables: exact digests, MinHash similarity, figures, LSH bands."""

from __future__ import annotations

import pytest

from services.ingest.fingerprints import (
    PERMUTATIONS,
    ROWS,
    bands,
    fingerprint,
    is_near,
    similarity,
)
from tests.ingest.texts import retouched, story, updated

BASE = story(1)

PAIRS = [
    # (case, first, second, near at 0.8?)
    ("identical", BASE, BASE, True),
    ("case and blanks", BASE, BASE.upper().replace(" ", "  "), True),
    ("retouched copy", BASE, retouched(BASE), True),
    ("figure changed", BASE, updated(BASE, 12, 14), False),
    ("other story", BASE, story(2), False),
    ("other story same figure", story(3, figure=7), story(4, figure=7), False),
    (
        "too short",
        "Officials said 3 people were hurt.",
        "Officials said 3 people were hurt.",
        False,
    ),
]


@pytest.mark.parametrize(("case", "first", "second", "near"), PAIRS, ids=[p[0] for p in PAIRS])
def test_near_duplicates(case: str, first: str, second: str, near: bool) -> None:
    assert is_near(fingerprint(first), fingerprint(second), 0.8) is near


def test_threshold_zero_turns_near_duplicates_off() -> None:
    assert not is_near(fingerprint(BASE), fingerprint(BASE), 0.0)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [(BASE, BASE.replace("\n\n", "\n").lower(), True), (BASE, BASE + " More.", False)],
)
def test_digest_ignores_case_and_blanks_only(first: str, second: str, same: bool) -> None:
    assert (fingerprint(first).digest == fingerprint(second).digest) is same


def test_similarity_tracks_overlap() -> None:
    whole = fingerprint(story(5, words=400)).signature
    half = fingerprint(story(5, words=400)[: len(story(5, words=400)) // 2]).signature
    other = fingerprint(story(6, words=400)).signature
    assert whole is not None
    assert half is not None
    assert other is not None
    assert similarity(whole, whole) == 1.0
    assert 0.3 < similarity(whole, half) < 0.7
    assert similarity(whole, other) < 0.1


def test_signature_is_stable_across_calls() -> None:
    first = fingerprint(BASE).signature
    assert first is not None
    assert len(first) == PERMUTATIONS
    assert fingerprint(BASE).signature == first


def test_near_copies_share_a_band_and_strangers_do_not() -> None:
    a, b, c = (fingerprint(t).signature for t in (BASE, retouched(BASE), story(9)))
    assert a is not None
    assert b is not None
    assert c is not None
    assert len(bands(a)) == PERMUTATIONS // ROWS
    assert set(bands(a)) & set(bands(b))
    assert not set(bands(a)) & set(bands(c))
