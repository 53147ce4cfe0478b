"""Server-side SVG of a story's timeline: one step chart per category, one band chart of
the measures. Pure: a `Timeline` in, markup out (every text escaped).

How a figure is drawn says what kind of figure it is: a filled dot is exact; an open
triangle is a floor ("at least"); an open diamond on a dashed line is a vague amount, with a
thin bar over its range; an open dot is approximate (about, nearly, up to). Each chart has a
`<title>` and a `<desc>` that states its data; the page adds the same data as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from schemas.vocab import Category, MeasureStatus, Qualifier
from services.web import labels
from services.web.board import Axis, Band, Point, Series, Timeline

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#222222")
STATUS_CLASS = {
    MeasureStatus.IN_FORCE: "in-force",
    MeasureStatus.PARTIAL: "partial",
    MeasureStatus.LIFTED: "lifted",
    MeasureStatus.PLANNED: "planned",
}


@dataclass(frozen=True, slots=True)
class Frame:
    """Where the plot sits in the SVG's own units."""

    width: int = 640
    height: int = 230
    left: int = 64
    right: int = 16
    top: int = 34
    bottom: int = 30

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    def cell(self, axis: Axis) -> float:
        return self.plot_width / max(len(axis), 1)

    def edge(self, axis: Axis, tick: int) -> float:
        return self.left + tick * self.cell(axis)

    def centre(self, axis: Axis, tick: int) -> float:
        return self.left + (tick + 0.5) * self.cell(axis)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def nice_top(value: int) -> tuple[int, int]:
    """A round top for a y axis holding `value`, and its step (1, 2 or 5 times 10^k)."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(value / step), step


def tick_label(axis: Axis, tick: int) -> str:
    """MM-DD for a day (the year is in the caption), the report number otherwise."""
    text = axis.ticks[tick]
    return text[5:] if axis.dated else text


def _x_labels(axis: Axis, frame: Frame, y: float) -> list[str]:
    every = max(1, math.ceil(len(axis) / 8))
    return [
        f'<text class="tick" x="{frame.centre(axis, n):.1f}" y="{y:.1f}" text-anchor="middle">'
        f"{_e(tick_label(axis, n))}</text>"
        for n in range(0, len(axis), every)
    ]


def _marker(point: Point, x: float, y: float, colour: str) -> str:
    alert = point.alert
    qualifier = alert.qualifier or Qualifier.EXACT
    tip = f"{alert.day or 'day not given'}: {labels.figure(point.min, alert.max, qualifier)}"
    title = f"<title>{_e(tip)}</title>"
    if qualifier == Qualifier.EXACT:
        shape, css, paint = _circle(x, y), "exact", f'fill="{colour}"'
    elif qualifier == Qualifier.AT_LEAST:
        shape = f'd="M{x:.1f},{y - 6:.1f} L{x + 5.5:.1f},{y + 4:.1f} L{x - 5.5:.1f},{y + 4:.1f} Z"'
        css, paint = "at-least", f'stroke="{colour}"'
    elif qualifier == Qualifier.VAGUE:
        shape = (f'd="M{x:.1f},{y - 6:.1f} L{x + 6:.1f},{y:.1f} L{x:.1f},{y + 6:.1f} '
                 f'L{x - 6:.1f},{y:.1f} Z"')
        css, paint = "vague", f'stroke="{colour}"'
    else:
        shape, css, paint = _circle(x, y), "approx", f'stroke="{colour}"'
    tag = "circle" if shape.startswith("cx") else "path"
    return f'<{tag} class="m {css}" {shape} {paint}>{title}</{tag}>'


def _circle(x: float, y: float) -> str:
    return f'cx="{x:.1f}" cy="{y:.1f}" r="4.5"'


def _series_marks(series: Series, axis: Axis, frame: Frame, top: int, colour: str) -> list[str]:
    def y_of(value: float) -> float:
        return frame.top + frame.plot_height * (1 - min(value, top) / top)

    width = "1.75" if series.location else "2.75"
    out: list[str] = [f'<g class="series" data-series="{_e(series_label(series))}">']
    points = series.points
    for n, point in enumerate(points):
        x0 = frame.centre(axis, point.x)
        x1 = frame.centre(axis, points[n + 1].x) if n + 1 < len(points) else frame.edge(
            axis, len(axis))
        y = y_of(point.min)
        dashed = ' stroke-dasharray="6 4"' if point.alert.qualifier == Qualifier.VAGUE else ""
        out.append(f'<path class="step" d="M{x0:.1f},{y:.1f} H{x1:.1f}" stroke="{colour}" '
                   f'stroke-width="{width}"{dashed}/>')
        if n + 1 < len(points):
            out.append(f'<path class="riser" d="M{x1:.1f},{y:.1f} V{y_of(points[n + 1].min):.1f}" '
                       f'stroke="{colour}"/>')
        high = point.alert.max
        if point.alert.qualifier == Qualifier.VAGUE and (high is None or high > point.min):
            out.append(f'<path class="range" d="M{x0:.1f},{y:.1f} V{y_of(high or top):.1f}" '
                       f'stroke="{colour}"/>')
    out.extend(_marker(p, frame.centre(axis, p.x), y_of(p.min), colour) for p in points)
    out.append("</g>")
    return out


def series_label(series: Series) -> str:
    return labels.who(series.group, series.location)


def colours(timeline: Timeline, category: Category) -> list[tuple[Series, str]]:
    """The series of one category, each with its colour (the legend uses the same)."""
    chosen = [s for s in timeline.series if s.category == category]
    return [(s, PALETTE[n % len(PALETTE)]) for n, s in enumerate(chosen)]


def describe(timeline: Timeline, category: Category) -> str:
    """The chart's data in one sentence per series, for its <desc>."""
    parts = []
    for series in (s for s in timeline.series if s.category == category):
        steps = ", ".join(
            f"{labels.figure(p.min, p.alert.max, p.alert.qualifier or Qualifier.EXACT)}"
            f" on {timeline.axis.ticks[p.x]}{'' if p.dated else ' (day not given)'}"
            for p in series.points
        )
        parts.append(f"{series_label(series)}: {steps}.")
    return " ".join(parts)


