"""Phrase matching over tokens: every lexicon phrase, compiled once into one trie.

A phrase is a run of words as the lexicon writes them. A word ending in `*` matches any word
that starts with it (at least three letters before the star); `_` matches any one word.
Matching compares words without accents, except words of one or two letters, which must be
equal as written (French `a` is not `à`, Spanish `si` is not `sí`).
"""

from __future__ import annotations

import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, cast

from services.extract.engine.caches import keep
from services.extract.engine.tokens import WORD, Piece, Tokens, fold, tokenize

Payload = tuple[str, str]
"""(role, value): what a phrase stands for, e.g. ("casualty", "killed")."""

_PREFIX_KEY = 3
_READ_WORDS = 4


@dataclass(slots=True)
class _Node:
    exact: dict[str, _Node] = field(default_factory=dict)
    prefix: dict[str, list[tuple[str, _Node]]] = field(default_factory=dict)
    wildcard: _Node | None = None
    payloads: list[Payload] = field(default_factory=list)

    @property
    def branches(self) -> bool:
        return bool(self.exact or self.prefix or self.wildcard)


_Step = tuple[tuple[tuple[str, str], ...], tuple["_Node", ...], int, int]
_NO_STEP = cast("_Step", ())
"""the step of a token where nothing starts: empty, so false"""
_KEY = operator.attrgetter("key")


class Match(NamedTuple):
    role: str
    value: str
    start: int
    end: int
    """token index range [start, end)"""


