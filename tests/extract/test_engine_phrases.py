"""Tokens, sentences and the phrase syntax of the lexicons."""

from __future__ import annotations

import pytest

from services.extract.engine.phrases import PhraseMatcher
from services.extract.engine.tokens import DIGIT, MARK, WORD, read, sentences, tokenize

TOKENS = [
    ("thousands-dot", "2.000 personnes", ["2.000", "personnes"]),
    ("thousands-space", "8 000 morts", ["8 000", "morts"]),
    ("thousands-nbsp", "8\u202f000 morts", ["8\u202f000", "morts"]),
    ("thousands-comma", "1,376 arrests", ["1,376", "arrests"]),
    ("decimal", "1,5 million", ["1,5", "million"]),
    ("elision", "l'état d'urgence", ["l'", "état", "d'", "urgence"]),
    ("typographic-elision", "l’état", ["l’", "état"]),
    ("possessive", "Kenya's parliament", ["Kenya", "'", "s", "parliament"]),
    ("hyphen-word", "couvre-feu", ["couvre-feu"]),
    ("clock", "20:00", ["20", ":", "00"]),
]


@pytest.mark.parametrize(("text", "want"), [pytest.param(*r[1:], id=r[0]) for r in TOKENS])
def test_tokens(text: str, want: list[str]) -> None:
    toks = tokenize(text)
    assert [t.text for t in toks] == want
    assert all(text[t.start : t.end] == t.text for t in toks)


def test_token_kinds_and_forms() -> None:
    digit, word, mark = tokenize("12 États ,")
    assert (digit.kind, word.kind, mark.kind) == (DIGIT, WORD, MARK)
    assert (word.norm, word.fold, word.upper) == ("états", "etats", True)


def test_sentences_end_at_stops_and_line_breaks_not_initials() -> None:
    text = "M. Tokaïev a parlé. Puis rien\nUn titre"
    toks = tokenize(text)
    spans = [" ".join(t.text for t in toks[a:b]) for a, b in sentences(toks, text)]
    assert spans == ["M . Tokaïev a parlé .", "Puis rien", "Un titre"]


def _matcher(*phrases: str) -> PhraseMatcher:
    m = PhraseMatcher()
    for phrase in phrases:
        m.add(phrase, "role", phrase)
    return m


MATCHES = [
    ("exact", "des dizaines", "il y a des dizaines de morts", ["des dizaines"]),
    ("prefix", "tué*", "ils ont été tuées hier", ["tué*"]),
    ("prefix-needs-the-stem", "tué*", "le tu", []),
    ("wildcard", "ban on _ rallies", "a ban on public rallies", ["ban on _ rallies"]),
    ("accents-ignored", "etat d'urgence", "l'État d'urgence", ["etat d'urgence"]),
    ("short-words-keep-accents", "à", "il a dit", []),
    ("quotes-skipped", "des dizaines de", 'des "dizaines" de morts', ["des dizaines de"]),
    ("longest-wins", "couvre-feu", "le couvre-feu nocturne", ["couvre-feu"]),
]


@pytest.mark.parametrize(
    ("phrase", "text", "want"), [pytest.param(*r[1:], id=r[0]) for r in MATCHES]
)
def test_phrase(phrase: str, text: str, want: list[str]) -> None:
    found = _matcher(phrase).scan(tokenize(text))
    assert [m.value for roles in found.values() for m in roles.values()] == want


def test_longest_phrase_of_a_role_is_kept() -> None:
    m = _matcher("state", "state of emergency")
    found = m.scan(tokenize("a state of emergency"))
    assert [(i, r["role"].value) for i, r in found.items()] == [(1, "state of emergency")]


def test_short_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="shorter than"):
        _matcher("tu*")


def test_a_text_cut_mid_phrase_leaves_the_next_texts_alone() -> None:
    """What a pair of words reads is remembered; a text that ends after the pair must not
    teach that the pair reads no further."""
    m = _matcher("the largest city")
    assert m.scan(tokenize("it was the largest")) == {}
    found = m.scan(tokenize("in the largest city"))
    assert [(i, r["role"].value) for i, r in found.items()] == [(1, "the largest city")]


@pytest.mark.parametrize(("text", "want"), [pytest.param(*r[1:], id=r[0]) for r in TOKENS])
def test_read_gives_the_tokens_as_words_with_their_offsets(text: str, want: list[str]) -> None:
    words, read_text = read(f"x {text} {text}")
    toks = tokenize(f"x {text} {text}")
    assert [w.text for w in words] == ["x", *want, *want]
    assert [(w.text, w.norm, w.fold, w.kind, w.upper, w.quote, w.key) for w in words] == [
        (t.text, t.norm, t.fold, t.kind, t.upper, t.quote, t.key) for t in toks]
    assert list(read_text.starts) == [t.start for t in toks]
