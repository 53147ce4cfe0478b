"""Places in a text: names after a place preposition, kinds of places with their names,
descriptions ("the capital") and anaphors ("that district"), resolved where the text allows.

A mention is `Place(start, end, name)`: token range and the name as the article spells it;
`name` is COUNTRY for the whole country (a country's name, "nationwide") and UNRESOLVED for a
description the article never names.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass

from services.extract.engine.grammar import (
    ANAPHOR,
    CAPITAL,
    COUNTRY,
    LARGEST,
    LCONN,
    LHEAD,
    LPREP,
    LTYPE,
    NOT_PLACE,
    PLACE_MARK,
)
from services.extract.engine.phrases import Match
from services.extract.engine.tokens import WORD, Text, Tokens

COUNTRY_NAME = "\x00country"
UNRESOLVED = "\x00unresolved"

IsCountry = Callable[[str], bool]
IsCity = Callable[[str], bool]
_ARTICLE_LEN = 3
_PLACE_ROLES = frozenset({CAPITAL, LARGEST, COUNTRY, ANAPHOR, LTYPE, LPREP, LHEAD})
_UPPER = operator.attrgetter("upper")


@dataclass(frozen=True, slots=True)
class Place:
    start: int
    end: int
    name: str
    typed: bool = False
    """named with a kind of place ("la región X"): an administrative unit"""
    desc: str = ""
    """"capital" or "largest" when a description goes with the name"""
    bare: bool = False
    """a description with no preposition before it: an apposition, not where a fact is"""
    city: bool = False
    """a known city named with no preposition ("a curfew paralyses Dhaka"): it places only
    the fact whose words it is among"""


def _name_at(
    tokens: Tokens, roles: list[dict[str, Match]], i: int, end: int, *, typed: bool
) -> int:
    """End of a capitalised name starting at i (0 words: returns i). A kind of place written
    with a capital ("Región de Valparaíso") may take "de" + name."""
    j = i
    while j < end:
        tok = tokens[j]
        if tok.kind == WORD and tok.upper and NOT_PLACE not in roles[j] and not any(
            k.startswith("measure") for k in roles[j]
        ):
            j += 1
            continue
        if (  # "El Alto", "La Serena": an article that begins a name
            j == i and tok.kind == WORD and tok.upper and len(tok.text) <= _ARTICLE_LEN
            and j + 1 < end and tokens[j + 1].upper and NOT_PLACE not in roles[j + 1]
        ):
            j += 1
            continue
        conn = roles[j].get(LCONN)
        if typed and conn is not None and j == i + 1 and conn.end < end:
            nxt = tokens[conn.end]
            if nxt.kind == WORD and nxt.upper:
                j = conn.end
                continue
        break
    return j


class PlaceReader:
    def __init__(self, is_country: IsCountry | None = None, is_city: IsCity | None = None
                 ) -> None:
        self._is_country = is_country or (lambda _name: False)
        self._is_city = is_city

    def name(self, text: Text, tokens: Tokens, start: int, end: int) -> str:
        raw = text.cut(tokens, start, end)
        return COUNTRY_NAME if self._is_country(raw) else raw

    def mentions(  # noqa: PLR0917 - the text read once, passed on
        self, text: Text, tokens: Tokens, roles: list[dict[str, Match]], lo: int, hi: int,
        marked: list[tuple[int, int]] | None = None,
    ) -> list[Place]:
        """Place mentions in tokens [lo, hi), in text order. Only a token with a place role,
        or a capital where cities are known, starts one: `marked` (see `Grammar.read`)
        tells where the roles are, else every token is looked at."""
        out: list[Place] = []
        span = range(lo, hi)
        if marked is None:
            starts = [at for at in span if not roles[at].keys().isdisjoint(_PLACE_ROLES)]
        else:
            starts = [at for at, bits in marked if bits & PLACE_MARK and lo <= at < hi]
        if self._is_city is not None:
            starts = sorted(set(starts).union(
                itertools.compress(span, map(_UPPER, tokens[lo:hi]))))
        i = lo
        for at in starts:
            if at < i:
                continue  # inside the mention read before
            i = at
            r = roles[i]
            if r.keys().isdisjoint(_PLACE_ROLES):  # a capital
                i = self._city(text, tokens, roles, i, hi, out)
                continue
            cap, big = r.get(CAPITAL), r.get(LARGEST)
            described = [(big, "largest_city")] if big is not None and (
                cap is None or big.end > cap.end) else [(cap, "capital")] if cap else []
            for m, what in described:
                if m is not None:
                    after = _name_at(tokens, roles, m.end, hi, typed=False)
                    if after > m.end:  # "la capitale Nur-Sultan"
                        name = self.name(text, tokens, m.end, after)
                        out.append(Place(m.start, after, name, desc=what))
                    else:
                        bare = not (i > lo and any(
                            k in roles[i - 1] or any(
                                x.get(k) is not None and x[k].end == i
                                for x in roles[max(lo, i - 3) : i])
                            for k in (LPREP,)))
                        out.append(Place(m.start, m.end, "\x00" + what, bare=bare))
                    i = max(after, m.end)
                    break
            else:
                i = self._plain(text, tokens, roles, i, hi, out)
        return out

    def _city(  # noqa: PLR0917 - one rule, one decision list
        self, text: Text, tokens: Tokens, roles: list[dict[str, Match]], i: int, hi: int,
        out: list[Place],
    ) -> int:
        tok = tokens[i]
        if self._is_city is None or not tok.upper or tok.kind != WORD or i == 0 or (
            tokens[i - 1].upper and tokens[i - 1].kind == WORD
        ) or LCONN in roles[i - 1]:  # "les alliés de Moscou": whose, not where
            return i + 1
        end = _name_at(tokens, roles, i, hi, typed=False)
        if end > i:
            raw = text.cut(tokens, i, end)
            if self._is_city(raw) and not self._is_country(raw):
                out.append(Place(i, end, raw, city=True))
            return end
        return i + 1

    def _plain(  # noqa: PLR0911, PLR0912, PLR0917 - one rule, one decision list
        self, text: Text, tokens: Tokens, roles: list[dict[str, Match]], i: int, hi: int,
        out: list[Place],
    ) -> int:
        r = roles[i]
        if COUNTRY in r:
            out.append(Place(i, r[COUNTRY].end, COUNTRY_NAME))
            return r[COUNTRY].end
        if ANAPHOR in r:
            out.append(Place(i, r[ANAPHOR].end, "\x00anaphor"))
            return r[ANAPHOR].end
        if LTYPE in r:
            m = r[LTYPE]
            j = m.end
            conn = roles[j].get(LCONN) if j < hi else None
            if tokens[i].upper:  # "Región Metropolitana", "Región de Valparaíso"
                end = _name_at(tokens, roles, i, hi, typed=True)
                if end > m.end:
                    out.append(Place(i, end, self.name(text, tokens, i, end), typed=True))
                    return end
            elif conn is not None:  # "la comuna de San Bernardo"
                after = conn.end
                end = _name_at(tokens, roles, after, hi, typed=False)
                if end > after:
                    out.append(Place(i, end, self.name(text, tokens, after, end), typed=True))
                    return end
            else:  # "la región Metropolitana"
                end = _name_at(tokens, roles, j, hi, typed=False)
                if end > j:
                    out.append(Place(i, end, self.name(text, tokens, i, end), typed=True))
                    return end
            return m.end
        for role in (LPREP, LHEAD):
            intro = r.get(role)
            if intro is None:
                continue
            j = intro.end
            if role == LHEAD:
                conn = roles[j].get(LCONN) if j < hi else None
                if conn is None:
                    continue
                j = conn.end
            if j < hi and (LTYPE in roles[j] or COUNTRY in roles[j] or ANAPHOR in roles[j]):
                return j
            end = _name_at(tokens, roles, j, hi, typed=False)
            if end > j:
                out.append(Place(i, end, self.name(text, tokens, j, end)))
                return self._coordinated(text, tokens, roles, end, hi, out=out)
        return i + 1

    def _coordinated(
        self, text: Text, tokens: Tokens, roles: list[dict[str, Match]], i: int, hi: int,
        *, out: list[Place],
    ) -> int:
        """"in Colombo and Kandy", "en Lima y Callao": the names joined to a place's name."""
        while i + 1 < hi and ("coordination" in roles[i] or tokens[i].text == ","):
            j = i + 1
            for role in (LCONN, LPREP):  # "de Dakar et de Ziguinchor", "à X et à Y"
                if j < hi and role in roles[j]:
                    j = roles[j][role].end
            end = _name_at(tokens, roles, j, hi, typed=False)
            if end == j:
                break
            out.append(Place(i + 1, end, self.name(text, tokens, j, end)))
            i = end
        return i