def figure_chart(timeline: Timeline, category: Category, frame: Frame | None = None) -> Markup:
    """The step chart of one category's figures."""
    frame = frame or Frame()
    axis = timeline.axis
    chosen = colours(timeline, category)
    top, step = nice_top(max((p.min for s, _ in chosen for p in s.points), default=0))
    ident = f"chart-{category}"
    name = labels.CATEGORY[category]
    out = [
        f'<svg class="chart figures" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" data-category="{_e(category)}">',
        f'<title id="{ident}-title">{_e(name)}: best figure reported by day</title>',
        f'<desc id="{ident}-desc">{_e(describe(timeline, category))}</desc>',
    ]
    for value in range(0, top + 1, step):
        y = frame.top + frame.plot_height * (1 - value / top)
        out.append(f'<path class="grid" d="M{frame.left},{y:.1f} H{frame.width - frame.right}"/>')
        out.append(f'<text class="tick" x="{frame.left - 8}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{_e(labels.number(value))}</text>')
    out.append(f'<text class="axis-name" x="8" y="18">{_e(name)}</text>')
    out.extend(_x_labels(axis, frame, frame.height - 8))
    for series, colour in chosen:
        out.extend(_series_marks(series, axis, frame, top, colour))
    out.append("</svg>")
    return Markup("\n".join(out))


def _span_marks(band: Band, row: int, axis: Axis, frame: Frame, height: int) -> list[str]:
    y = frame.top + row * (height + 8)
    out = [f'<text class="band-name" x="{frame.left - 8}" y="{y + height / 2 + 4:.1f}" '
           f'text-anchor="end">{_e(labels.MEASURE[band.kind])}</text>']
    for span in band.spans:
        x0, x1 = frame.edge(axis, span.start), frame.edge(axis, span.end)
        if x1 <= x0:
            continue  # superseded the same day: listed in the table, not drawn
        text = labels.status(span.status, span.alert.target)
        when = span.alert.day or "day not given"
        out.append(
            f'<g class="span {STATUS_CLASS[span.status]}"><rect x="{x0:.1f}" y="{y}" '
            f'width="{x1 - x0:.1f}" height="{height}" rx="3"/>'
            f"<title>{_e(f'{labels.MEASURE[band.kind]}: {text} from {when}')}</title>"
        )
        if x1 - x0 >= 8.5 * len(text):
            out.append(f'<text x="{x0 + 6:.1f}" y="{y + height / 2 + 4:.1f}">{_e(text)}</text>')
        out.append("</g>")
    return out


def band_chart(timeline: Timeline, frame: Frame | None = None) -> Markup:
    """One band per measure kind, coloured (and patterned) by status over the days."""
    height = 24
    rows = len(timeline.bands)
    frame = frame or Frame(width=960, left=180, top=8, height=8 + rows * (height + 8) + 28)
    axis = timeline.axis
    summary = " ".join(
        f"{labels.MEASURE[b.kind]}: "
        + ", ".join(f"{labels.status(s.status, s.alert.target)} from "
                    f"{axis.ticks[s.start]}" for s in b.spans) + "."
        for b in timeline.bands
    )
    out = [
        f'<svg class="chart bands" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        'aria-labelledby="bands-title bands-desc">',
        '<title id="bands-title">Measures: status by day</title>',
        f'<desc id="bands-desc">{_e(summary)}</desc>',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/>'
        '<path d="M0,0 V6" class="hatch-line"/></pattern></defs>',
    ]
    for row, band in enumerate(timeline.bands):
        out.extend(_span_marks(band, row, axis, frame, height))
    out.extend(_x_labels(axis, frame, frame.height - 8))
    out.append("</svg>")
    return Markup("\n".join(out))
