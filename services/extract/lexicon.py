"""The language data of extraction: `lexicons/<lang>.toml`, validated and normalised once.

Every table but `[language]`, `[calendar]` and `[places]` belongs to the engine and is
described by the models below (`extra="forbid"`: a misspelt key fails at load). Those three
belong to language.py, dates.py and places.py and pass through untouched.
Phrases follow `engine/phrases.py`: words, `*` for a prefix, `_` for any one word.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any, Literal

import structlog
from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.vocab import Category, Group, MeasureKind, Qualifier

log = structlog.get_logger(__name__)

Phrases = list[str]
StatusClass = Literal[
    "establish", "continue", "restore", "end", "suspend", "cut", "ease", "deploy", "send",
    "withdraw", "ban", "presence", "restrict", "allow",
]
Polarity = Literal["restriction", "service", "force"]


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Numbers(_Table):
    """Number words: units add up, multipliers multiply the group before them (deux *cents*),
    scales close a group (trois *mille*). Hyphenated words are read part by part."""

    units: dict[str, int]
    multipliers: dict[str, int] = Field(default_factory=dict)
    scales: dict[str, int] = Field(default_factory=dict)
    connectors: Phrases = Field(default_factory=list, description="words inside a number")
    ambiguous: Phrases = Field(
        default_factory=list, description="unit words that are also articles (un, une, una)"
    )


class Amount(_Table):
    """A word standing for a number: "des dizaines", "a thousand", "varios"."""

    phrases: Phrases = Field(min_length=1)
    min: int = Field(ge=0)
    max: int | None = None
    qualifier: Qualifier


class Qualifiers(_Table):
    at_least: Phrases = Field(default_factory=list)
    about: Phrases = Field(default_factory=list)
    nearly: Phrases = Field(default_factory=list)
    up_to: Phrases = Field(default_factory=list)
    at_least_after: Phrases = Field(default_factory=list, description='"or more", after')


class Ranges(_Table):
    open: Phrases = Field(description='"entre" in "entre 30 et 40"')
    join: Phrases = Field(description='"et" in "entre 30 et 40", "-" in "30-40"')
    from_: Phrases = Field(alias="from", description='"de" in "de 30 à 40"')
    to: Phrases = Field(description='"à" in "de 30 à 40"')
    changes: Phrases = Field(description='a rise from X to Y: "passé de", "up from", "pasó de"')


class Victims(_Table):
    """Who the people are: nouns by group, and words that pass on to the group after them."""

    protesters: Phrases
    security_forces: Phrases
    civilians: Phrases
    militants: Phrases
    unspecified: Phrases
    members: Phrases = Field(default_factory=list, description='"membres" of a group')
    others: Phrases = Field(default_factory=list, description='"autres": more of the same')

    def by_group(self) -> dict[Group, Phrases]:
        return {g: getattr(self, g.value) for g in Group}


class Casualties(_Table):
    killed: Phrases
    injured: Phrases
    arrested: Phrases
    tolls: Phrases = Field(description='count nouns: "bilan", "death toll", "número"')
    fates: Phrases = Field(
        default_factory=list, description='other fates that make a figure mixed: "disparus"'
    )

    def by_category(self) -> dict[Category, Phrases]:
        return {c: getattr(self, c.value) for c in Category}


class Cues(_Table):
    """Grammatical roles of the sentence."""

    negation: Phrases
    hypothetical: Phrases
    subset: Phrases = Field(description='before a figure: "dont", "including"')
    subset_after: Phrases = Field(description='after a figure: "de los cuales", "of whom"')
    earlier: Phrases = Field(description='an earlier figure: "earlier", "précédent bilan"')
    among: Phrases = Field(description='the group comes after: "parmi les", "among"')
    agent: Phrases = Field(description='the doers come after: "par", "by", "a manos de"')
    auxiliaries: Phrases
    pluperfect: Phrases = Field(description='auxiliaries of a past before the past: "had"')
    future: Phrases = Field(description='"will", "sera", "va a"')
    future_suffixes: list[str] = Field(default_factory=list, description='"rá" of "levantará"')
    relative: Phrases
    clause_breaks: Phrases = Field(description='"while", "alors que", "mientras"')
    ellipsis: Phrases = Field(description='"de même que", "as well as": the verb before holds')
    coordination: Phrases
    partial: Phrases = Field(description='"partiellement", "partly"')
    glue: Phrases = Field(description='"de", "of": between an amount and its noun')
    non_persons: Phrases = Field(
        default_factory=list, description="units that are never people: ans, years, jours"
    )
    increments: Phrases = Field(
        default_factory=list, description='"two more bodies": an increment, not a total'
    )
    demands: Phrases = Field(
        default_factory=list, description='"calls for", "réclame": a measure only asked for'
    )
    pronouns: Phrases = Field(
        default_factory=list, description='object pronouns: "lifted it", "l\'a levé", "lo levantó"'
    )


class MeasureEntry(_Table):
    kind: MeasureKind
    polarity: Polarity
    phrases: Phrases = Field(min_length=1)
    needs: list[StatusClass] = Field(
        default_factory=list, description="a phrase counts only with a cue of these classes"
    )
    default: Literal["in_force"] | None = Field(
        default=None, description="status of a bare mention, with no cue"
    )


class Status(_Table):
    establish: Phrases
    continue_: Phrases = Field(alias="continue")
    restore: Phrases
    end: Phrases
    suspend: Phrases
    cut: Phrases
    ease: Phrases
    deploy: Phrases
    send: Phrases
    withdraw: Phrases
    ban: Phrases
    presence: Phrases = Field(
        default_factory=list, description='"in the streets": counts only right by the name'
    )
    restrict: Phrases = Field(
        default_factory=list, description='"restricted": a service cut, a restriction narrowed'
    )
    allow: Phrases = Field(
        default_factory=list, description='"allowed again": what a ban forbade, permitted'
    )

    def by_class(self) -> dict[str, Phrases]:
        return {
            "establish": self.establish, "continue": self.continue_, "restore": self.restore,
            "end": self.end, "suspend": self.suspend, "cut": self.cut, "ease": self.ease,
            "deploy": self.deploy, "send": self.send, "withdraw": self.withdraw, "ban": self.ban,
            "presence": self.presence, "restrict": self.restrict, "allow": self.allow,
        }


class Locations(_Table):
    prepositions: Phrases = Field(description='"à", "in": a place name follows')
    heads: Phrases = Field(description='"rues", "streets": "de" + a place name follows')
    types: Phrases = Field(description='"commune", "city", "región": kinds of places')
    capital: Phrases = Field(description='"la capitale": the capital, described')
    largest_city: Phrases = Field(description='"la plus grande ville": the largest city')
    country: Phrases = Field(description='"ce pays", "nationwide": the whole country')
    anaphors: Phrases = Field(description='"ce district", "that city": the place named before')
    connectors: Phrases = Field(description='"de", "del": inside a place name')
    not_places: Phrases = Field(default_factory=list, description="capitalised non-places")


class Lexicon(_Table):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    lang: str
    language: dict[str, Any] = Field(default_factory=dict, description="language.py's")
    calendar: dict[str, Any] = Field(default_factory=dict, description="dates.py's")
    places: dict[str, Any] = Field(default_factory=dict, description="places.py's")
    numbers: Numbers
    amounts: list[Amount] = Field(alias="amount")
    qualifiers: Qualifiers
    ranges: Ranges
    victims: Victims
    casualties: Casualties
    cues: Cues
    measures: list[MeasureEntry] = Field(alias="measure")
    status: Status
    locations: Locations

    @field_validator("measures")
    @classmethod
    def _every_kind(cls, value: list[MeasureEntry]) -> list[MeasureEntry]:
        missing = set(MeasureKind) - {m.kind for m in value}
        if missing:
            msg = f"no phrases for measure kinds {sorted(missing)}"
            raise ValueError(msg)
        return value


def available_languages() -> list[str]:
    folder = resources.files("services.extract") / "lexicons"
    names = (p.name for p in folder.iterdir())
    return sorted(n.removesuffix(".toml") for n in names if n.endswith(".toml"))


@functools.cache
def load_lexicon(lang: str) -> Lexicon:
    """The lexicon of `lang`, read and validated once per process."""
    path = resources.files("services.extract") / "lexicons" / f"{lang}.toml"
    if not path.is_file():
        msg = f"no lexicon for language {lang!r}"
        raise LookupError(msg)
    with path.open("rb") as f:
        data = tomllib.load(f)
    lexicon = Lexicon.model_validate({"lang": lang, **data})
    log.info("lexicon_loaded", lang=lang, measures=len(lexicon.measures))
    return lexicon
