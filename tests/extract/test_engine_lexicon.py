"""The lexicons load, and the engine holds no word of any language."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from schemas import vocab
from services.extract import lexicon as lexicon_module
from services.extract.engine.grammar import Grammar
from services.extract.lexicon import Lexicon, available_languages, load_lexicon

ENGINE = Path(__file__).resolve().parents[2] / "services" / "extract" / "engine"
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
# a literal that reads as text; names with underscores and patterns are the engine's own
_PHRASE = re.compile(r"^\x00?[^\W\d_]+(?:['’ -][^\W\d_]+)*$")


def _schema_names(model: type[BaseModel], seen: set[str]) -> None:
    """Field names, aliases and literal values of the lexicon's models: identifiers of the
    data's shape, which the engine may name."""
    for name, field in model.model_fields.items():
        seen.add(name)
        if field.alias:
            seen.add(field.alias)
        stack = [field.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                _schema_names(tp, seen)
            elif typing.get_origin(tp) is typing.Literal:
                seen.update(str(a) for a in typing.get_args(tp))
            else:
                stack.extend(typing.get_args(tp))


def _identifiers() -> set[str]:
    seen: set[str] = set()
    _schema_names(Lexicon, seen)
    for lit in (lexicon_module.StatusClass, lexicon_module.Polarity):
        seen.update(typing.get_args(lit))
    for enum in (
        vocab.Category,
        vocab.Group,
        vocab.Qualifier,
        vocab.MeasureKind,
        vocab.MeasureStatus,
    ):
        seen.update(e.value for e in enum)
    return seen


def _engine_literals(identifiers: set[str]) -> set[str]:
    words: set[str] = set()
    for path in ENGINE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = {  # docstrings and remarks, and the text of messages (f-strings)
            id(c)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr | ast.JoinedStr)
            for c in ast.walk(node)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and (id(node) not in skipped)
                and node.value.strip("\x00:") not in identifiers
                and _PHRASE.match(node.value)
            ):
                words.update(w.lower() for w in _WORD.findall(node.value))
    return words


def _lexicon_words(lang: str) -> set[str]:
    lex = load_lexicon(lang)
    data = lex.model_dump(exclude={"language", "calendar", "places", "lang"})
    words: set[str] = set()
    stack: list[object] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(k for k in item if k not in _identifiers())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            words.update(w.lower() for w in _WORD.findall(item))
    return words


@pytest.mark.parametrize("lang", available_languages())
def test_lexicon_compiles(lang: str) -> None:
    grammar = Grammar(load_lexicon(lang))
    assert grammar.lang == lang
    assert grammar.numbers.units, "a lexicon without number words reads no figure in words"


@pytest.mark.parametrize("lang", available_languages())
def test_engine_holds_no_word_of_the_lexicon(lang: str) -> None:
    shared = sorted(_engine_literals(_identifiers()) & _lexicon_words(lang))
    assert not shared, f"engine/ spells words of the {lang} lexicon: {shared}"


def test_unknown_key_is_refused() -> None:
    data = load_lexicon("en").model_dump(by_alias=True)
    data["qualifiers"]["roughly"] = ["roughly"]
    with pytest.raises(ValueError, match="roughly"):
        Lexicon.model_validate(data)
