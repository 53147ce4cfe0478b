"""The language-free extraction grammar. Its public face: `Grammar` and `Engine`."""

from services.extract.engine.grammar import Grammar
from services.extract.engine.spans import Engine

__all__ = ["Engine", "Grammar"]
