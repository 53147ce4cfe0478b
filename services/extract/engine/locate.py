"""Where a fact happened: the place mentions of an article read once, then picked for each
fact by its window of tokens; descriptions ("the capital") and anaphors ("that district")
resolved to the names the article gives."""

from __future__ import annotations

from services.extract.engine.phrases import Match
from services.extract.engine.places import COUNTRY_NAME, Place
from services.extract.engine.tokens import Tokens

MULTI = "\x00multi"
_FRAME = 3


class Located:
    """Where each fact happened, from the place mentions of the article."""

    def __init__(self, text: str, tokens: Tokens, mentions: list[Place],
                 described: dict[str, str]) -> None:
        self.text, self.tokens, self.mentions, self.described = text, tokens, mentions, described
        named: dict[str, int] = {}
        for p in mentions:
            if not p.name.startswith("\x00"):
                named[p.name] = named.get(p.name, 0) + 1
        # the article's one place, or the one it names most: what "the capital" stands for
        most = max(named.values(), default=0)
        top = [name for name, n in named.items() if n == most]
        self.most = top[0] if len(top) == 1 else None

    def resolve(self, p: Place) -> str | None:
        if not p.name.startswith("\x00") or p.name == COUNTRY_NAME:
            return p.name
        if p.name in ("\x00capital", "\x00largest_city"):
            return self.described.get(p.name) or self.most
        if p.name == "\x00anaphor":
            before = [q for q in self.mentions if q.end <= p.start and q.start >= p.start - 80
                      and not q.name.startswith("\x00")]
            typed = [q for q in before if q.typed]
            pick = (typed or before)
            return pick[-1].name if pick else None
        return None

    def frame(self, tokens: Tokens, roles: list[dict[str, Match]], lo: int, hi: int
              ) -> str | None:
        """"In the province of Cotopaxi, ...": a place that opens the sentence frames it."""
        if lo >= hi or "l_prep" not in roles[lo]:
            return None
        first = next((p for p in self.mentions if (lo < p.start <= lo + _FRAME and not p.bare)
                      or p.start == lo), None)
        if first is None or first.end >= hi or tokens[first.end].text != ",":
            return None
        return self.resolve(first)

    def pick(self, lo: int, hi: int, fact: tuple[int, int] | None = None) -> str | None:
        names: list[str] = []
        for p in self.mentions:
            if p.city and not (fact and fact[0] <= p.start <= fact[1]):
                continue
            if p.start >= lo and p.start < hi and not p.bare:
                name = self.resolve(p)
                if name is not None and name not in names:
                    names.append(name)
        real = [n for n in names if n != COUNTRY_NAME]
        if len(real) == 1:
            return real[0]
        if len(real) > 1:
            return MULTI
        return COUNTRY_NAME if names else None
