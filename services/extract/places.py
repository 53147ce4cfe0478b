"""The country an article is about, as an ISO 3166-1 alpha-2 code.

Every mention of a country counts for it: its names in the article's language and major
cities (from `data/gazetteer.json`, generated from pycountry, CLDR and GeoNames), and the
demonyms and extra names of the lexicon's `[places]` table ("kényan", "chileno", "UK").
A mention weighs by its kind (a name more than a city, a city more than an adjective) and
its place (title, then lead, then body); the country with the largest weight wins when it
is clearly ahead, so that an article on Kazakhstan that mentions Russian troops stays KZ.
Names and cities count only where written with a capital, as proper nouns are.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import structlog
from pydantic import BaseModel, ConfigDict, Field

from services.extract.engine.caches import CAP
from services.extract.language import fold, lexicon_table

log = structlog.get_logger(__name__)

Kind = Literal["name", "city", "town", "demonym", "none"]
_TOKEN = re.compile(r"\w+")
_ANY_CASE = frozenset({"demonym", "none"})  # kinds that count in lower case too


def name_key(name: str) -> str:
    """A place name as looked up: folded words joined by one space ("cote d ivoire")."""
    return " ".join(_TOKEN.findall(fold(name)))


class PlacesTable(BaseModel):
    """`[places]`: what a language calls countries beyond the generated gazetteer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    names: dict[str, list[str]] = Field(
        default_factory=dict, description="ISO code -> extra names, abbreviations ('UK')"
    )
    demonyms: dict[str, list[str]] = Field(
        default_factory=dict, description="ISO code -> adjectives, masculine singular"
    )
    inflections: dict[str, list[str]] = Field(
        default_factory=dict,
        description="ending of a demonym -> the endings of its other forms, itself included",
    )
    not_places: list[str] = Field(
        default_factory=list,
        description="words that spell no country however they look ('Latin American', 'Nice')",
    )


def _inflected(word: str, inflections: Mapping[str, list[str]]) -> set[str]:
    """'kenyan' with {'an': ['an', 'ane', 'ans', 'anes']} gives the four forms."""
    for ending in sorted(inflections, key=len, reverse=True):
        if word.endswith(ending):
            stem = word[: len(word) - len(ending)] if ending else word
            return {stem + e for e in inflections[ending]} | {word}
    return {word}


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    kind: Kind


