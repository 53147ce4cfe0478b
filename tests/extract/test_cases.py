"""Every row of every per-language table (`cases/<lang>.toml`) run through the extraction engine,
and the checks that keep the tables themselves honest."""

from __future__ import annotations

from itertools import product

import pytest
from pydantic import ValidationError

from schemas.vocab import Category, Group, MeasureKind, MeasureStatus, Qualifier
from tests.extract.case_table import (
    LEXICONS_DIR,
    Case,
    Extracting,
    RawRow,
    brief,
    build_extractor,
    expected,
    load_table,
    match,
    predict,
    raw_rows,
    read_table,
    required,
    same_row,
    table_paths,
)

MIN_ROWS = 80  # issue 4: at least 80 sentences per language
MIN_NEGATIVE_ROWS = 15


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Rows are read at collection, not at import; a row with `xfail` is a strict xfail."""
    if "row" in metafunc.fixturenames:
        params = [pytest.param(row, id=row.id, marks=_marks(row)) for row in raw_rows()]
        metafunc.parametrize("row", params)
    if "lang" in metafunc.fixturenames:
        metafunc.parametrize("lang", [path.stem for path in table_paths()])


def _marks(row: RawRow) -> list[pytest.MarkDecorator]:
    reason = row.data.get("xfail")
    return [pytest.mark.xfail(strict=True, reason=str(reason))] if reason else []


@pytest.fixture(scope="module")
def extractor() -> Extracting:
    return build_extractor()


def test_row(row: RawRow, extractor: Extracting) -> None:
    case = Case.model_validate(row.data)
    preds = predict(extractor, row.lang, case)

    bad = [p for p in preds if not p["quote"] or case.text[p["start"] : p["end"]] != p["quote"]]
    assert not bad, f"quote is not text[start:end]: {bad}"

    result = match(required(preds), expected(case), same_row)
    report = "\n".join(
        [f"text: {case.text}"]
        + [f"  MISSING {brief(g)}" for g in result.misses]
        + [f"  EXTRA   {brief(p)}  [{p.get('rule')}]" for p in result.extras]
    )
    assert not result.misses, report
    assert not result.extras, report


def test_table_schema(lang: str) -> None:
    """Unknown keys, unknown enum values, bad targets and duplicate ids fail here."""
    raw = read_table(next(p for p in table_paths() if p.stem == lang))
    try:
        table = load_table(lang)
    except ValidationError as exc:
        pytest.fail(f"cases/{lang}.toml does not follow cases/README.md:\n{exc}")
    assert table.lang == lang, f"cases/{lang}.toml declares lang = {raw.get('lang')!r}"


def test_table_covers_the_guide(lang: str) -> None:
    """Each language's table holds every category x group, qualifier and measure kind x status
    of ANNOTATION.md as a required fact, and enough rows that must yield nothing."""
    table = load_table(lang)
    facts = [fact for row in table.case for fact in expected(row) if not fact["optional"]]
    have = {
        *((f["category"], f["group"]) for f in facts if f["type"] == "casualty"),
        *(f["qualifier"] for f in facts if f["type"] == "casualty"),
        *((f["kind"], f["status"], f["target"]) for f in facts if f["type"] == "measure"),
    }
    statuses: list[tuple[MeasureStatus, MeasureStatus | None]]
    statuses = [(s, None) for s in MeasureStatus if s is not MeasureStatus.PLANNED]
    statuses += [
        (MeasureStatus.PLANNED, MeasureStatus.IN_FORCE),
        (MeasureStatus.PLANNED, MeasureStatus.LIFTED),
    ]
    want = {
        *((c.value, g.value) for c, g in product(Category, Group)),
        *(q.value for q in Qualifier),
        *((k.value, s.value, t and t.value) for k, (s, t) in product(MeasureKind, statuses)),
    }
    assert sorted(map(str, want - have)) == []
    assert len(table.case) >= MIN_ROWS
    assert sum(not row.expect for row in table.case) >= MIN_NEGATIVE_ROWS


def test_every_lexicon_has_a_table_and_back() -> None:
    """Adding a language is two files: its lexicon and its table (STYLE.md rule 7)."""
    lexicons = {path.stem for path in LEXICONS_DIR.glob("*.toml")}
    tables = {path.stem for path in table_paths()}
    assert lexicons, f"no lexicon found in {LEXICONS_DIR}"
    assert lexicons == tables