def _run_back(tokens: Tokens, roles: list[dict[str, Match]], k: int) -> int:
    """Start of the capitalised run ending at token k (k + 1 when there is none)."""
    j = k
    while j >= 0 and tokens[j].kind == WORD and tokens[j].upper and NOT_PLACE not in roles[j]:
        j -= 1
    return j + 1


def resolve_descriptions(
    text: Text, tokens: Tokens, roles: list[dict[str, Match]], mentions: list[Place]
) -> dict[str, str]:
    """What the article calls its capital and largest city: a description next to a name
    ("Almaty, la capitale économique", "la capitale Nur-Sultan", "the capital, Nairobi")."""
    found: dict[str, str] = {}
    for p in mentions:
        if p.desc and not p.name.startswith("\x00"):
            found.setdefault("\x00" + p.desc, p.name)
    for p in mentions:
        if p.name not in ("\x00capital", "\x00largest_city"):
            continue
        k = p.start - 1
        if k >= 0 and tokens[k].text in {",", "(", "—", "–"}:
            start = _run_back(tokens, roles, k - 1)
            if start <= k - 1:
                found.setdefault(p.name, text.cut(tokens, start, k))
                continue
        k = p.end
        if k + 1 < len(tokens) and tokens[k].text == ",":
            end = _name_at(tokens, roles, k + 1, len(tokens), typed=False)
            if end > k + 1:
                found.setdefault(p.name, text.cut(tokens, k + 1, end))
    return found
