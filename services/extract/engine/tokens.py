"""Tokens and sentences: the text cut into words, numbers and marks, with their offsets."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from services.extract.engine.caches import keep

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
SENTENCE_END = frozenset(".!?")
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


class Word(NamedTuple):
    """A token without its offsets (`read` gives them apart): one object for each way a
    word, number or mark is written, wherever it stands."""

    text: str
    norm: str
    fold: str
    kind: str
    upper: bool
    quote: bool = False
    key: str = ""


Piece = Word | Token
Tokens = Sequence[Piece]
"""what the engine reads: words (with their offsets apart) or tokens"""


class Text(NamedTuple):
    """A text and where each of its tokens starts."""

    text: str
    starts: Sequence[int]

    def cut(self, tokens: Tokens, start: int, end: int) -> str:
        """The text of tokens [start, end), blanks inside it included."""
        return self.text[self.starts[start] : self.starts[end - 1] + len(tokens[end - 1].text)]


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


def _forms(raw: str) -> tuple[str, str, bool, str]:
    norm, folded = raw.lower().translate(_APOSTROPHES), fold(raw)
    return keep(_FORMS, raw, (norm, folded, raw[0].isupper(), match_key(norm, folded)))


def match_key(norm: str, folded: str) -> str:
    """Words of one or two letters are compared as written (`a` is not `à`), others folded."""
    return folded if len(folded) > _SHORT else "=" + norm


_OTHERS: dict[str, tuple[str, bool, bool, str]] = {}


def _other(raw: str, kind: str) -> tuple[str, bool, bool, str]:
    """The fields of a number or a mark after its offsets: (kind, upper, quote, key)."""
    return keep(_OTHERS, raw,
                 (kind, False, raw in _QUOTES, raw if len(raw) > _SHORT else "=" + raw))


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


def read(text: str) -> tuple[list[Word], Text]:
    """The tokens of a text as words, and the text with where each starts.

    A text is read run of non-blanks by run: the tokens of a run do not depend on what is
    around it (the blanks that end it end any token too), so each run is cut once, its
    words kept, and moved to where it stands. A number in groups may go on across one
    blank ("8 000"): runs on either side of such a blank are cut together."""
    first = _ACROSS.search(text)
    joins = {m.start() + 1 for m in _ACROSS_AT.finditer(text, first.start())} if first else None
    words: list[Word] = []
    starts: list[int] = []
    add, add_all, at, at_all = words.append, words.extend, starts.append, starts.extend
    cut = _RUNS.get
    end = 0
    runs = iter(_RUN.findall(text))
    for blank, run in runs:
        start = end + len(blank)
        end = start + len(run)
        if joins and end in joins:  # "8 000": up to the last run the number goes on into
            while end in joins:
                end += sum(map(len, next(runs)))  # its blank and its run
            got, offsets = _words(tokenize(text[start:end]))
        else:
            got, offsets = cut(run) or _cut(run)
        if len(got) == 1:
            add(got[0])
            at(start)
        else:
            add_all(got)
            at_all([start + offset for offset in offsets])
    return words, Text(text, starts)


_RUN = re.compile(r"(\s*)(\S+)")
_ACROSS = re.compile(r"\d[\u00a0\u202f\u2009 ]\d")
_ACROSS_AT = re.compile(r"(?=\d[\u00a0\u202f\u2009 ]\d)")
"""where a number in groups may go on across a blank (each, overlapping)"""
_RUNS: dict[str, tuple[tuple[Word, ...], tuple[int, ...]]] = {}
"""a run of non-blanks -> its words and their offsets in it"""
_WORDS: dict[str, Word] = {}
"""a token's text -> its word (the text tells the rest), so that runs share their words"""


def _words(toks: list[Token]) -> tuple[tuple[Word, ...], tuple[int, ...]]:
    """The words of the tokens of a run, and their offsets in it."""
    words: list[Word] = []
    for tok in toks:
        word = _WORDS.get(tok.text)
        if word is None:
            word = keep(_WORDS, tok.text, Word(tok.text, tok.norm, tok.fold, tok.kind,
                                                tok.upper, tok.quote, tok.key))
        words.append(word)
    return tuple(words), tuple(tok.start for tok in toks)


def _cut(run: str) -> tuple[tuple[Word, ...], tuple[int, ...]]:
    return keep(_RUNS, run, _words(tokenize(run)))


def phrase_tokens(phrase: str) -> list[str]:
    """How a lexicon phrase is cut: the same cuts as a text, folded."""
    return [t.fold for t in tokenize(phrase)]


def sentences(tokens: list[Token], text: str) -> list[tuple[int, int]]:
    """Token index ranges [start, end) of the sentences: a full stop (not after an initial
    such as "M."), or a line break, ends one."""
    return sentence_spans(tokens, text, [t.start for t in tokens])


def sentence_spans(
    tokens: Tokens, text: str, starts: Sequence[int], stops: Iterable[int] | None = None
) -> list[tuple[int, int]]:
    """`sentences`, where each token starts at `starts`; `stops`, where known, the marks
    that may end a sentence (else every token is looked at)."""
    ends: set[int] = set()
    n = len(tokens)
    at = text.find("\n")
    while at != -1:  # the token before each line break ends a sentence
        k = bisect_right(starts, at) - 1
        if 0 <= k < n - 1:
            ends.add(k)
        at = text.find("\n", at + 1)
    for i in range(n) if stops is None else stops:
        tok = tokens[i]
        if tok.kind == MARK and tok.text in SENTENCE_END:
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