class PhraseMatcher:
    """`marks` gives roles a bit, and `token_marks` bits to a token for what it is: `read`
    also lists the tokens with bits (where a phrase of a marked role starts, or a token
    has bits of its own), so that a reader of a few roles need not look at every token.
    A token's own bits must follow from its look-up key."""

    def __init__(
        self, marks: Mapping[str, int] | None = None,
        token_marks: Callable[[Piece], int] | None = None,
    ) -> None:
        self._marks = dict(marks or {})
        self._token_marks = token_marks
        self._root = _Node()
        self._starts: dict[str, _Step] = {}
        """the trie's first step for a word, computed once per word (the trie is fixed once
        the lexicon is loaded); empty where nothing starts"""
        self._read: dict[tuple[str, ...], tuple[tuple[tuple[str, int, str], ...], int]] = {}
        """what a walk from the first of these words found, as (role, words, value), for
        walks that read these words and no further"""

    def add(self, phrase: str, role: str, value: str) -> None:
        self._starts.clear()
        self._read.clear()
        words = phrase.split()
        if not words:
            msg = f"empty phrase for {role}={value}"
            raise ValueError(msg)
        node = self._root
        for raw in words:
            if raw == "_":
                if node.wildcard is None:
                    node.wildcard = _Node()
                node = node.wildcard
                continue
            if raw.endswith("*"):
                stem = fold(raw[:-1])
                if len(stem) < _PREFIX_KEY:
                    msg = f"prefix {raw!r} of {phrase!r} is shorter than {_PREFIX_KEY} letters"
                    raise ValueError(msg)
                bucket = node.prefix.setdefault(stem[:_PREFIX_KEY], [])
                child = next((n for s, n in bucket if s == stem), None)
                if child is None:
                    child = _Node()
                    bucket.append((stem, child))
                node = child
                continue
            for part in tokenize(raw):
                node = node.exact.setdefault(part.key, _Node())
        node.payloads.append((role, value))

    def add_all(self, phrases: Iterable[str], role: str, value: str = "") -> None:
        for phrase in phrases:
            self.add(phrase, role, value)

    def _walk(
        self, tokens: Tokens, i: int, single: tuple[tuple[str, str], ...],
        deeper: tuple[_Node, ...],
    ) -> tuple[dict[str, tuple[int, str]], int, bool]:
        """The longest phrase of each role from token i, its first word read already; the
        end of the tokens it had to read; and whether the text ended before a phrase could
        (then a longer text with the same tokens may read more)."""
        n = len(tokens)
        children = self._children
        ends: dict[str, tuple[int, str]] = {role: (i + 1, value) for role, value in single}
        frontier: list[tuple[_Node, int]] = [(node, i + 1) for node in deeper]
        far = i + 1
        cut = False
        while frontier:  # (a first word's own phrases are in `single` already: same length)
            node, j = frontier.pop()
            for role, value in node.payloads:
                have = ends.get(role)
                if have is None or have[0] < j:
                    ends[role] = (j, value)
            if not node.branches:
                continue
            while j < n and tokens[j].quote:
                j += 1
            if j < n:
                far = max(far, j + 1)
                frontier.extend((child, j + 1) for child in children(node, tokens[j]))
            else:
                cut = True
        return ends, far, cut

    def _first_step(self, tok: Piece) -> _Step:
        """What one word starts: its one-word phrases (one value per role), the nodes a
        longer phrase goes on from, the bits of its one-word phrases and its own, and its
        own; nothing for a quote mark."""
        if tok.quote:
            return _NO_STEP
        own = self._token_marks(tok) if self._token_marks is not None else 0
        nodes = self._children(self._root, tok)
        single: dict[str, str] = {}
        for node in nodes:
            for role, value in node.payloads:
                single.setdefault(role, value)
        deeper = tuple(n for n in nodes if n.branches)
        if not single and not deeper and not own:
            return _NO_STEP
        return tuple(single.items()), deeper, self._bits(single) | own, own

    def _bits(self, roles: Iterable[str]) -> int:
        marks = self._marks
        bits = 0
        for role in roles:
            bits |= marks.get(role, 0)
        return bits

    def _steps(self, tokens: Tokens, keys: list[str]) -> list[_Step]:
        """The first step of each token, from the cache where it was met before."""
        starts = self._starts
        steps: list[_Step | None] = list(map(starts.get, keys))
        if None in steps:
            for i in [i for i, step in enumerate(steps) if step is None]:
                steps[i] = keep(starts, keys[i], self._first_step(tokens[i]))
        return steps  # type: ignore[return-value]  # no None left

    def _children(self, node: _Node, tok: Piece) -> list[_Node]:
        folded = tok.fold
        child = node.exact.get(tok.key)
        out: list[_Node] = [] if child is None else [child]
        if node.prefix and len(folded) >= _PREFIX_KEY:
            bucket = node.prefix.get(folded[:_PREFIX_KEY])
            if bucket:
                out.extend(p for stem, p in bucket if folded.startswith(stem))
        if node.wildcard is not None and tok.kind == WORD and node is not self._root:
            out.append(node.wildcard)
        return out

    def scan(self, tokens: Tokens) -> dict[int, dict[str, Match]]:
        """For each token where a phrase starts, the longest match of each role there (the
        first value read for a role, when two values end alike), skipping quote marks inside
        a phrase ("des "dizaines" de" is "des dizaines de")."""
        return self.read(tokens)[0]

    def read(
        self, tokens: Tokens
    ) -> tuple[dict[int, dict[str, Match]], list[tuple[int, int]]]:
        """`scan`, and (token, bits) for each token with bits (see the class)."""
        found: dict[int, dict[str, Match]] = {}
        marked: list[tuple[int, int]] = []
        n = len(tokens)
        read = self._read
        make = tuple.__new__  # NamedTuples built without their Python-level constructor
        keys: list[str] = list(map(_KEY, tokens))
        steps = self._steps(tokens, keys)
        for i in itertools.compress(range(n), steps):  # where something starts
            single, deeper, bits, own = steps[i]
            key = keys[i]
            if not deeper:  # one-word phrases only: no walk
                if single:
                    found[i] = {role: make(Match, (role, value, i, i + 1))
                                for role, value in single}
                if bits:
                    marked.append((i, bits))
                continue
            # words read before from the same first words, and no further (a walk reads the
            # same words for the same keys: keys tell words, numbers and marks apart)
            known = read.get((key, keys[i + 1])) if i + 1 < n else None
            size = 3
            while known is None and size <= _READ_WORDS and i + size <= n:
                known = read.get(tuple(keys[i : i + size]))
                size += 1
            if known is not None:
                ends_read, bits = known
                if ends_read:
                    found[i] = {role: make(Match, (role, v, i, i + size))
                                for role, size, v in ends_read}
                if bits:
                    marked.append((i, bits))
                continue
            ends, far, cut = self._walk(tokens, i, single, deeper)
            bits = self._bits(ends) | own  # (own bits follow from the first key: kept)
            if far - i <= _READ_WORDS and not cut:
                keep(read, tuple(keys[i:far]),
                     (tuple((role, j - i, v) for role, (j, v) in ends.items()), bits))
            if ends:
                found[i] = {role: make(Match, (role, end[1], i, end[0]))
                            for role, end in ends.items()}
            if bits:
                marked.append((i, bits))
        return found, marked


def by_role(matches: list[Match]) -> dict[str, list[Match]]:
    out: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        out[m.role].append(m)
    return out
