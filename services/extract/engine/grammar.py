"""A lexicon compiled for the engine: one phrase matcher over every role, built once."""

from __future__ import annotations

from dataclasses import dataclass

from services.extract.engine.phrases import Match, PhraseMatcher
from services.extract.engine.tokens import DIGIT, SENTENCE_END, WORD, Piece, Tokens, fold
from services.extract.lexicon import Lexicon

# role names used by the engine modules
AMOUNT, QUAL, QUAL_AFTER = "amount", "qual", "qual_after"
RANGE_OPEN, RANGE_JOIN, RANGE_FROM, RANGE_TO, CHANGE = "r_open", "r_join", "r_from", "r_to", "chg"
GROUP, MEMBERS, OTHERS = "group", "members", "others"
CATEGORY, TOLL, FATE = "category", "tolls", "fates"
MEASURE, STATUS = "measure", "status"
LPREP, LHEAD, LTYPE, CAPITAL, LARGEST, COUNTRY, ANAPHOR, LCONN, NOT_PLACE = (
    "l_prep", "l_head", "l_type", "capital", "largest_city", "country", "anaphor", "l_conn",
    "not_place",
)
# bits of the roles some readers look for at every token: `Grammar.read` lists where they are
FIGURE_MARK, MEASURE_MARK, BREAK_MARK, STATUS_MARK, NON_PERSON_MARK, PLACE_MARK = (
    1, 2, 4, 8, 16, 32)
# a casualty word: a sentence without one states no casualty figure (every rule takes its
# category from one in the sentence), so its figures are not read
CATEGORY_MARK = 512
# and of what a token is, whatever its roles: a number (digits or number words), a mark that
# may end a sentence, a mark that ends a clause
NUMBER_MARK, STOP_MARK, HARD_BREAK_MARK = 64, 128, 256
HARD_BREAKS = frozenset({";", ":", "(", ")", "?", "!"})
ROLE_MARKS = {
    **dict.fromkeys((QUAL, AMOUNT, RANGE_OPEN, RANGE_FROM, CHANGE), FIGURE_MARK),
    MEASURE: MEASURE_MARK, "clause_breaks": BREAK_MARK, STATUS: STATUS_MARK,
    "non_persons": NON_PERSON_MARK, CATEGORY: CATEGORY_MARK,
    **dict.fromkeys((CAPITAL, LARGEST, COUNTRY, ANAPHOR, LTYPE, LPREP, LHEAD), PLACE_MARK),
}
CUE_ROLES = (
    "negation", "hypothetical", "subset", "subset_after", "earlier", "among", "agent",
    "auxiliaries", "pluperfect", "future", "relative", "clause_breaks", "ellipsis",
    "coordination", "partial", "glue", "non_persons", "increments", "demands", "pronouns",
)


@dataclass(frozen=True, slots=True)
class NumberWords:
    units: dict[str, int]
    multipliers: dict[str, int]
    scales: dict[str, int]
    connectors: frozenset[str]
    ambiguous: frozenset[str]

    def value_of(self, word: str) -> tuple[str, int] | None:
        if word in self.units:
            return "unit", self.units[word]
        if word in self.multipliers:
            return "mult", self.multipliers[word]
        if word in self.scales:
            return "scale", self.scales[word]
        return None

    def parts(self, word: str) -> list[tuple[str, int]] | None:
        """The number words of a folded word, hyphenated ones part by part, or None."""
        whole = self.value_of(word)
        if whole is not None:
            return [whole]
        if "-" not in word:
            return None
        pieces = word.split("-")
        out: list[tuple[str, int]] = []
        k = 0
        while k < len(pieces):
            for stop in range(len(pieces), k, -1):  # longest known compound first
                hit = self.value_of("-".join(pieces[k:stop]))
                if hit is not None:
                    out.append(hit)
                    k = stop
                    break
            else:
                if pieces[k] in self.connectors and out:
                    k += 1
                    continue
                return None
        return out


