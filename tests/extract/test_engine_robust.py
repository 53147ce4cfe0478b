"""Any text at all: the engine never fails, and every quote is the text at its offsets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.settings import ExtractSettings
from services.extract.pipeline import Extractor

# pieces that exercise the grammar: figures, groups, casualty words, measures, places, marks
PIECES = [
    "12",
    "54.6",
    "1,5",
    "2.000",
    "8 000",
    "1,376",
    "20:00",
    "75%",
    "$5",
    "2019",
    "-",
    ",",
    ".",
    ":",
    ";",
    "(",
    ")",
    "«",
    "»",
    '"',
    "'",
    "\n",
    "plus de",
    "au moins",
    "des dizaines de",
    "un millier de",
    "dont",
    "personnes",
    "policiers",
    "manifestants",
    "ont été tués",
    "blessés",
    "arrêtées",
    "at least",
    "dozens of",
    "people",
    "were killed",
    "injured",
    "arrested",
    "of whom",
    "the curfew",
    "was lifted",
    "will be",
    "internet",
    "restored",
    "state of emergency",
    "troops",
    "deployed",
    "in",
    "Nairobi",
    "the capital",
    "toque de queda",
    "murieron",
    "decenas de",
    "heridos",
    "en",
    "Santiago",
    "y",
    "and",
    "et",
    "up from",
    "to",
    "entre",
    "between",
    "no",
    "not",
    "n'",
    "pas",
    "si",
    "if",
    "years",
    "ans",
    "años",
    "A",
    "Un",
    "One",
]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(ExtractSettings())


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lang=st.sampled_from(["fr", "en", "es"]),
    words=st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=40),
)
def test_any_text(extractor: Extractor, lang: str, words: list[str]) -> None:
    text = " ".join(words)
    for fact in extractor.extract_text(text, lang, "2024-06"):
        assert fact.quote == text[fact.start : fact.end]
        assert fact.quote
