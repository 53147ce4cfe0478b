"""Figures as newspapers write them: digits with any thousands separator, number words,
amount words ("des dizaines"), qualifiers ("plus de"), ranges and rises ("from X to Y")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.vocab import Qualifier
from services.extract.engine.caches import keep
from services.extract.engine.grammar import (
    AMOUNT,
    CHANGE,
    QUAL,
    QUAL_AFTER,
    RANGE_FROM,
    RANGE_JOIN,
    RANGE_OPEN,
    RANGE_TO,
    Grammar,
)
from services.extract.engine.phrases import Match
from services.extract.engine.tokens import DIGIT, MARK, WORD, Piece, Tokens

_SEPARATORS = re.compile(r"[.,\u00a0\u202f\u2009 ]")
_GROUPED = re.compile(r"^\d{1,3}(?:[.,\u00a0\u202f\u2009 ]\d{3})+$")
_YEAR_MIN, _YEAR_MAX = 1800, 2100
_CURRENCY = frozenset("$€£¥₦₹")
FIGURE_ROLES = frozenset({QUAL, AMOUNT, RANGE_OPEN, RANGE_FROM, CHANGE})
"""roles a figure can start with besides a number"""
_OPENING_ROLES = FIGURE_ROLES - {RANGE_FROM}


@dataclass(frozen=True, slots=True)
class Figure:
    start: int
    """first token, qualifier included"""
    end: int
    """token after the figure"""
    min: int
    max: int | None
    qualifier: Qualifier
    earlier: bool = False
    """the X of "up from X to Y": an earlier figure"""
    word_one: bool = False
    """"un", "une", "one": a single person, as often an article as a count"""
    year_like: bool = False


def _digits(tok: Piece) -> int | None:
    raw = tok.text
    if _GROUPED.match(raw):
        return int(_SEPARATORS.sub("", raw))
    if raw.isdigit():
        return int(raw)
    return None  # a decimal: never a head count


class FigureReader:
    def __init__(self, grammar: Grammar) -> None:
        self.g = grammar
        self.words = grammar.numbers
        self._seen: dict[str, list[tuple[str, int]] | None] = {}
        w = grammar.numbers
        self.number_words = frozenset(w.units) | frozenset(w.multipliers) | frozenset(w.scales)

    def opens(self, tokens: Tokens, roles: dict[str, Match]) -> bool:
        """Whether a figure may start at a token with these roles: any figure role, but a
        range's "from" (the "de" of "de 30 à 40", a word met everywhere) only before a
        number (elsewhere `figure_at` finds none)."""
        if not roles.keys().isdisjoint(_OPENING_ROLES):
            return True
        m = roles.get(RANGE_FROM)
        if m is None or m.end >= len(tokens):
            return False
        tok = tokens[m.end]
        return tok.kind == DIGIT or (tok.kind == WORD and self._parts(tok.fold) is not None)

    def _word_value(self, tokens: Tokens, i: int, end: int) -> tuple[int, int, bool] | None:
        """A run of number words from i: (value, end, only an ambiguous article word)."""
        total = group = 0
        j = i
        seen = 0
        only_ambiguous = True
        while j < end:
            tok = tokens[j]
            if tok.kind != WORD:
                break
            parts = self._parts(tok.fold)
            if parts is None:
                if (seen and tok.fold in self.words.connectors and j + 1 < end
                        and self._parts(tokens[j + 1].fold) is not None):
                    j += 1
                    continue
                break
            for kind, value in parts:
                if kind == "unit":
                    group += value
                elif kind == "mult":
                    group = (group or 1) * value
                else:
                    total += (group or 1) * value
                    group = 0
            if tok.fold not in self.words.ambiguous:
                only_ambiguous = False
            seen += 1
            j += 1
        if not seen:
            return None
        return total + group, j, only_ambiguous

    def _parts(self, word: str) -> list[tuple[str, int]] | None:
        if word in self._seen:
            return self._seen[word]
        return keep(self._seen, word, self.words.parts(word))

    def number_at(self, tokens: Tokens, i: int, end: int) -> tuple[int, int, bool] | None:
        """(value, end, ambiguous word) of a plain number at i: digits or words."""
        tok = tokens[i]
        if tok.kind == DIGIT:
            value = _digits(tok)
            if value is None:
                return None
            j = i + 1
            if j < end and tokens[j].kind == WORD:
                scale = self.words.scales.get(tokens[j].fold)
                if scale:
                    return value * scale, j + 1, False
            return value, j, False
        if tok.kind == WORD:
            return self._word_value(tokens, i, end)
        return None

    def figure_at(  # noqa: PLR0911, PLR0912 - one rule, one decision list
        self, tokens: Tokens, roles: list[dict[str, Match]], i: int, end: int
    ) -> Figure | None:
        start = i
        qualifier: str | None = None
        r = roles[i]
        if CHANGE in r:
            return self._change(tokens, roles, i, r[CHANGE].end, end)
        if QUAL in r and r[QUAL].end < end:
            qualifier = r[QUAL].value
            i = r[QUAL].end
            glue = roles[i].get("glue")
            if glue is not None and glue.end < end:  # "al menos a 2.300"
                i = glue.end
            r = roles[i]
        if RANGE_OPEN in r and r[RANGE_OPEN].end < end:
            rng = self._range(tokens, roles, r[RANGE_OPEN].end, end, RANGE_JOIN)
            if rng is not None:
                lo, hi, stop = rng
                return Figure(start, stop, lo, hi, Qualifier.ABOUT)
        if AMOUNT in r:
            amount = self.g.lexicon.amounts[int(r[AMOUNT].value)]
            top: int | None = amount.max
            q = amount.qualifier
            if qualifier is not None:
                q = Qualifier(qualifier)
                top = None if q is Qualifier.AT_LEAST else amount.min
            return Figure(start, r[AMOUNT].end, amount.min, top, q)
        if RANGE_FROM in r and qualifier is None and r[RANGE_FROM].end < end:
            rng = self._range(tokens, roles, r[RANGE_FROM].end, end, RANGE_TO)
            if rng is not None:
                lo, hi, stop = rng
                return Figure(start, stop, lo, hi, Qualifier.ABOUT)
        num = self.number_at(tokens, i, end)
        if num is None:
            return None
        value, stop, ambiguous = num
        if stop < end and RANGE_TO in roles[stop] and qualifier is None:
            rng = self._range(tokens, roles, i, end, RANGE_TO)
            if rng is not None and rng[0] < rng[1]:
                lo, hi, stop2 = rng
                return Figure(start, stop2, lo, hi, Qualifier.ABOUT)
        if qualifier is None and stop < end and QUAL_AFTER in roles[stop]:
            return Figure(start, roles[stop][QUAL_AFTER].end, value, None, Qualifier.AT_LEAST)
        q = Qualifier(qualifier) if qualifier else Qualifier.EXACT
        hi2: int | None = None if q is Qualifier.AT_LEAST else value
        year = (
            qualifier is None
            and tokens[i].kind == DIGIT
            and len(tokens[i].text) == 4
            and _YEAR_MIN <= value <= _YEAR_MAX
        )
        return Figure(start, stop, value, hi2, q, word_one=ambiguous and value == 1,
                      year_like=year)

    def _range(
        self, tokens: Tokens, roles: list[dict[str, Match]], i: int, end: int, join: str
    ) -> tuple[int, int, int] | None:
        a = self.number_at(tokens, i, end)
        if a is None or a[1] >= end or join not in roles[a[1]]:
            return None
        j = roles[a[1]][join].end
        if j >= end:
            return None
        b = self.number_at(tokens, j, end)
        if b is None or b[0] < a[0]:
            return None
        return a[0], b[0], b[1]

    def _change(
        self, tokens: Tokens, roles: list[dict[str, Match]], cue: int, i: int, end: int
    ) -> Figure | None:
        """"gone up from X to Y": X, the earlier figure; Y is read on its own after it."""
        del cue
        if i >= end:
            return None
        a = self.number_at(tokens, i, end)
        if a is None:
            return None
        return Figure(i, a[1], a[0], a[0], Qualifier.EXACT, earlier=True)


def is_time_or_money(tokens: Tokens, fig: Figure) -> bool:
    """18:00, 20h30, 75%, $5 — a clock, a share or a sum."""
    before = tokens[fig.start - 1] if fig.start else None
    after = tokens[fig.end] if fig.end < len(tokens) else None
    if before is not None and before.kind == MARK and before.text in _CURRENCY:
        return True
    if before is not None and before.text == ":" and fig.start >= 2:
        return tokens[fig.start - 2].kind == DIGIT
    if after is None:
        return False
    if after.kind == MARK and after.text in {"%", "‰"} | _CURRENCY:
        return True
    if after.text == ":" and fig.end + 1 < len(tokens):
        return tokens[fig.end + 1].kind == DIGIT
    return False
