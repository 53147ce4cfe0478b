"""The SVG charts: well-formed, described, and drawn as the figures are (exact, floor, vague)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from schemas.vocab import Category
from services.web import board, charts
from tests.web.factories import casualty, measure, state

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    # the inline SVG carries no xmlns (HTML supplies it): add it to parse as XML
    return ET.fromstring(str(markup).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def _timeline() -> board.Timeline:
    return board.timeline(state(), [
        casualty("2024-03-01", 5, qualifier="at_least"),
        casualty("2024-03-02", 20, max=99, qualifier="vague"),
        casualty("2024-03-04", 31),
        casualty("2024-03-03", 7, location='<b>"Springfield"</b>'),
        casualty("2024-03-02", 100, category="arrested", qualifier="about", max=100),
        measure("2024-03-01", "curfew", "in_force"),
        measure("2024-03-04", "curfew", "partial"),
        measure("2024-03-02", "gathering_ban", "planned", target="in_force"),
    ])


@pytest.mark.parametrize(("value", "top", "step"), [
    (0, 1, 1), (1, 1, 1), (3, 3, 1), (19, 20, 5), (31, 40, 10), (173, 200, 50),
    (2138, 3000, 1000), (8000, 8000, 2000), (1_000_000, 1_000_000, 500_000),
])
def test_the_y_axis_ends_on_a_round_number(value: int, top: int, step: int) -> None:
    assert charts.nice_top(value) == (top, step)


def test_a_figure_chart_is_described_svg_with_one_marker_per_rise() -> None:
    svg = _parse(charts.figure_chart(_timeline(), Category.KILLED))
    assert svg.get("role") == "img"
    labelled = (svg.get("aria-labelledby") or "").split()
    found = {el.get("id"): el for el in svg.iter() if el.get("id")}
    assert [found[i].tag for i in labelled] == [f"{SVG}title", f"{SVG}desc"]
    desc = found[labelled[1]].text or ""
    assert ("people: at least 5 on 2024-03-01, 20–99 (vague) on 2024-03-02, "
            "31 on 2024-03-04.") in desc
    markers = [el.get("class") for el in svg.iter() if "m " in (el.get("class") or "") + " "]
    assert markers == ["m at-least", "m vague", "m exact", "m exact"]


def test_a_vague_figure_is_dashed_with_a_range_bar_and_a_floor_is_not() -> None:
    svg = _parse(charts.figure_chart(_timeline(), Category.KILLED))
    steps = [el for el in svg.iter() if el.get("class") == "step"]
    assert [el.get("stroke-dasharray") for el in steps][:3] == [None, "6 4", None]
    assert len([el for el in svg.iter() if el.get("class") == "range"]) == 1


def test_the_step_line_rises_left_to_right() -> None:
    svg = _parse(charts.figure_chart(_timeline(), Category.KILLED))
    (first,) = [g for g in svg.iter(f"{SVG}g") if g.get("data-series") == "people"]
    heights = [float((p.get("d") or "").split(",")[1].split()[0])
               for p in first if p.get("class") == "step"]
    assert heights == sorted(heights, reverse=True)  # SVG y grows downwards
    assert len(set(heights)) == 3


def test_text_from_the_news_is_escaped() -> None:
    markup = str(charts.figure_chart(_timeline(), Category.KILLED))
    assert "<b>" not in markup
    assert "&lt;b&gt;&quot;Springfield&quot;&lt;/b&gt;" in markup
    _parse(markup)


def test_a_band_chart_has_one_row_per_measure_and_a_shape_per_status() -> None:
    svg = _parse(charts.band_chart(_timeline()))
    names = [el.text for el in svg.iter(f"{SVG}text") if el.get("class") == "band-name"]
    assert names == ["Curfew", "Gathering ban"]
    spans = [el.get("class") for el in svg.iter(f"{SVG}g")]
    assert spans == ["span in-force", "span partial", "span planned"]
    desc = next(el.text for el in svg.iter(f"{SVG}desc"))
    assert desc == ("Curfew: in force from 2024-03-01, partial from 2024-03-04. "
                    "Gathering ban: planned (to be imposed) from 2024-03-02.")


def test_colours_are_shared_by_chart_and_legend_and_differ_within_a_chart() -> None:
    chosen = charts.colours(_timeline(), Category.KILLED)
    assert len({c for _, c in chosen}) == len(chosen) == 2