@dataclass(frozen=True)
class CountryResolver:
    """Weighs country mentions; see the module docstring. Weights and thresholds are fields.

    Only the first `max_chars` characters of a text are read: an article says early what
    country it is about.
    """

    entries: Mapping[str, _Entry]
    max_chars: int = 3000
    lead_chars: int = 500
    title_weight: float = 3.0
    lead_weight: float = 2.0
    kind_weight: Mapping[str, float] = field(
        default_factory=lambda: {"name": 1.0, "city": 0.8, "town": 0.5, "demonym": 0.75}
    )
    min_score: float = 1.5
    min_ratio: float = 1.5

    @classmethod
    def for_language(cls, lang: str) -> CountryResolver:
        return _resolver(lang)

    @functools.cached_property
    def _spans(self) -> tuple[Mapping[str, int], Mapping[str, int]]:
        """First word -> the most words of an entry starting with it: (any entry, entries
        that count in lower case)."""
        spans: dict[str, int] = {}
        lower: dict[str, int] = {}
        for key, entry in self.entries.items():
            first, size = key.split(" ", 1)[0], key.count(" ") + 1
            spans[first] = max(spans.get(first, 0), size)
            if entry.kind in _ANY_CASE:
                lower[first] = max(lower.get(first, 0), size)
        return spans, lower

    @functools.cached_property
    def _prefixes(self) -> frozenset[str]:
        """The first words of each entry of several words, without its last."""
        out: set[str] = set()
        for key in self.entries:
            words = key.split(" ")
            out.update(" ".join(words[:k]) for k in range(1, len(words)))
        return frozenset(out)

    def scores(
        self, text: str, title: str | None = None, *, folded: str | None = None
    ) -> dict[str, float]:
        """The weight of each country mentioned in the title and text. `folded` is
        `fold(text)` where the caller has it already."""
        scores: dict[str, float] = defaultdict(float)
        if title:
            for code, kind, _ in self._mentions(title):
                scores[code] += self.kind_weight[kind] * self.title_weight
        read = text[: self.max_chars]
        for code, kind, pos in self._mentions(read, folded[: len(read)] if folded else None):
            place = self.lead_weight if pos < self.lead_chars else 1.0
            scores[code] += self.kind_weight[kind] * place
        return dict(scores)

    def resolve(
        self, text: str, title: str | None = None, *, folded: str | None = None
    ) -> str | None:
        scores = self.scores(text, title, folded=folded)
        ranked = sorted(scores.values(), reverse=True)
        if not ranked or ranked[0] < self.min_score:
            return None
        if len(ranked) > 1 and ranked[0] < self.min_ratio * ranked[1]:
            return None
        return max(scores, key=lambda code: scores[code])

    @functools.cached_property
    def _words(self) -> tuple[dict[str, int], dict[str, str]]:
        """Each word as written -> how many words an entry starting with it may have, 0
        where none may (lower case and no entry that counts so); and -> its folded form.
        Filled as words are met, emptied when full (see engine.caches)."""
        return {}, {}

    def _learn(self, written: list[str], starts: list[int | None]) -> None:
        (spans, lower), (span_of, fold_of) = self._spans, self._words
        for k in [k for k, s in enumerate(starts) if s is None]:
            word = written[k]
            folded = fold(word)
            span = spans.get(folded)
            if span is not None and not word[0].isupper():
                span = lower.get(folded)
            starts[k] = span or 0
            if len(span_of) >= CAP:  # emptied together when full (see engine.caches)
                span_of.clear()
                fold_of.clear()
            span_of[word], fold_of[word] = span or 0, folded

    def _mentions(self, text: str, folded: str | None = None) -> list[tuple[str, str, int]]:
        """(code, kind, offset) of each mention; the longest entry wins where several start.

        A word's fold is its own whatever its neighbours (a capital sigma aside, read the
        slow way), so words are read as written, and folded and looked up once per word;
        and a fold of a longer text starts with the fold of this one."""
        if "\u03a3" in text:
            return self._mentions_folded(text)
        written = _TOKEN.findall(text)
        span_of, fold_of = self._words
        starts: list[int | None] = list(map(span_of.get, written))
        if None in starts:
            self._learn(written, starts)
        entries, prefixes = self.entries, self._prefixes
        found: list[tuple[str, str, int]] = []
        cursor = after = 0
        size = len(written)
        for i in itertools.compress(range(size), starts):
            if i < after:
                continue  # inside the entry found before
            word = written[i]
            capital = word[0].isupper()
            key = fold_of.get(word) or fold(word)
            best: tuple[_Entry, str, int] | None = None
            n = 1
            while True:  # the longest entry from here that counts as written
                entry = entries.get(key)
                if entry is not None and (capital or entry.kind in _ANY_CASE):
                    best = (entry, key, n)
                if i + n >= size or key not in prefixes:
                    break
                nxt = written[i + n]
                key = f"{key} {fold_of.get(nxt) or fold(nxt)}"
                n += 1
            if best is None:
                continue
            entry, key, n = best
            if entry.kind != "none":
                folded = folded if folded is not None else fold(text)
                first = key.split(" ", 1)[0]
                pos = _locate(folded, first, cursor)
                cursor = pos + len(first)
                found.append((entry.code, entry.kind, pos))
            after = i + n
        return found

    def _mentions_folded(self, text: str) -> list[tuple[str, str, int]]:
        """`_mentions` word by word over the folded text."""
        folded = fold(text)
        words = _TOKEN.findall(folded)
        written = _TOKEN.findall(text)  # the same words as written: fold keeps word chars
        if len(written) != len(words):
            written = words
        (spans, lower), entries = self._spans, self.entries
        found: list[tuple[str, str, int]] = []
        cursor = i = 0
        while i < len(words):
            span = spans.get(words[i])
            capital = span is not None and written[i][0].isupper()
            if span is not None and not capital:
                span = lower.get(words[i])
            if span is None:
                i += 1
                continue
            for n in range(min(span, len(words) - i), 0, -1):
                entry = entries.get(" ".join(words[i : i + n]) if n > 1 else words[i])
                if entry is None or not (capital or entry.kind in _ANY_CASE):
                    continue
                if entry.kind != "none":
                    pos = _locate(folded, words[i], cursor)
                    cursor = pos + len(words[i])
                    found.append((entry.code, entry.kind, pos))
                i += n - 1
                break
            i += 1
        return found


def _locate(folded: str, word: str, start: int) -> int:
    """Offset of the first whole-word `word` at or after `start`.

    Words before it that are not entries were skipped, and an earlier equal word would have
    been looked up first, so the first whole-word occurrence is the word itself.
    """
    pos = folded.find(word, start)
    while pos >= 0:
        after = pos + len(word)
        if (pos == 0 or not folded[pos - 1].isalnum()) and (
            after == len(folded) or not folded[after].isalnum()
        ):
            return pos
        pos = folded.find(word, pos + 1)
    return start


def _gazetteer() -> dict[str, Any]:
    path = resources.files("services.extract") / "data" / "gazetteer.json"
    with path.open("r", encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@functools.cache
def _resolver(lang: str) -> CountryResolver:
    gazetteer = _gazetteer()
    table = PlacesTable(**lexicon_table(lang, "places"))
    inflections = {fold(k): [fold(e) for e in v] for k, v in table.inflections.items()}
    entries: dict[str, _Entry] = {
        key: _Entry(code, "town") for key, code in gazetteer["towns"].items()
    }
    entries.update({key: _Entry(code, "city") for key, code in gazetteer["cities"].items()})
    for code, words in table.demonyms.items():
        for word in words:
            for form in _inflected(name_key(word), inflections):
                entries[form] = _Entry(code, "demonym")
    names = dict(gazetteer["names"].get(lang, {}))
    names.update({name_key(n): code for code, ns in table.names.items() for n in ns})
    entries.update({key: _Entry(code, "name") for key, code in names.items()})
    entries.update({name_key(w): _Entry("", "none") for w in table.not_places})
    log.info("places_loaded", lang=lang, entries=len(entries))
    return CountryResolver(entries)
