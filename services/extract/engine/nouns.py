"""The people a figure counts: the noun phrase after it ("Treize membres des forces de
sécurité", "26 « criminels armés »", "65" with no noun at all, "41 stations": no people)."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.vocab import Category, Group
from services.extract.engine.grammar import CATEGORY, GROUP, MEMBERS, OTHERS, TOLL
from services.extract.engine.phrases import Match
from services.extract.engine.tokens import DIGIT, WORD, Tokens


@dataclass(slots=True)
class NounPhrase:
    kind: str
    """group | category | empty | reject"""
    end: int
    group: Group | None = None
    category: Category | None = None
    others: bool = False
    unknown_head: bool = False
    """an unknown word heads it ("45 suspects arrested"): no group to inherit"""


class NounReader:
    def read(  # noqa: PLR0911, PLR0912 - one rule, one decision list
        self, tokens: Tokens, roles: list[dict[str, Match]], i: int, hi: int
    ) -> NounPhrase:
        others = False
        glue = 0
        first = i
        while i < hi:
            tok, r = tokens[i], roles[i]
            if tok.quote or (i == first and tok.text == "-"):
                i += 1
                continue
            if TOLL in r and CATEGORY not in r:  # "27 le nombre de morts"
                for k in range(r[TOLL].end, min(hi, r[TOLL].end + 4)):
                    if tokens[k].kind == DIGIT:
                        break
                    if CATEGORY in roles[k]:
                        return NounPhrase("category", roles[k][CATEGORY].end,
                                           category=Category(roles[k][CATEGORY].value))
            if "non_persons" in r:
                return NounPhrase("reject", i)
            if CATEGORY in r and GROUP not in r:
                return NounPhrase("category", r[CATEGORY].end, category=Category(
                    r[CATEGORY].value), others=others)
            if GROUP in r:
                return NounPhrase("group", r[GROUP].end, group=Group(r[GROUP].value),
                                   others=others)
            if MEMBERS in r or OTHERS in r:
                others = others or OTHERS in r
                i = (r.get(MEMBERS) or r[OTHERS]).end
                continue
            if "glue" in r and glue < 2:
                glue += 1
                i = r["glue"].end
                continue
            if tok.kind == WORD and not tok.upper and not self._grammatical(r):
                if others:
                    return NounPhrase("empty", i, others=True)
                return self._unknown(tokens, roles, i, hi, others)
            if tok.kind == WORD and tok.upper and not self._grammatical(r):
                return NounPhrase("reject", i)
            return NounPhrase("empty", i, others=others)
        return NounPhrase("empty", i, others=others)

    @staticmethod
    def _grammatical(r: dict[str, Match]) -> bool:
        return bool(r) and any(
            k in r for k in ("auxiliaries", "relative", "l_prep", "agent", "coordination",
                             "negation", "hypothetical", "subset", "subset_after", "among",
                             "qual", "earlier", "future", "pluperfect", "r_to", CATEGORY)
        )

    def _unknown(
        self, tokens: Tokens, roles: list[dict[str, Match]], i: int, hi: int, others: bool
    ) -> NounPhrase:
        """Unknown words after a figure: adjectives before a known noun ("three young
        protesters"), a verb before a predicate ("65 resultaron heridas"), or a noun that
        counts things, not people ("41 stations")."""
        for k in range(i + 1, min(i + 3, hi)):
            r = roles[k]
            if GROUP in r:
                return NounPhrase("group", r[GROUP].end, group=Group(r[GROUP].value),
                                   others=others)
            if CATEGORY in r:
                return NounPhrase("empty", i, others=others, unknown_head=True)
            if tokens[k].kind != WORD:
                break
        return NounPhrase("reject", i)

