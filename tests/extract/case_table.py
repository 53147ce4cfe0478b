"""The per-language tables of `tests/extract/cases/`: their schema, loader and matching rules.

The format is documented in `cases/README.md`; the matching rules are those of
`../shared/corpus/score.py`, restated here so that the tables run without the corpus.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.vocab import Category, Group, MeasureKind, MeasureStatus, Qualifier
from services.common.settings import ExtractSettings

CASES_DIR = Path(__file__).resolve().parent / "cases"
LEXICONS_DIR = Path(__file__).resolve().parents[2] / "services" / "extract" / "lexicons"

FactDict = Mapping[str, Any]
Same = Callable[[FactDict, FactDict], bool]


class _Expected(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    location: str | None = Field(default=None, min_length=1)
    optional: bool = False


class ExpectedCasualty(_Expected):
    type: Literal["casualty"]
    category: Category
    group: Group
    min: int = Field(ge=0)
    max: int | None = Field(default=None, ge=0)
    qualifier: Qualifier

    @model_validator(mode="after")
    def _range(self) -> ExpectedCasualty:
        if self.max is not None and self.max < self.min:
            msg = f"max {self.max} is below min {self.min}"
            raise ValueError(msg)
        return self


class ExpectedMeasure(_Expected):
    type: Literal["measure"]
    kind: MeasureKind
    status: MeasureStatus
    target: MeasureStatus | None = None

    @model_validator(mode="after")
    def _target(self) -> ExpectedMeasure:
        planned = self.status is MeasureStatus.PLANNED
        if planned != (self.target in {MeasureStatus.IN_FORCE, MeasureStatus.LIFTED}):
            msg = "target (in_force or lifted) is required with status planned, and only then"
            raise ValueError(msg)
        return self


Expected = Annotated[ExpectedCasualty | ExpectedMeasure, Field(discriminator="type")]


class Case(BaseModel):
    """One row: a sentence or a short paragraph and every fact a careful reader takes from it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z]{2,3}-[a-z0-9]+(-[a-z0-9]+)*$")
    text: str = Field(min_length=1)
    published: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    expect: list[Expected]
    xfail: str | None = Field(default=None, min_length=3)


class CaseTable(BaseModel):
    """One language's file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lang: str = Field(pattern=r"^[a-z]{2,3}$")
    case: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids(self) -> CaseTable:
        seen: set[str] = set()
        for row in self.case:
            if not row.id.startswith(f"{self.lang}-"):
                msg = f"row id {row.id!r} does not start with {self.lang!r}-"
                raise ValueError(msg)
            if row.id in seen:
                msg = f"row id {row.id!r} is used twice"
                raise ValueError(msg)
            seen.add(row.id)
        return self


@dataclass(frozen=True)
class RawRow:
    """A row as read from TOML, before validation: a malformed row fails only its own test."""

    lang: str
    data: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.data.get("id", "?"))


def table_paths() -> list[Path]:
    return sorted(CASES_DIR.glob("*.toml"))


def read_table(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def raw_rows() -> list[RawRow]:
    """Every row of every table, language taken from the file name."""
    rows: list[RawRow] = []
    for path in table_paths():
        rows.extend(RawRow(path.stem, row) for row in read_table(path).get("case", []))
    return rows


def load_table(lang: str) -> CaseTable:
    return CaseTable.model_validate(read_table(CASES_DIR / f"{lang}.toml"))


class Extracting(Protocol):
    def extract_text(
        self, text: str, lang: str, published: str | None = None
    ) -> Sequence[BaseModel]: ...


def build_extractor() -> Extracting:
    """The engine under test, or a skip while `services.extract.pipeline` is not written yet."""
    try:
        from services.extract.pipeline import Extractor
    except ModuleNotFoundError as exc:
        if exc.name not in {"services.extract.pipeline", "services.extract"}:
            raise
        pytest.skip("services.extract.pipeline.Extractor does not exist yet (issue 4)")
    extractor: Extracting = Extractor(ExtractSettings())
    return extractor


def predict(extractor: Extracting, lang: str, case: Case) -> list[dict[str, Any]]:
    facts = extractor.extract_text(case.text, lang, case.published)
    return [fact.model_dump(mode="json") for fact in facts]


def expected(case: Case) -> list[dict[str, Any]]:
    return [fact.model_dump(mode="json") for fact in case.expect]


def norm(value: object) -> str | None:
    return value.casefold().strip() if isinstance(value, str) else None


def row_key(fact: FactDict) -> tuple[object, ...]:
    """What a row compares: every field of ANNOTATION.md but max and the quote."""
    place = norm(fact.get("location"))
    if fact.get("type") == "casualty":
        return (
            "casualty",
            fact.get("category"),
            fact.get("group"),
            fact.get("min"),
            fact.get("qualifier"),
            place,
        )
    return ("measure", fact.get("kind"), fact.get("status"), fact.get("target"), place)


def same_row(pred: FactDict, gold: FactDict) -> bool:
    return row_key(pred) == row_key(gold)


def same_count(pred: FactDict, gold: FactDict) -> bool:
    """score.py's rule: min equal, or the same order of magnitude when either side is vague."""
    pmin, gmin = pred.get("min"), int(gold["min"])
    if not isinstance(pmin, int):
        return False
    if pmin == gmin:
        return True
    vague = Qualifier.VAGUE.value in (gold["qualifier"], pred.get("qualifier"))
    return vague and pmin > 0 and gmin > 0 and int(math.log10(pmin)) == int(math.log10(gmin))


