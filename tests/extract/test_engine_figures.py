"""Figures, places and the order of statuses, read by the engine: one row per sentence."""

from __future__ import annotations

import pytest

from schemas.facts import CasualtyFact, MeasureFact
from services.common.settings import ExtractSettings
from services.extract.engine import Grammar
from services.extract.engine.clauses import Marks, read_sentence
from services.extract.engine.numbers import FigureReader
from services.extract.engine.tokens import read
from services.extract.lexicon import load_lexicon
from services.extract.pipeline import Extractor


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(ExtractSettings())


# (id, lang, text, (category, group, min, qualifier))
FIGURES = [
    (
        "fr-digits-dot",
        "fr",
        "Environ 2.000 personnes ont été arrêtées.",
        ("arrested", "unspecified", 2000, "about"),
    ),
    (
        "fr-digits-space",
        "fr",
        "Près de 8 000 personnes ont été interpellées.",
        ("arrested", "unspecified", 8000, "nearly"),
    ),
    (
        "fr-words-compound",
        "fr",
        "Quatre-vingt-dix manifestants ont été blessés.",
        ("injured", "protesters", 90, "exact"),
    ),
    (
        "fr-millier",
        "fr",
        "Plus d'un millier de personnes ont été blessées.",
        ("injured", "unspecified", 1000, "at_least"),
    ),
    (
        "fr-dizaines",
        "fr",
        "Les heurts ont fait des dizaines de morts.",
        ("killed", "unspecified", 20, "vague"),
    ),
    (
        "en-comma",
        "en",
        "Police said 1,200 people were detained.",
        ("arrested", "unspecified", 1200, "exact"),
    ),
    (
        "en-words-hyphen",
        "en",
        "Twenty-two soldiers were killed in the ambush.",
        ("killed", "security_forces", 22, "exact"),
    ),
    (
        "en-range",
        "en",
        "Between 30 and 40 protesters were wounded.",
        ("injured", "protesters", 30, "about"),
    ),
    (
        "en-more-than",
        "en",
        "More than 100 people were arrested.",
        ("arrested", "unspecified", 100, "at_least"),
    ),
    (
        "en-active",
        "en",
        "Gunmen killed 12 villagers overnight.",
        ("killed", "civilians", 12, "exact"),
    ),
    (
        "es-words",
        "es",
        "Veintitrés carabineros resultaron heridos.",
        ("injured", "security_forces", 23, "exact"),
    ),
    (
        "es-decenas",
        "es",
        "Decenas de manifestantes fueron detenidos.",
        ("arrested", "protesters", 20, "vague"),
    ),
    (
        "es-thousands-dot",
        "es",
        "Un total de 1.554 personas fueron detenidas.",
        ("arrested", "unspecified", 1554, "exact"),
    ),
]


@pytest.mark.parametrize(("lang", "text", "want"), [pytest.param(*r[1:], id=r[0]) for r in FIGURES])
def test_figure(
    extractor: Extractor, lang: str, text: str, want: tuple[str, str, int, str]
) -> None:
    facts = [f for f in extractor.extract_text(text, lang) if isinstance(f, CasualtyFact)]
    got = [(f.category.value, f.group.value, f.min, f.qualifier.value) for f in facts]
    assert got == [want]
    assert all(f.quote == text[f.start : f.end] for f in facts)


# sentences with no casualty figure: ages, years, money, times, crowds, negations
TRAPS = [
    ("fr-age", "fr", "Une manifestante de 58 ans a témoigné devant la presse."),
    ("fr-crowd", "fr", "Selon le président, 20 000 bandits ont attaqué la ville."),
    ("fr-negation", "fr", "Deux policiers n'ont pas été blessés, selon le ministère."),
    ("en-year", "en", "In 2019, the same square hosted a concert."),
    ("en-money", "en", "The bill would raise $2.7 billion in new taxes."),
    ("en-time", "en", "The curfew runs from 18:00 until dawn."),
    ("en-hypothetical", "en", "If the army moves in, hundreds could be killed, he warned."),
    ("es-mixed-fate", "es", "El régimen dejó más de 3.200 muertos y desaparecidos."),
    ("es-stations", "es", "En total 41 de las estaciones sufrieron daños."),
]


@pytest.mark.parametrize(("lang", "text"), [pytest.param(*r[1:], id=r[0]) for r in TRAPS])
def test_no_casualty(extractor: Extractor, lang: str, text: str) -> None:
    facts = extractor.extract_text(text, lang)
    assert [f for f in facts if isinstance(f, CasualtyFact) and not f.optional] == []


def test_figure_repeated_is_one_fact(extractor: Extractor) -> None:
    text = "At least 22 people were killed. Rights groups say at least 22 people were killed."
    facts = extractor.extract_text(text, "en")
    assert [(f.min, f.qualifier.value) for f in facts if isinstance(f, CasualtyFact)] == [
        (22, "at_least")
    ]


def test_subset_is_optional_and_place_is_kept(extractor: Extractor) -> None:
    text = "Police said 58 people had died, 31 of them in Colombo, including 4 children."
    facts = [f for f in extractor.extract_text(text, "en") if isinstance(f, CasualtyFact)]
    by_min = {f.min: f for f in facts}
    assert not by_min[58].optional
    assert by_min[31].location == "Colombo"
    assert not by_min[31].optional


