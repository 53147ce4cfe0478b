"""Which of our languages an article is written in, from each lexicon's function words.

Every lexicon's `[language]` table lists the most frequent function words of its language.
A text is taken for the language whose words cover the largest share of its first tokens,
when that share is high enough and clearly ahead of the runner-up; otherwise it is in a
language we cannot read (German, Portuguese...) or too short to tell, and the answer is None.
Adding a language is adding its lexicon: no code here names one.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field

log = structlog.get_logger(__name__)

_WORD = re.compile(r"[^\W\d_]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_APOSTROPHES = "\u2019\u2018\u00b4\u0060"


@functools.cache
def _lexicon(lang: str) -> Mapping[str, Any]:
    path = resources.files("services.extract") / "lexicons" / f"{lang}.toml"
    if not path.is_file():
        raise LookupError(f"no lexicon for language {lang!r}")
    with path.open("rb") as f:
        return tomllib.load(f)


def lexicon_table(lang: str, table: str) -> Mapping[str, Any]:
    """One top-level table of `lexicons/<lang>.toml`, the file read once per process."""
    data = _lexicon(lang).get(table)
    if not isinstance(data, Mapping):
        raise LookupError(f"lexicon {lang!r} has no [{table}] table")
    return data


@functools.cache
def _fold_table() -> Mapping[str, str]:
    table = dict.fromkeys(_APOSTROPHES, "'")
    for code in range(0x80, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0].lower()
        if len(base) == 1 and base != char:
            table[char] = base
    return table


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made plain, at the same offsets.

    `fold("Côte d’Ivoire")` is `"cote d'ivoire"`; a character whose lower case would take
    two (Turkish dotted I) leaves it as it was, so that offsets in the result are offsets
    in the text.
    """
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    if low.isascii():
        return low
    table = _fold_table()
    for char in set(_NON_ASCII.findall(low)):
        base = table.get(char)
        if base is not None:
            low = low.replace(char, base)
    return low


class LanguageTable(BaseModel):
    """`[language]`: how to recognise text in the lexicon's language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    words: list[str] = Field(min_length=20, description="frequent function words, lowercase")


@dataclass(frozen=True, slots=True)
class LanguageDetector:
    """Function-word coverage over the first `sample_chars` characters of a text.

    `words` maps each language to its function words. A language needs `min_share` of the
    tokens among its words, and at least `min_own` hits on words no other language lists,
    `min_lead` times as many as any other language: French and Spanish share "de", "la",
    "que", and a Catalan or Portuguese text shares them too.
    """

    words: Mapping[str, frozenset[str]]
    sample_chars: int = 1200
    min_tokens: int = 6
    min_share: float = 0.3
    min_own: int = 3
    min_lead: float = 2.0
    own: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        seen = Counter(w for words in self.words.values() for w in words)
        own = {w: lang for lang, words in self.words.items() for w in words if seen[w] == 1}
        object.__setattr__(self, "own", own)

    @classmethod
    def from_lexicons(cls, langs: Sequence[str]) -> LanguageDetector:
        return _detector(tuple(langs))

    def detect(self, text: str) -> str | None:
        tokens = _WORD.findall(text[: self.sample_chars].lower())
        if len(tokens) < self.min_tokens:
            return None
        own = Counter(self.own[t] for t in tokens if t in self.own)
        ranked = own.most_common(2)
        if not ranked:
            return None
        lang, hits = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        if hits < self.min_own or hits < self.min_lead * runner_up:
            return None
        words = self.words[lang]
        if sum(t in words for t in tokens) < self.min_share * len(tokens):
            return None
        return lang


@functools.cache
def _detector(langs: tuple[str, ...]) -> LanguageDetector:
    words = {
        lang: frozenset(w.lower() for w in LanguageTable(**lexicon_table(lang, "language")).words)
        for lang in langs
    }
    log.info("language_words_loaded", langs=list(langs), words=sum(map(len, words.values())))
    return LanguageDetector(words=words)