class Grammar:
    """Everything the engine needs of one language, compiled at construction."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.lang = lexicon.lang
        nums = lexicon.numbers
        self.numbers = NumberWords(
            units={fold(k): v for k, v in nums.units.items()},
            multipliers={fold(k): v for k, v in nums.multipliers.items()},
            scales={fold(k): v for k, v in nums.scales.items()},
            connectors=frozenset(fold(c) for c in nums.connectors),
            ambiguous=frozenset(fold(c) for c in nums.ambiguous),
        )
        self.future_suffixes = tuple(s.lower() for s in lexicon.cues.future_suffixes)
        m = PhraseMatcher(ROLE_MARKS, self._token_marks)
        for i, amount in enumerate(lexicon.amounts):
            m.add_all(amount.phrases, AMOUNT, str(i))
        q = lexicon.qualifiers
        for name in ("at_least", "about", "nearly", "up_to"):
            m.add_all(getattr(q, name), QUAL, name)
        m.add_all(q.at_least_after, QUAL_AFTER, "at_least")
        r = lexicon.ranges
        m.add_all(r.open, RANGE_OPEN)
        m.add_all(r.join, RANGE_JOIN)
        m.add_all(r.from_, RANGE_FROM)
        m.add_all(r.to, RANGE_TO)
        m.add_all(r.changes, CHANGE)
        for group, phrases in lexicon.victims.by_group().items():
            m.add_all(phrases, GROUP, group.value)
        m.add_all(lexicon.victims.members, MEMBERS)
        m.add_all(lexicon.victims.others, OTHERS)
        for category, phrases in lexicon.casualties.by_category().items():
            m.add_all(phrases, CATEGORY, category.value)
        m.add_all(lexicon.casualties.tolls, TOLL)
        m.add_all(lexicon.casualties.fates, FATE)
        for role in CUE_ROLES:
            m.add_all(getattr(lexicon.cues, role), role)
        for i, entry in enumerate(lexicon.measures):
            m.add_all(entry.phrases, f"{MEASURE}:{i}", str(i))
            m.add_all(entry.phrases, MEASURE, str(i))  # any entry: where a measure is named
        for cls, phrases in lexicon.status.by_class().items():  # a word may be in two
            m.add_all(phrases, f"{STATUS}:{cls}", cls)
            m.add_all(phrases, STATUS, cls)
        loc = lexicon.locations
        for role, phrases in (
            (LPREP, loc.prepositions), (LHEAD, loc.heads), (LTYPE, loc.types),
            (CAPITAL, loc.capital), (LARGEST, loc.largest_city), (COUNTRY, loc.country),
            (ANAPHOR, loc.anaphors), (LCONN, loc.connectors), (NOT_PLACE, loc.not_places),
        ):
            m.add_all(phrases, role)
        self.matcher = m

    def _token_marks(self, tok: Piece) -> int:
        """`NUMBER_MARK`, `STOP_MARK`, `HARD_BREAK_MARK`: what a token is."""
        if tok.kind == DIGIT:
            return NUMBER_MARK
        if tok.kind == WORD:
            return NUMBER_MARK if self.numbers.parts(tok.fold) is not None else 0
        return (STOP_MARK if tok.text in SENTENCE_END else 0) | (
            HARD_BREAK_MARK if tok.text in HARD_BREAKS else 0)

    def scan(
        self, tokens: Tokens
    ) -> tuple[list[dict[str, Match]], dict[int, dict[str, Match]]]:
        """For each token, the longest match of each role starting there (a measure's name
        under `measure:<entry>` for each entry that reads it, and under `measure`); and the
        same for only the tokens where something starts. Tokens where nothing starts share
        one empty mapping: read only."""
        roles, found, _ = self.read(tokens)
        return roles, found

    def read(
        self, tokens: Tokens
    ) -> tuple[list[dict[str, Match]], dict[int, dict[str, Match]], list[tuple[int, int]]]:
        """`scan`, and (token, bits) where a marked role starts or a token is one of those
        `_token_marks` tells: bits of `ROLE_MARKS` for its roles, and of what it is."""
        found, marked = self.matcher.read(tokens)
        out: list[dict[str, Match]] = [_NOTHING] * len(tokens)
        for i, roles in found.items():
            out[i] = roles
        return out, found, marked


_NOTHING: dict[str, Match] = {}