def test_rise_keeps_the_new_figure(extractor: Extractor) -> None:
    text = "The number of those arrested has gone up from 682 to 1,376."
    facts = [f for f in extractor.extract_text(text, "en") if isinstance(f, CasualtyFact)]
    assert [f.min for f in facts if not f.optional] == [1376]  # 682 is earlier: optional


def test_status_told_last_comes_last(extractor: Extractor) -> None:
    text = (
        "Le couvre-feu sera levé lundi. Le président avait décrété le couvre-feu "
        "la semaine dernière."
    )
    facts = [f for f in extractor.extract_text(text, "fr") if isinstance(f, MeasureFact)]
    assert [(f.status.value, f.optional) for f in facts] == [("in_force", True), ("planned", False)]
    assert facts[-1].target is not None
    assert facts[-1].target.value == "lifted"


def test_date_marker_is_no_fact(extractor: Extractor) -> None:
    text = " date 2022-01 Treize policiers ont été tués jeudi."
    facts = extractor.extract_text(text, "fr")
    assert [(f.min, f.quote) for f in facts if isinstance(f, CasualtyFact)] == [
        (13, "Treize policiers ont été tués")
    ]


def test_capital_named_elsewhere(extractor: Extractor) -> None:
    text = (
        "Police barred protests in Nairobi. A court suspended the ban on protests in the "
        "capital on Thursday."
    )
    facts = [f for f in extractor.extract_text(text, "en") if isinstance(f, MeasureFact)]
    assert [(f.status.value, f.location) for f in facts] == [
        ("in_force", "Nairobi"),
        ("lifted", "Nairobi"),
    ]


def test_coordinated_subjects_share_the_verb(extractor: Extractor) -> None:
    text = "Deux gendarmes et trois manifestants ont été tués samedi."
    facts = [f for f in extractor.extract_text(text, "fr") if isinstance(f, CasualtyFact)]
    assert [(f.group.value, f.min) for f in facts] == [
        ("security_forces", 2),
        ("protesters", 3),
    ]


def test_unknown_head_noun_takes_no_group_from_before(extractor: Extractor) -> None:
    text = "Police said 12 officers were injured and 45 suspects arrested."
    facts = [f for f in extractor.extract_text(text, "en") if isinstance(f, CasualtyFact)]
    assert [(f.category.value, f.group.value, f.min) for f in facts] == [
        ("injured", "security_forces", 12),
        ("arrested", "unspecified", 45),
    ]


@pytest.mark.parametrize(("published", "optional"), [("2024-06-25", True), ("2019-10", False)])
def test_figure_of_another_year_is_optional(
    extractor: Extractor, published: str, *, optional: bool
) -> None:
    text = "In 2019, the protests left 300 people dead."
    facts = [
        f for f in extractor.extract_text(text, "en", published) if isinstance(f, CasualtyFact)
    ]
    assert [(f.min, f.optional) for f in facts] == [(300, optional)]


STATUS_THEN = [
    ("fr", "Les autorités ont instauré un couvre-feu vendredi avant de le lever dimanche."),
    ("es", "El Gobierno decretó el toque de queda el viernes y lo levantó el domingo."),
    ("en", "Police imposed a curfew in Colombo on Friday but lifted it on Saturday."),
]


@pytest.mark.parametrize(("lang", "text"), STATUS_THEN)
def test_later_status_told_with_a_pronoun(extractor: Extractor, lang: str, text: str) -> None:
    facts = [f for f in extractor.extract_text(text, lang) if isinstance(f, MeasureFact)]
    assert [(f.status.value, f.optional) for f in facts] == [("in_force", True), ("lifted", False)]
    assert len({f.location for f in facts}) == 1


# a sentence with figures but no casualty word: its figures are not read at all (every rule
# takes a fact's category from a casualty word of its sentence); the next sentence's are
# (id, lang, sentence without, sentence with a casualty word, the figures read in it)
UNREAD = [
    ("en-distances", "en", "Fuel queues stretched for 12 km near gate 40 (ref 9f3a2).",
     "Police said 30 people were killed.", [30]),
    ("fr-prices", "fr", "Le litre est passé de 2 à 3 euros en 10 jours.",
     "Au moins 12 manifestants ont été blessés.", [12]),
    ("es-counts", "es", "Las filas crecieron 40 metros en 2 horas.",
     "La policía detuvo a 25 personas.", [25]),
]


@pytest.mark.parametrize(("lang", "without", "with_", "read_"),
                         [pytest.param(*r[1:], id=r[0]) for r in UNREAD])
def test_sentence_without_casualty_word_reads_no_figure(
    lang: str, without: str, with_: str, read_: list[int]
) -> None:
    grammar = Grammar(load_lexicon(lang))
    figures = FigureReader(grammar)
    tokens, source = read(f"{without} {with_}")
    roles, _, marked = grammar.read(tokens)
    marks = Marks.read(figures, tokens, roles, marked)
    cut = next(i for i, at in enumerate(source.starts) if at > len(without))
    assert read_sentence(figures, tokens, roles, marks, 0, cut).figures == []
    second = read_sentence(figures, tokens, roles, marks, cut, len(tokens))
    assert [f.min for f in second.figures] == read_