def same_lenient(pred: FactDict, gold: FactDict) -> bool:
    if pred.get("type") != gold["type"]:
        return False
    if gold["type"] == "casualty":
        return bool(
            pred.get("category") == gold["category"]
            and pred.get("group") == gold["group"]
            and same_count(pred, gold)
        )
    return bool(pred.get("kind") == gold["kind"] and pred.get("status") == gold["status"])


def same_strict(pred: FactDict, gold: FactDict) -> bool:
    if not same_lenient(pred, gold) or norm(pred.get("location")) != norm(gold["location"]):
        return False
    return bool(gold["type"] != "casualty" or pred.get("qualifier") == gold["qualifier"])


@dataclass
class Match:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[FactDict] = field(default_factory=list)
    extras: list[FactDict] = field(default_factory=list)

    def add(self, other: Match) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        self.misses += other.misses
        self.extras += other.extras

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0


def match(preds: Sequence[FactDict], golds: Sequence[FactDict], same: Same) -> Match:
    """score.py's greedy one-to-one matching: an optional gold fact absorbs a prediction
    without counting; a required one left over is a miss, a prediction left over an extra."""
    used: set[int] = set()
    out = Match()
    order = sorted(range(len(golds)), key=lambda i: bool(golds[i].get("optional")))
    for pred in preds:
        hit = next((i for i in order if i not in used and same(pred, golds[i])), None)
        if hit is None:
            out.fp += 1
            out.extras.append(pred)
            continue
        used.add(hit)
        out.tp += 0 if golds[hit].get("optional") else 1
    out.misses = [g for i, g in enumerate(golds) if i not in used and not g.get("optional")]
    out.fn = len(out.misses)
    return out


def required(preds: Sequence[FactDict]) -> list[FactDict]:
    """The predictions that count: a fact the engine marks optional is left to the reader."""
    return [p for p in preds if not p.get("optional")]


def brief(fact: FactDict) -> str:
    place = f" @{fact['location']}" if fact.get("location") else ""
    quote = f" | {fact['quote']!r}" if fact.get("quote") else ""
    if fact.get("type") == "casualty":
        return (
            f"{fact.get('category')}/{fact.get('group')} min={fact.get('min')} "
            f"{fact.get('qualifier')}{place}{quote}"
        )
    target = f"->{fact['target']}" if fact.get("target") else ""
    return f"{fact.get('kind')}={fact.get('status')}{target}{place}{quote}"
