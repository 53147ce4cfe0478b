"""Tocsin's message contracts. Imports nothing of the services."""

from schemas.alerts import Alert, Figure
from schemas.article import Article, ArticleIn
from schemas.dead_letter import DeadLetter
from schemas.facts import ArticleFacts, CasualtyFact, Fact, MeasureFact
from schemas.receipt import Receipt
from schemas.vocab import (
    AlertKind,
    Category,
    FactType,
    Group,
    MeasureKind,
    MeasureStatus,
    Qualifier,
)

__all__ = [
    "Alert",
    "AlertKind",
    "Article",
    "ArticleFacts",
    "ArticleIn",
    "CasualtyFact",
    "Category",
    "DeadLetter",
    "Fact",
    "FactType",
    "Figure",
    "Group",
    "MeasureFact",
    "MeasureKind",
    "MeasureStatus",
    "Qualifier",
    "Receipt",
]
