"""Language detection: one row per text, written for these tests (not taken from the corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.extract.language import LanguageDetector

LANGS = ["fr", "en", "es"]
CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"

ROWS: list[tuple[str, str, str | None]] = [
    # id, text, expected language
    (
        "fr-news",
        "La police a annoncé jeudi avoir arrêté plusieurs centaines de personnes "
        "après des heurts dans le centre de la capitale, selon un communiqué officiel.",
        "fr",
    ),
    (
        "fr-curfew",
        "Le couvre-feu a été levé dans la nuit, mais les écoles restent fermées "
        "et l'internet n'est toujours pas rétabli dans la plupart des régions.",
        "fr",
    ),
    (
        "fr-toll",
        "Au moins douze manifestants ont été tués et une centaine d'autres blessés "
        "lors des affrontements qui ont eu lieu samedi devant le parlement.",
        "fr",
    ),
    (
        "fr-quote",
        "« Nous ne céderons pas », a déclaré le Premier ministre devant les députés, "
        "qui doivent voter le texte avant la fin de la semaine.",
        "fr",
    ),
    (
        "fr-caps-accents",
        "Le gouvernement a décrété l'état d'urgence pour trente jours dans "
        "toutes les provinces où des violences ont éclaté depuis mardi.",
        "fr",
    ),
    (
        "en-news",
        "Police fired tear gas at protesters who gathered outside the parliament on "
        "Tuesday, and at least ten people were taken to hospital with injuries.",
        "en",
    ),
    (
        "en-curfew",
        "The government imposed a night-time curfew in the capital and said that "
        "the army would be deployed to restore order in the northern provinces.",
        "en",
    ),
    (
        "en-toll",
        "More than 200 people have been arrested since the protests began, according "
        "to a rights group that has been tracking the detentions across the country.",
        "en",
    ),
    (
        "en-quote",
        "\u201cWe will not be intimidated,\u201d the opposition leader told reporters, "
        "adding that the march would go ahead as planned despite the ban.",
        "en",
    ),
    (
        "en-internet",
        "Internet access was restored on Sunday after a five-day shutdown that "
        "the authorities had ordered to stop protesters from organising online.",
        "en",
    ),
    (
        "es-news",
        "La policía detuvo a más de cien personas durante las protestas de este "
        "martes en el centro de la ciudad, según informó el Ministerio del Interior.",
        "es",
    ),
    (
        "es-curfew",
        "El gobierno decretó el toque de queda en toda la región y anunció que los "
        "militares permanecerán en las calles hasta nuevo aviso.",
        "es",
    ),
    (
        "es-toll",
        "Al menos quince manifestantes murieron y decenas resultaron heridos en los "
        "enfrentamientos con las fuerzas de seguridad, dijo una organización de derechos.",
        "es",
    ),
    (
        "es-quote",
        "\u201cNo vamos a retroceder\u201d, afirmó el presidente en un mensaje a la "
        "nación, en el que pidió calma a los ciudadanos y a los partidos.",
        "es",
    ),
    (
        "es-transport",
        "El metro suspendió sus servicios por segundo día consecutivo y los "
        "vuelos fueron cancelados en el aeropuerto de la capital.",
        "es",
    ),
    # languages we have no lexicon for: never taken for fr, en or es
    (
        "de",
        "Die Polizei hat am Donnerstag mehrere hundert Menschen festgenommen, nachdem es "
        "in der Hauptstadt zu schweren Zusammenstößen mit Demonstranten gekommen war.",
        None,
    ),
    (
        "pt",
        "A polícia prendeu mais de cem pessoas durante os protestos desta terça-feira no "
        "centro da cidade, segundo informou o Ministério do Interior em um comunicado.",
        None,
    ),
    (
        "pt-br",
        "O governo decretou toque de recolher em toda a região e anunciou que os "
        "militares vão permanecer nas ruas até novo aviso, disse o ministro.",
        None,
    ),
    (
        "it",
        "La polizia ha arrestato più di cento persone durante le proteste di martedì nel "
        "centro della città, secondo quanto riferito dal ministero dell'Interno.",
        None,
    ),
    (
        "it-curfew",
        "Il governo ha imposto il coprifuoco nella capitale e ha detto che "
        "l'esercito sarà schierato per riportare l'ordine nelle province del nord.",
        None,
    ),
    (
        "ca",
        "La policia va detenir més de cent persones durant les protestes d'aquest dimarts "
        "al centre de la ciutat, segons va informar el Ministeri de l'Interior.",
        None,
    ),
    (
        "nl",
        "De politie heeft dinsdag meer dan honderd mensen opgepakt tijdens de protesten in "
        "het centrum van de hoofdstad, zo meldde het ministerie van Binnenlandse Zaken.",
        None,
    ),
    (
        "ro",
        "Poliția a arestat peste o sută de persoane în timpul protestelor de marți din "
        "centrul orașului, potrivit unui comunicat al Ministerului de Interne.",
        None,
    ),
    (
        "ru",
        "Полиция в четверг задержала несколько сотен человек после столкновений с "
        "демонстрантами в центре столицы, сообщило министерство внутренних дел.",
        None,
    ),
    (
        "sw",
        "Polisi walitumia gesi ya kutoa machozi kuwatawanya waandamanaji waliokusanyika "
        "nje ya bunge siku ya Jumanne, na watu kadhaa walijeruhiwa vibaya.",
        None,
    ),
    (
        "id",
        "Polisi menangkap lebih dari seratus orang selama aksi protes pada hari Selasa di "
        "pusat kota, menurut keterangan resmi dari Kementerian Dalam Negeri.",
        None,
    ),
    (
        "tr",
        "Polis salı günü başkentin merkezinde toplanan göstericilere biber gazıyla "
        "müdahale etti ve yüzden fazla kişiyi gözaltına aldı.",
        None,
    ),
    # too short, empty, or no words to judge
    ("empty", "", None),
    ("blank", "   \n\n  ", None),
    ("short-fr", "Le bilan s'alourdit", None),
    ("short-en", "Kenya protests", None),
    ("digits", "12 345 678 2024-06-25 10:30 +254", None),
    ("names-only", "Nairobi Almaty Santiago Mombasa Valparaíso Aktobe Temuco Kisumu", None),
]


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector.from_lexicons(LANGS)


@pytest.mark.parametrize(("text", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_detects_language(detector: LanguageDetector, text: str, expected: str | None) -> None:
    assert detector.detect(text) == expected


def test_table_is_large_and_ids_unique() -> None:
    assert len(ROWS) >= 25
    assert len({r[0] for r in ROWS}) == len(ROWS)


def test_detector_is_cached_per_language_set() -> None:
    assert LanguageDetector.from_lexicons(LANGS) is LanguageDetector.from_lexicons(LANGS)


def test_unknown_lexicon_is_an_error() -> None:
    with pytest.raises(LookupError):
        LanguageDetector.from_lexicons(["xx"])


@pytest.mark.corpus
def test_dev_corpus_languages(detector: LanguageDetector) -> None:
    stories = sorted((CORPUS / "dev").glob("*/articles.jsonl"))
    if not stories:
        pytest.skip("../shared/corpus/dev is not beside the project")
    rows = [json.loads(line) for p in stories for line in p.open(encoding="utf-8")]
    wrong = [r["id"] for r in rows if detector.detect(r["text"]) != r["lang"]]
    assert wrong == []
