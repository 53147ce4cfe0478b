"""The figure reader: formatted integers read back to their value, in every language."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.extract.engine.grammar import Grammar
from services.extract.engine.numbers import FigureReader
from services.extract.engine.tokens import DIGIT, tokenize
from services.extract.lexicon import available_languages, load_lexicon

LANGS = available_languages()
# thousands separators as newspapers print them: dot, comma, space, no-break, narrow and thin
SEPARATORS = [".", ",", " ", "\u00a0", "\u202f", "\u2009"]


def grouped(value: int, separator: str) -> str:
    return f"{value:,}".replace(",", separator)


@functools.cache
def reader_of(lang: str) -> FigureReader:
    return FigureReader(Grammar(load_lexicon(lang)))


def read(lang: str, text: str) -> tuple[int, str] | None:
    """The value and token text of the first figure in `text`, as the engine reads it."""
    reader = reader_of(lang)
    tokens = tokenize(text)
    for i, tok in enumerate(tokens):
        if tok.kind == DIGIT:
            got = reader.number_at(tokens, i, len(tokens))
            return (got[0], tok.text) if got else None
    return None


@pytest.fixture(scope="module", params=LANGS)
def lang(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@settings(max_examples=300, deadline=None)
@given(value=st.integers(min_value=1000, max_value=10**12 - 1),
       separator=st.sampled_from(SEPARATORS))
def test_grouped_integer_round_trips(lang: str, value: int, separator: str) -> None:
    text = grouped(value, separator)
    assert read(lang, text) == (value, text)


@settings(max_examples=200, deadline=None)
@given(value=st.integers(min_value=0, max_value=10**9), separator=st.sampled_from(SEPARATORS),
       before=st.sampled_from(["", "(", "« ", "- ", "about "]),
       after=st.sampled_from(["", ".", ",", " people", ")", " »", "!"]))
def test_integer_in_a_sentence_round_trips(
    lang: str, value: int, separator: str, before: str, after: str
) -> None:
    text = grouped(value, separator)
    got = read(lang, f"{before}{text}{after}")
    assert got == (value, text)


@pytest.mark.parametrize(("text", "value"), [
    ("2.000", 2000), ("8 000", 8000), ("1,200", 1200), ("12\u202f500", 12500),
    ("1.000.000", 1_000_000), ("999", 999), ("0", 0), ("25", 25),
])
def test_named_formats(lang: str, text: str, value: int) -> None:
    assert read(lang, text) == (value, text)


@pytest.mark.parametrize("text", ["1.5", "2,75", "0,5"])
def test_a_decimal_is_never_a_head_count(lang: str, text: str) -> None:
    assert read(lang, text) is None
