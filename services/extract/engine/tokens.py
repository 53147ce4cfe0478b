"""Tokens and sentences: the text cut into words, numbers and marks, with their offsets."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from typing import NamedTuple

# A number with thousands groups (2.000, 8 000, 1,200, thin or no-break spaces), a plain
# number (with a decimal part), a word (letters joined by hyphens, an elided apostrophe kept
# on its left part: d' qu' l'), or any other single mark.
# Each token comes with the blanks before it (no token starts with a blank), so that offsets
# follow from lengths and one `findall` reads the whole text.
_TOKEN = re.compile(
    r"(\s*)(?:([^\W\d_]+(?:-[^\W\d_]+)*(?:['’](?![sS]\b))?)"
    r"|(\d{1,3}(?:[.,\u00a0\u202f\u2009 ]\d{3})+(?![\d])(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"|(\S))",
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
    key: str = ""
    """how the phrase matcher looks it up: `fold`, or `=` + `norm` for one or two letters"""

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


_FORMS: dict[str, tuple[str, str, bool, str]] = {}
_SHORT = 2
_FORMS_CAP = 200_000


def _forms(raw: str) -> tuple[str, str, bool, str]:
    norm, folded = raw.lower().translate(_APOSTROPHES), fold(raw)
    forms = (norm, folded, raw[0].isupper(), match_key(norm, folded))
    if len(_FORMS) < _FORMS_CAP:
        _FORMS[raw] = forms
    return forms


def match_key(norm: str, folded: str) -> str:
    """Words of one or two letters are compared as written (`a` is not `à`), others folded."""
    return folded if len(folded) > _SHORT else "=" + norm


_OTHERS: dict[str, tuple[str, bool, bool, str]] = {}


def _other(raw: str, kind: str) -> tuple[str, bool, bool, str]:
    """The fields of a number or a mark after its offsets: (kind, upper, quote, key)."""
    rest = (kind, False, raw in _QUOTES, raw if len(raw) > _SHORT else "=" + raw)
    if len(_OTHERS) < _FORMS_CAP:
        _OTHERS[raw] = rest
    return rest


def tokenize(text: str, offset: int = 0) -> list[Token]:
    out: list[Token] = []
    append = out.append
    known, other = _FORMS.get, _OTHERS.get
    make = tuple.__new__  # a NamedTuple built without its Python-level constructor: faster
    end = offset
    for blank, word, digit, mark in _TOKEN.findall(text):
        start = end + len(blank)
        if word:
            end = start + len(word)
            norm, folded, upper, key = known(word) or _forms(word)
            append(make(Token, (word, norm, folded, start, end, WORD, upper, False, key)))
        else:
            raw = digit or mark
            end = start + len(raw)
            rest = other(raw) or _other(raw, DIGIT if digit else MARK)
            append(make(Token, (raw, raw, raw, start, end, *rest)))
    return out


def phrase_tokens(phrase: str) -> list[str]:
    """How a lexicon phrase is cut: the same cuts as a text, folded."""
    return [t.fold for t in tokenize(phrase)]


def sentences(tokens: list[Token], text: str) -> list[tuple[int, int]]:
    """Token index ranges [start, end) of the sentences: a full stop (not after an initial
    such as "M."), or a line break, ends one."""
    ends: set[int] = set()
    n = len(tokens)
    starts = [t.start for t in tokens]
    at = text.find("\n")
    while at != -1:  # the token before each line break ends a sentence
        k = bisect_right(starts, at) - 1
        if 0 <= k < n - 1:
            ends.add(k)
        at = text.find("\n", at + 1)
    for i, tok in enumerate(tokens):
        if tok.kind == MARK and tok.text in _SENTENCE_END:
            prev = tokens[i - 1] if i else None
            nxt = tokens[i + 1] if i + 1 < n else None
            short = prev is not None and prev.kind == WORD and len(prev.text) == 1 and prev.upper
            if not short and (nxt is None or nxt.upper or nxt.kind != WORD):
                ends.add(i)
    spans: list[tuple[int, int]] = []
    begin = 0
    for i in sorted(ends):
        if i >= begin:
            spans.append((begin, i + 1))
            begin = i + 1
    if begin < n:
        spans.append((begin, n))
    return spans
