"""The pure extractor: an article in, its facts, language, day and country out. No I/O."""

from __future__ import annotations

import functools
import gc
import json
import re
from collections.abc import Callable
from datetime import date
from importlib import resources

import structlog

from schemas.article import Article
from schemas.facts import ArticleFacts, Fact
from services.common.settings import ExtractSettings
from services.extract.engine import Engine, Grammar
from services.extract.lexicon import load_lexicon

log = structlog.get_logger(__name__)

# The corpus' leading " date YYYY-MM" marker is markup, not text: it is blanked (same length,
# so offsets hold) before reading.
_DATE_MARKER = re.compile(r"^\s*date \d{4}-\d{2}(?:-\d{2})?")

Detect = Callable[[str], str | None]
Fold = Callable[[str], str]
ResolveDay = Callable[[str, str, str | None, str | None], date | None]
"""(text, lang, published, fold of the text) -> the day"""
ResolveCountry = Callable[[str, str, str | None, str | None], str | None]
"""(text, lang, title, fold of the text) -> the country"""


def _detector(langs: list[str]) -> Detect | None:
    try:
        from services.extract.language import LanguageDetector
    except ImportError:
        return None
    return LanguageDetector.from_lexicons(langs).detect


def _folder() -> Fold | None:
    try:
        from services.extract.language import fold
    except ImportError:
        return None
    return fold


def _day_resolver() -> ResolveDay | None:
    try:
        from services.extract.dates import DayResolver
    except ImportError:
        return None

    def resolve(text: str, lang: str, published: str | None, folded: str | None) -> date | None:
        return DayResolver.for_language(lang).resolve(text, published, folded=folded)

    return resolve


def _country_resolver() -> ResolveCountry | None:
    try:
        from services.extract.places import CountryResolver
    except ImportError:
        return None

    def resolve(text: str, lang: str, title: str | None, folded: str | None) -> str | None:
        return CountryResolver.for_language(lang).resolve(text, title, folded=folded)

    return resolve


IsName = Callable[[str], bool]


def _gazetteer_names(langs: list[str]) -> tuple[IsName, IsName] | None:
    """Whether a name is a country's, or a city's: from places.py's gazetteer and `[places]`."""
    try:
        from services.extract.places import name_key
    except ImportError:
        return None
    countries: set[str] = set()
    cities: set[str] = set()
    path = resources.files("services.extract") / "data" / "gazetteer.json"
    if path.is_file():
        with path.open("rb") as f:
            data = json.load(f)
        for names in data.get("names", {}).values():
            countries.update(names)
        cities.update(data.get("cities", {}))
        cities.update(data.get("towns", {}))
    for lang in langs:
        for names in load_lexicon(lang).places.get("names", {}).values():
            countries.update(name_key(n) for n in names)
    cities -= countries

    @functools.lru_cache(maxsize=65536)
    def is_country(name: str) -> bool:
        return name_key(name) in countries

    @functools.lru_cache(maxsize=65536)
    def is_city(name: str) -> bool:
        return name_key(name) in cities

    return is_country, is_city


def blank_marker(text: str) -> str:
    m = _DATE_MARKER.match(text)
    return text if m is None else " " * m.end() + text[m.end() :]


class Extractor:
    """Loads every lexicon once; `extract` is then pure and safe to call from any handler."""

    def __init__(self, settings: ExtractSettings) -> None:
        self._settings = settings
        self._detect = _detector(settings.languages)
        self._day = _day_resolver()
        self._country = _country_resolver()
        self._fold = _folder()
        names = _gazetteer_names(settings.languages)
        is_country, is_city = names if names else (None, None)
        self._grammars = {
            lang: Engine(Grammar(load_lexicon(lang)), is_country, is_city)
            for lang in settings.languages
        }
        log.info("extractor_ready", langs=list(self._grammars))

    @property
    def languages(self) -> list[str]:
        return list(self._grammars)

    def extract_text(
        self, text: str, lang: str, published: str | None = None, title: str | None = None
    ) -> list[Fact]:
        """The facts of one text in a language we read, in text order (see engine)."""
        engine = self._grammars.get(lang)
        if engine is None:
            return []
        text = text[: self._settings.max_text_chars]
        return engine.extract(blank_marker(text), title=title, published=published)

    def language_of(self, article: Article) -> str | None:
        if article.lang:
            lang = article.lang.lower().split("-")[0]
            return lang if lang in self._grammars else None
        if self._detect is None:
            return None
        return self._detect(blank_marker(article.text))

    def extract(self, article: Article) -> ArticleFacts:
        """The article's facts, language, day and country.

        The cycle collector is paused meanwhile: reading an article makes thousands of
        small objects that reference counting frees when it is done, and the collector,
        run every 700 of them, would walk them all to no end (~8% of the time)."""
        if not gc.isenabled():
            return self._extract(article)
        gc.disable()
        try:
            return self._extract(article)
        finally:
            gc.enable()

    def _extract(self, article: Article) -> ArticleFacts:
        lang = self.language_of(article)
        facts: list[Fact] = []
        day: date | None = None
        country: str | None = None
        if lang is not None:
            text = blank_marker(article.text[: self._settings.max_text_chars])
            facts = self._grammars[lang].extract(
                text, title=article.title, published=article.published)
            # folded once for the day and the country
            folded = self._fold(text) if self._fold is not None else None
            if self._day is not None:
                day = self._day(text, lang, article.published, folded)
            if self._country is not None:
                country = self._country(text, lang, article.title, folded)
        return ArticleFacts(
            article_id=article.id,
            url=article.url,
            outlet=article.outlet,
            published=article.published,
            lang=lang,
            day=day.isoformat() if day else None,
            country=country,
            facts=facts,
            ingested_at=article.ingested_at,
        )
