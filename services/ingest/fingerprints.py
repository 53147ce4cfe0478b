"""Fingerprints of a text for de-duplication: an exact digest and a MinHash signature.

Pure and language-free: words are runs of Unicode word characters, case folded; a text is the
set of its word 3-shingles. Two texts are near-duplicates when the Jaccard similarity of those
sets, estimated from 128 MinHash values, reaches a threshold AND they hold the same figures
(the set of digit runs of the text): an update that only changes a toll ("12 dead" becoming
"14 dead") is news, however close its wording. Candidates are found by LSH: the signature is
cut into 32 bands of 4 values, and texts sharing a band are compared.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from functools import cache

from services.ingest.normalize import text_key

_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
_SHINGLE = 3
_PRIME = (1 << 61) - 1
PERMUTATIONS = 128
ROWS = 4
# Below this many words the estimate is too coarse to call two texts near-duplicates; past
# this many the signature reads no further (a copy is known by its first pages).
MIN_WORDS = 20
MAX_WORDS = 2000


@dataclass(frozen=True, slots=True)
class Fingerprint:
    digest: str
    """sha256 of the text's words: equal for copies that differ only in case and blanks"""
    signature: tuple[int, ...] | None
    """MinHash values; None for texts too short to compare"""
    figures: str
    """a short hash of the set of the text's digit runs"""


@cache
def _permutations() -> tuple[tuple[int, int], ...]:
    rng = random.Random(0x70C5)  # fixed: signatures must agree across processes and releases
    return tuple((rng.randrange(1, _PRIME), rng.randrange(0, _PRIME)) for _ in range(PERMUTATIONS))


def fingerprint(text: str) -> Fingerprint:
    key = text_key(text)
    words = _WORD.findall(key)
    return Fingerprint(
        digest=hashlib.sha256(key.encode("utf-8")).hexdigest(),
        signature=minhash(shingles(words[:MAX_WORDS])) if len(words) >= MIN_WORDS else None,
        figures=figures_of(key),
    )


def shingles(words: list[str]) -> set[str]:
    if len(words) < _SHINGLE:
        return {" ".join(words)}
    return {" ".join(words[i : i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}


def minhash(items: set[str]) -> tuple[int, ...]:
    hashed = [
        int.from_bytes(hashlib.blake2b(item.encode("utf-8"), digest_size=8).digest(), "big")
        for item in items
    ]
    return tuple(min((a * value + b) % _PRIME for value in hashed) for a, b in _permutations())


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The estimated Jaccard similarity of the two shingle sets."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def figures_of(text: str) -> str:
    runs = sorted(set(_DIGITS.findall(text)), key=lambda run: (len(run.lstrip("0")), run))
    return hashlib.sha256(" ".join(runs).encode("ascii")).hexdigest()[:16]


def bands(signature: tuple[int, ...]) -> list[str]:
    """One short key per band of `ROWS` values; similar texts share a band with high odds."""
    return [
        f"{index}:"
        + hashlib.blake2b(
            repr(signature[start : start + ROWS]).encode("ascii"), digest_size=8
        ).hexdigest()
        for index, start in enumerate(range(0, len(signature), ROWS))
    ]


def is_near(a: Fingerprint, b: Fingerprint, threshold: float) -> bool:
    if threshold <= 0 or a.signature is None or b.signature is None:
        return False
    return a.figures == b.figures and similarity(a.signature, b.signature) >= threshold
