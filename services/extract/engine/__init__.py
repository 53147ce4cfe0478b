"""The language-free extraction grammar. Its public face: `Grammar` and `extract_facts`."""

from services.extract.engine.grammar import Grammar
from services.extract.engine.spans import extract_facts

__all__ = ["Grammar", "extract_facts"]
