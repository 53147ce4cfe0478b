"""Fingerprints of a text for de-duplication: an exact digest and a MinHash signature.

Pure and language-free: words are runs of Unicode word characters, case folded; a text is the
set of its word 3-shingles. Two texts are near-duplicates when the Jaccard similarity of those
sets, estimated from 128 MinHash values, reaches a threshold AND they hold the same figures
(the set of digit runs of the text): an update that only changes a toll ("12 dead" becoming
"14 dead") is news, however close its wording. Candidates are found by LSH: the signature is
cut into 32 bands of 4 values, and texts sharing a band are compared.

Speed: each word is hashed once (CRC-32), a shingle's 32-bit value is mixed from its three
words' hashes, and the 128 hash functions are multiply-shift hashes applied to every shingle
at once with numpy (about 0.5 ms for 2000 words, against 10-60 ms in pure Python). Signatures
made before this scheme are not comparable with its own: a copy of an article remembered by
an older release is not found near, for one `ingest.dedup_ttl_s` after the upgrade.
"""

from __future__ import annotations

import hashlib
import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from services.ingest.normalize import text_key

_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
_SHINGLE = 3
_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
PERMUTATIONS = 128
ROWS = 4
# A candidate shares at least this many bands. A text of Jaccard similarity s shares each band
# with odds s**4: at s = 0.8 it shares 13 of 32 on average and fewer than 2 with odds of about
# one in a million, while texts that only share stock phrases mostly meet in one band; on
# look-alike texts this cuts the candidates to compare several times.
MIN_SHARED_BANDS = 2
# A band set keeps the ids of its newest first copies only: a band shared by more texts than
# this is boilerplate (agency copy, a stock first sentence) that tells little, and without a
# bound its set grew with every such text, and with it the cost of every lookup (the set is
# read whole): the band lookup grew from 0.35 to 0.58 ms per article over 20,000 look-alike
# articles. A near copy shares ~13 bands with its first copy: the others find it.
BAND_MEMBERS = 64
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


Words = npt.NDArray[np.uint64]


@cache
def _coefficients() -> tuple[Words, Words, Words]:
    """The shingle mixers and the (a, b) of each hash function, as numpy columns.

    Fixed seed: signatures must agree across processes and releases."""
    rng = random.Random(0x70C5)
    mix = np.array([rng.getrandbits(64) | 1 for _ in range(_SHINGLE)], dtype=np.uint64)
    a = np.array([rng.getrandbits(64) | 1 for _ in range(PERMUTATIONS)], dtype=np.uint64)
    b = np.array([rng.getrandbits(64) for _ in range(PERMUTATIONS)], dtype=np.uint64)
    return mix, a[:, np.newaxis], b[:, np.newaxis]


def fingerprint(text: str) -> Fingerprint:
    key = text_key(text)
    words = _WORD.findall(key)
    return Fingerprint(
        digest=hashlib.sha256(key.encode("utf-8")).hexdigest(),
        signature=minhash(words[:MAX_WORDS]) if len(words) >= MIN_WORDS else None,
        figures=figures_of(key),
    )


def shingle_values(words: Sequence[str]) -> Words:
    """One 32-bit value per word 3-shingle (one value for the whole of a shorter text)."""
    mix, _, _ = _coefficients()
    hashed = np.fromiter(
        (zlib.crc32(word.encode("utf-8")) for word in words), dtype=np.uint64, count=len(words)
    )
    if len(hashed) < _SHINGLE:
        hashed = np.concatenate([hashed, np.zeros(_SHINGLE - len(hashed), dtype=np.uint64)])
    span = len(hashed) - _SHINGLE + 1
    mixed = hashed[:span] * mix[0]
    for offset in range(1, _SHINGLE):
        mixed += hashed[offset : offset + span] * mix[offset]  # wraps modulo 2**64
    folded: Words = (mixed >> _SHIFT32) ^ (mixed & _LOW32)
    return folded


def minhash(words: Sequence[str]) -> tuple[int, ...]:
    """The MinHash signature of the text's shingle set: for each of the hash functions
    h(x) = (a * x + b) mod 2**64 >> 32, its least value over the shingles."""
    _, a, b = _coefficients()
    hashed = np.multiply(a, shingle_values(words)[np.newaxis, :])  # one row per function
    hashed += b
    # the shift is monotonic: the least shifted value is the least value, shifted
    lowest: Words = hashed.min(axis=1) >> _SHIFT32
    return tuple(lowest.tolist())


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
