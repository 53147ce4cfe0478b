"""A sentence read once: its tokens' roles, its clause limits and its figures."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from services.extract.engine.grammar import (
    BREAK_MARK,
    CATEGORY_MARK,
    FIGURE_MARK,
    HARD_BREAK_MARK,
    MEASURE_MARK,
    NON_PERSON_MARK,
    NUMBER_MARK,
    STATUS_MARK,
)
from services.extract.engine.numbers import Figure, FigureReader, is_time_or_money
from services.extract.engine.phrases import Match
from services.extract.engine.tokens import DIGIT, Tokens


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    breaks: list[int] = field(default_factory=list)
    """token indexes where a clause ends (";", ":", "while"...)"""
    figures: list[Figure] = field(default_factory=list)
    measures: bool = False
    """a measure is named in it"""
    measure_starts: list[int] = field(default_factory=list)
    """where a measure's names start"""
    statuses: list[int] = field(default_factory=list)
    """where its status words start"""

    def clause(self, i: int) -> tuple[int, int]:
        lo, hi = self.start, self.end
        for b in self.breaks:
            if b < i:
                lo = b + 1
            elif b >= i:
                hi = b
                break
        return lo, hi


@dataclass(frozen=True, slots=True)
class Marks:
    """Where, in a whole text, a figure may start and a measure is named: read once."""

    figures: list[int]
    measures: list[int]
    breaks: list[int]
    statuses: list[int] = field(default_factory=list)
    """where a status word starts (not inside a unit such as "end of the month")"""
    categories: list[int] = field(default_factory=list)
    """where a casualty word starts"""

    @classmethod
    def read(
        cls, figures: FigureReader, tokens: Tokens, roles: list[dict[str, Match]],
        marked: list[tuple[int, int]],
    ) -> Marks:
        """`marked`: the tokens with bits, as `Grammar.read` lists them."""
        starts: list[int] = []
        breaks: list[int] = []
        measures: list[int] = []
        statuses: list[int] = []
        categories: list[int] = []
        masked: set[int] = set()
        for i, bits in marked:
            if bits & NUMBER_MARK or (bits & FIGURE_MARK and figures.opens(tokens, roles[i])):
                starts.append(i)
            if bits & HARD_BREAK_MARK and not _clock(tokens, i):
                breaks.append(i)
            if bits & MEASURE_MARK:
                measures.append(i)
            if bits & BREAK_MARK:
                breaks.append(i)
            if bits & STATUS_MARK:
                statuses.append(i)
            if bits & NON_PERSON_MARK:
                masked.update(range(i, roles[i]["non_persons"].end))
            if bits & CATEGORY_MARK:
                categories.append(i)
        return cls(sorted(set(starts)), sorted(measures), sorted(set(breaks)),
                   sorted(i for i in statuses if i not in masked), sorted(categories))


def _between(positions: list[int], start: int, end: int) -> list[int]:
    """The sorted `positions` in [start, end)."""
    return positions[bisect_left(positions, start) : bisect_left(positions, end)]


def _clock(tokens: Tokens, i: int) -> bool:
    """20:00: a colon between two numbers ends no clause."""
    return (
        tokens[i].text == ":" and 0 < i < len(tokens) - 1
        and tokens[i - 1].kind == DIGIT and tokens[i + 1].kind == DIGIT
    )


def read_sentence(  # noqa: PLR0917 - one rule, one decision list
    figures: FigureReader,
    tokens: Tokens,
    roles: list[dict[str, Match]],
    marks: Marks,
    start: int,
    end: int,
) -> Sentence:
    s = Sentence(start, end)
    # no casualty word: no figure of casualties to read
    has_casualty_word = bool(_between(marks.categories, start, end))
    candidates = _between(marks.figures, start, end) if has_casualty_word else []
    s.measure_starts = _between(marks.measures, start, end)
    s.measures = bool(s.measure_starts)
    if not candidates and not s.measures:
        return s  # nothing to read here: no figure, no measure
    s.breaks = _between(marks.breaks, start, end)
    if s.measures:
        s.statuses = _between(marks.statuses, start, end)
    after = start
    for i in candidates:
        if i < after:
            continue
        fig = figures.figure_at(tokens, roles, i, end)
        if fig is None or fig.end <= i:
            continue
        if not is_time_or_money(tokens, fig):
            s.figures.append(fig)
        after = fig.end
    return s
