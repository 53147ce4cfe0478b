"""Tokens and sentences: the text cut into words, numbers and marks, with their offsets."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# A number with thousands groups (2.000, 8 000, 1,200, thin or no-break spaces), a plain
# number (with a decimal part), a word (letters joined by hyphens, an elided apostrophe kept
# on its left part: d' qu' l'), or any other single mark.
_TOKEN = re.compile(
    r"[^\W\d_]+(?:-[^\W\d_]+)*(?:['’](?![sS]\b))?"
    r"|\d{1,3}(?:[.,\u00a0\u202f\u2009 ]\d{3})+(?![\d])(?:[.,]\d+)?"
    r"|\d+(?:[.,]\d+)?"
    r"|\S",
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_QUOTES = frozenset("\"“”«»„‟‹›'’‘")
_SENTENCE_END = frozenset(".!?")
DIGIT, WORD, MARK = "digit", "word", "mark"


class Token(NamedTuple):
    text: str
    norm: str
    """lower case, plain apostrophes"""
    fold: str
    """`norm` without accents"""
    start: int
    end: int
    kind: str
    upper: bool
    """starts with a capital letter"""
    quote: bool = False
    """a quotation mark"""

    @property
    def is_quote(self) -> bool:
        return self.quote


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case, plain apostrophes, no accents."""
    low = text.lower().translate(_APOSTROPHES)
    if low.isascii():
        return low
    decomposed = unicodedata.normalize("NFD", low)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _forms(raw: str) -> tuple[str, str]:
    return raw.lower().translate(_APOSTROPHES), fold(raw)


def tokenize(text: str, offset: int = 0) -> list[Token]:
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        first = raw[0]
        if first.isdigit():
            kind = DIGIT
        elif first.isalpha():
            kind = WORD
        else:
            kind = MARK
        if kind == MARK:
            out.append(Token(raw, raw, raw, m.start() + offset, m.end() + offset, kind, False,
                             raw in _QUOTES))
            continue
        norm, folded = _forms(raw)
        out.append(
            Token(raw, norm, folded, m.start() + offset, m.end() + offset, kind, first.isupper())
        )
    return out


def phrase_tokens(phrase: str) -> list[str]:
    """How a lexicon phrase is cut: the same cuts as a text, folded."""
    return [t.fold for t in tokenize(phrase)]


def sentences(tokens: list[Token], text: str) -> list[tuple[int, int]]:
    """Token index ranges [start, end) of the sentences: a full stop, a line break, or a
    colon-free headline line ends one."""
    spans: list[tuple[int, int]] = []
    begin = 0
    n = len(tokens)
    for i, tok in enumerate(tokens):
        end_here = False
        if tok.kind == MARK and tok.text in _SENTENCE_END:
            # "M." or an initial is no sentence end; a number's decimal point is not a token
            prev = tokens[i - 1] if i else None
            nxt = tokens[i + 1] if i + 1 < n else None
            short = prev is not None and prev.kind == WORD and len(prev.text) == 1 and prev.upper
            end_here = not short and (nxt is None or nxt.upper or nxt.kind != WORD)
        elif i + 1 < n and "\n" in text[tok.end : tokens[i + 1].start]:
            end_here = True
        if end_here:
            spans.append((begin, i + 1))
            begin = i + 1
    if begin < n:
        spans.append((begin, n))
    return spans
