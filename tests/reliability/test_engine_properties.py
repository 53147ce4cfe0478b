"""The extraction engine on any text: it never fails, and every fact carries its evidence.

Texts are drawn from any Unicode, and from each lexicon's own phrases mixed with figures and
punctuation (the lexicon is read at run time, so the test holds no word of any language), so
that the grammar's deeper rules are reached too.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.article import Article
from schemas.facts import ArticleFacts, CasualtyFact
from services.common.settings import ExtractSettings
from services.extract.lexicon import available_languages, load_lexicon
from services.extract.pipeline import Extractor

LANGS = available_languages()
PIECES = [".", ",", ";", ":", "!", "?", "(", ")", "«", "»", '"', "-", "–", "\n", "\n\n", " ",
          "'", "’", "%", "$", "/"]


@functools.cache
def extractor() -> Extractor:
    return Extractor(ExtractSettings())


@functools.cache
def phrases(lang: str) -> list[str]:
    """Every string of the lexicon: its words and phrases in every role."""
    out: set[str] = set()
    stack: list[object] = [load_lexicon(lang).model_dump()]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif isinstance(item, str) and item.strip():
            out.add(item)
    return sorted(out)


def figures() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(0, 10**30).map(str),
        st.integers(1000, 10**9).map(lambda v: f"{v:,}"),
        st.integers(1000, 10**9).map(lambda v: f"{v:,}".replace(",", ".")),
        st.integers(1000, 10**9).map(lambda v: f"{v:,}".replace(",", " ")),
        st.sampled_from(["1.5", "0,5", "2025", "2024-05-03", "12h30", "3rd", "-4", "1e9"]),
    )


def newsy(lang: str) -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(phrases(lang)), st.sampled_from(phrases(lang)).map(str.title),
        st.sampled_from(phrases(lang)).map(str.upper), figures(), st.sampled_from(PIECES),
        st.text(max_size=6),
    )
    return st.lists(piece, min_size=1, max_size=60).map(" ".join)


def check(text: str, facts: ArticleFacts) -> None:
    ArticleFacts.model_validate_json(facts.model_dump_json())  # what extract publishes reads back
    for fact in facts.facts:
        assert 0 <= fact.start <= fact.end <= len(text), fact
        assert fact.quote == text[fact.start : fact.end], fact
        if isinstance(fact, CasualtyFact):
            assert fact.min >= 0
            assert fact.max is None or fact.min <= fact.max, fact


def article(text: str, lang: str | None, published: str | None = None) -> Article:
    return Article(id="p", text=text, lang=lang, published=published, ingested_at=0.0)


SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("lang", LANGS)
def test_any_unicode_text_gives_facts_with_their_quotes(lang: str) -> None:
    @SETTINGS
    @given(text=st.text(max_size=400))
    def run(text: str) -> None:
        check(text, extractor().extract(article(text, lang)))

    run()


@pytest.mark.parametrize("lang", LANGS)
def test_lexicon_phrases_and_figures_give_facts_with_their_quotes(lang: str) -> None:
    @SETTINGS
    @given(text=newsy(lang), published=st.one_of(st.none(), st.dates().map(str)))
    def run(text: str, published: str | None) -> None:
        check(text, extractor().extract(article(text, lang, published)))

    run()


@SETTINGS
@given(text=st.one_of(st.text(max_size=300), newsy("en")))
def test_language_detection_never_fails(text: str) -> None:
    facts = extractor().extract(article(text, None))
    assert facts.lang is None or facts.lang in LANGS
    check(text, facts)
