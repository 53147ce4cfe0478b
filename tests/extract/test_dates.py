"""The reported day: one row per text, written for these tests (not taken from the corpus).

Weekdays resolve to the most recent such day on or before the publication day; with only a
month of publication a bare weekday cannot be placed and yields None.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import NamedTuple

import pytest

from services.extract.dates import DayResolver

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


class Row(NamedTuple):
    id: str
    lang: str
    text: str
    published: str | None
    expected: str | None
    title: str | None = None


ROWS = [
    # French
    Row(
        "fr-weekday-date",
        "fr",
        "Le président a pris la parole vendredi 7 janvier devant les députés.",
        "2022-01",
        "2022-01-07",
    ),
    Row(
        "fr-date-year-no-published",
        "fr",
        "Les manifestations ont commencé le 10 janvier 2022 dans l'ouest du pays.",
        None,
        "2022-01-10",
    ),
    Row(
        "fr-weekday",
        "fr",
        "La police a dispersé jeudi les manifestants rassemblés devant la mairie.",
        "2023-03-10",
        "2023-03-09",
    ),
    Row(
        "fr-ce-lundi",
        "fr",
        "Ce lundi, le gouvernement a levé le couvre-feu.",
        "2023-03-15",
        "2023-03-13",
    ),
    Row("fr-same-weekday", "fr", "Le couvre-feu a été levé mercredi.", "2023-03-15", "2023-03-15"),
    Row(
        "fr-hier", "fr", "Hier, des heurts ont éclaté dans la capitale.", "2023-03-15", "2023-03-14"
    ),
    Row(
        "fr-aujourdhui",
        "fr",
        "Le bilan a été revu à la hausse aujourd’hui par le ministère.",
        "2023-03-15",
        "2023-03-15",
    ),
    Row(
        "fr-la-veille",
        "fr",
        "Le parlement avait été incendié la veille.",
        "2023-03-15",
        "2023-03-14",
    ),
    Row(
        "fr-1er",
        "fr",
        "Le 1er mai, des milliers de personnes ont défilé.",
        "2023-05-02",
        "2023-05-01",
    ),
    Row(
        "fr-weekday-month-only",
        "fr",
        "Des coups de feu ont éclaté mardi dans le centre.",
        "2023-03",
        None,
    ),
    Row(
        "fr-numeric",
        "fr",
        "Publié le 20/10/2019 à 18h30. La situation reste tendue.",
        "2019-10",
        "2019-10-20",
    ),
    Row(
        "fr-marker-day", "fr", " date 2023-03-15 Les écoles ont rouvert mardi.", None, "2023-03-14"
    ),
    Row("fr-marker-month", "fr", " date 2023-03 Les écoles ont rouvert mardi.", None, None),
    Row(
        "fr-future-date-ignored",
        "fr",
        "Le couvre-feu sera levé le 20 mars, a annoncé mardi le gouvernement.",
        "2023-03-15",
        "2023-03-14",
    ),
    Row(
        "fr-dernier",
        "fr",
        "Les élections de dimanche dernier ont été contestées.",
        "2023-03-19",
        "2023-03-12",
    ),
    Row(
        "fr-prochain-ignored",
        "fr",
        "Une marche est prévue samedi prochain.",
        "2023-03-15",
        "2023-03-15",
    ),
    Row(
        "fr-no-day",
        "fr",
        "La crise politique se poursuit dans le pays.",
        "2023-03-15",
        "2023-03-15",
    ),
    Row("fr-no-day-no-published", "fr", "La crise politique se poursuit dans le pays.", None, None),
    Row(
        "fr-street-name",
        "fr",
        "Les manifestants se sont rassemblés rue du 4 Septembre.",
        "2023-09",
        None,
    ),
    Row(
        "fr-year-boundary",
        "fr",
        "Les violences ont débuté le 30 décembre.",
        "2024-01-02",
        "2023-12-30",
    ),
    Row(
        "fr-old-date-in-lead",
        "fr",
        "Comme lors des émeutes du 5 janvier 2020, l'armée a été déployée.",
        "2023-03-15",
        "2023-03-15",
    ),
    Row(
        "fr-title",
        "fr",
        "Le gouvernement a annoncé la fin du couvre-feu.",
        "2023-03-15",
        "2023-03-13",
        "Émeutes : le couvre-feu levé lundi",
    ),
    Row(
        "fr-latest-in-lead",
        "fr",
        "Après les heurts de dimanche, le calme est revenu mardi.",
        "2023-03-15",
        "2023-03-14",
    ),
    Row(
        "fr-body-date-month-only",
        "fr",
        "Le calme semble revenu. "
        + "La vie reprend. " * 50
        + "Ce lundi 10 janvier, le président a fait le bilan.",
        "2022-01",
        "2022-01-10",
    ),
    Row(
        "fr-body-weekday-ignored",
        "fr",
        "Le calme semble revenu. "
        + "La vie reprend. " * 50
        + "Lundi, le président a fait le bilan.",
        "2022-01-12",
        "2022-01-12",
    ),
    # English
    Row(
        "en-on-tuesday",
        "en",
        "Thousands of demonstrators stormed the parliament on Tuesday.",
        "2024-06-26",
        "2024-06-25",
    ),
    Row(
        "en-weekday-month-day",
        "en",
        "On Thursday July 25, protesters staged marches.",
        "2024-07",
        "2024-07-25",
    ),
    Row(
        "en-this-saturday",
        "en",
        "This Saturday 19 October, the army took to the streets.",
        "2019-10-19",
        "2019-10-19",
    ),
    Row(
        "en-weekday-day-month-year",
        "en",
        "General News of Wednesday, 26 June 2024",
        None,
        "2024-06-26",
    ),
    Row("en-month-day-year", "en", "The bill was passed on June 25, 2024.", None, "2024-06-25"),
    Row(
        "en-yesterday",
        "en",
        "Police said yesterday that 20 people were arrested.",
        "2024-06-26",
        "2024-06-25",
    ),
    Row(
        "en-last-tuesday",
        "en",
        "The toll rose after last Tuesday's clashes.",
        "2024-07-02",
        "2024-06-25",
    ),
    Row(
        "en-next-ignored",
        "en",
        "Protests are planned for next Thursday.",
        "2024-06-26",
        "2024-06-26",
    ),
    Row(
        "en-may-is-a-verb",
        "en",
        "This may change, officials said on Monday.",
        "2024-07-03",
        "2024-07-01",
    ),
    Row("en-ordinal-of", "en", "Protests began on the 18th of June.", "2024-06-20", "2024-06-18"),
    Row(
        "en-numeric", "en", "Posted 02/07/2024 - Police deployed tear gas.", "2024-07", "2024-07-02"
    ),
    Row("en-weekday-no-published", "en", "Police fired on protesters on Friday.", None, None),
    Row(
        "en-iso", "en", "Updated 2024-07-18 09:12. Police barred protests.", "2024-07", "2024-07-18"
    ),
    Row(
        "en-count-after-weekday",
        "en",
        "On Tuesday 23 people were killed.",
        "2024-06-26",
        "2024-06-25",
    ),
    # Spanish
    Row(
        "es-este-lunes-date",
        "es",
        "a partir de las 00:00 de este lunes 28 de octubre",
        "2019-10",
        "2019-10-28",
    ),
    Row(
        "es-date-year",
        "es",
        "El 18 de octubre de 2019 comenzaron las protestas.",
        None,
        "2019-10-18",
    ),
    Row(
        "es-el-martes",
        "es",
        "El martes, miles de personas marcharon por la avenida.",
        "2019-10-23",
        "2019-10-22",
    ),
    Row(
        "es-hoy-and-ayer",
        "es",
        "Ayer murieron tres personas, informó hoy el ministro.",
        "2019-10-20",
        "2019-10-20",
    ),
    Row(
        "es-ayer", "es", "Los disturbios de ayer dejaron tres muertos.", "2019-10-20", "2019-10-19"
    ),
    Row(
        "es-weekday-number",
        "es",
        "durante la noche del viernes 18 en la capital",
        "2019-10",
        "2019-10-18",
    ),
    Row(
        "es-numeric-dots",
        "es",
        "Internacionales — 21.10.2019 — Nuevo toque de queda",
        "2019-10",
        "2019-10-21",
    ),
    Row(
        "es-santo-domingo",
        "es",
        "Las protestas se extendieron a Santo Domingo.",
        "2019-10-23",
        "2019-10-23",
    ),
    Row("es-pasado", "es", "El domingo pasado hubo saqueos.", "2019-10-27", "2019-10-20"),
    Row(
        "es-proximo-ignored",
        "es",
        "El próximo lunes habrá un paro nacional.",
        "2019-10-23",
        "2019-10-23",
    ),
    Row("es-weekday-month-only", "es", "hasta la tarde del miércoles", "2019-10", None),
    Row(
        "es-primero",
        "es",
        "El 1º de mayo hubo marchas en todo el país.",
        "2019-05-03",
        "2019-05-01",
    ),
    Row("es-street-name", "es", "Miles marcharon por la Avenida 18 de Julio.", "2019-07", None),
    Row(
        "es-anoche", "es", "Anoche se registraron saqueos en el puerto.", "2019-10-21", "2019-10-20"
    ),
    Row(
        "es-other-month",
        "es",
        "Las protestas del 18 de septiembre fueron pacíficas.",
        "2019-10",
        None,
    ),
    Row(
        "es-unaccented",
        "es",
        "El sabado 19 de octubre se decreto el estado de emergencia.",
        "2019-10-20",
        "2019-10-19",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_resolves_reported_day(row: Row) -> None:
    got = DayResolver.for_language(row.lang).resolve(row.text, row.published, title=row.title)
    assert got == (dt.date.fromisoformat(row.expected) if row.expected else None)


def test_table_covers_each_language() -> None:
    assert len({r.id for r in ROWS}) == len(ROWS)
    for lang in ("fr", "en", "es"):
        rows = [r for r in ROWS if r.lang == lang]
        assert len(rows) >= 12
        assert any(r.published is None for r in rows)
        assert any(r.published and len(r.published) == 7 for r in rows)


def test_resolver_is_cached_per_language() -> None:
    assert DayResolver.for_language("es") is DayResolver.for_language("es")


@pytest.mark.corpus
def test_dev_corpus_days() -> None:
    """Every dev article whose day the text and publication date allow is read right."""
    stories = sorted((CORPUS / "dev").glob("*/gold.json"))
    if not stories:
        pytest.skip("../shared/corpus/dev is not beside the project")
    right = total = 0
    for gold_path in stories:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        for line in (gold_path.parent / "articles.jsonl").open(encoding="utf-8"):
            article = json.loads(line)
            resolver = DayResolver.for_language(article["lang"])
            got = resolver.resolve(article["text"], article["published"], title=article["title"])
            expected = gold["articles"][article["id"]]["date"]
            total += 1
            right += (got.isoformat() if got else None) == expected
            # a wrong day is worse than none: every answer given must be right
            assert got is None or got.isoformat() == expected, article["id"]
    assert right >= 0.75 * total
