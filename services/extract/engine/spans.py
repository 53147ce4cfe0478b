"""From a text to its facts: read every sentence, tie each fact to its place, merge the
repeats, order the statuses of a measure as the text tells them, and cut the quotes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from schemas.facts import CasualtyFact, Fact, MeasureFact
from schemas.vocab import MeasureStatus, Qualifier
from services.extract.engine.casualties import Casualty, CasualtyReader
from services.extract.engine.clauses import Marks, Sentence, read_sentence
from services.extract.engine.grammar import STOP_MARK, Grammar
from services.extract.engine.locate import MULTI, Located
from services.extract.engine.measures import RANK_REPORTED, Measure, MeasureReader
from services.extract.engine.numbers import FigureReader
from services.extract.engine.phrases import Match
from services.extract.engine.places import (
    COUNTRY_NAME,
    IsCity,
    IsCountry,
    PlaceReader,
    resolve_descriptions,
)
from services.extract.engine.tokens import DIGIT, MARK, Text, Tokens, read, sentence_spans

Capitals = Callable[[str], list[str]]
_QUALIFIER_TIES = [Qualifier.AT_LEAST, Qualifier.EXACT, Qualifier.NEARLY, Qualifier.ABOUT,
                   Qualifier.UP_TO, Qualifier.VAGUE]
_LIFECYCLE = {
    (MeasureStatus.PLANNED, MeasureStatus.IN_FORCE): 0, (MeasureStatus.IN_FORCE, None): 1,
    (MeasureStatus.PARTIAL, None): 2, (MeasureStatus.LIFTED, None): 3,
    (MeasureStatus.PLANNED, MeasureStatus.LIFTED): 4,
}
_RESTATED = 0.1
_DASHES = frozenset({"-", "–", "—"})
_BEFORE_PLACE = 6
_AFTER_PLACE = 12
_AFTER_MEASURE = 16
_YEAR_DIGITS = 4
_YEARS = (1800, 2100)


def _other_year(tokens: Tokens, lo: int, hi: int, year: int) -> bool:
    years = [
        int(t.text) for t in tokens[lo:hi]
        if t.kind == DIGIT and len(t.text) == _YEAR_DIGITS and t.text.isdigit()
        and _YEARS[0] <= int(t.text) <= _YEARS[1]
    ]
    return bool(years) and year not in years


def _comma_after(tokens: Tokens, i: int, hi: int) -> int:
    for k in range(i, hi):
        if tokens[k].kind == MARK and tokens[k].text == ",":
            return k
    return hi


class Engine:
    """The grammar of one language with its readers, built once; `extract` is pure."""

    def __init__(
        self, grammar: Grammar, is_country: IsCountry | None = None, is_city: IsCity | None = None
    ) -> None:
        self.grammar = grammar
        self.figures = FigureReader(grammar)
        self.casualties = CasualtyReader(grammar)
        self.measures = MeasureReader(grammar)
        self.places = PlaceReader(is_country, is_city)

    def extract(
        self, text: str, *, title: str | None = None, published: str | None = None
    ) -> list[Fact]:
        return extract_facts(self, text, title=title, published=published)


def extract_facts(
    engine: Engine, text: str, *, title: str | None = None, published: str | None = None
) -> list[Fact]:
    """The facts of a text in text order; `published` (YYYY-MM...) tells which years are
    another time's: a figure told with another year is optional."""
    grammar = engine.grammar
    tokens, source = read(text)
    if not tokens:
        return []
    year = int(published[:4]) if published and published[:4].isdigit() else None
    roles, _, marked = grammar.read(tokens)
    figures, casualty_reader, measure_reader = engine.figures, engine.casualties, engine.measures
    places = engine.places
    mentions = places.mentions(source, tokens, roles, 0, len(tokens), marked)
    where = Located(text, tokens, mentions, resolve_descriptions(source, tokens, roles, mentions))
    title_end = _title_end(text, title)
    casualties: list[tuple[Casualty, str | None]] = []
    measures: list[tuple[Measure, str | None]] = []
    marks = Marks.read(figures, tokens, roles, marked)
    stops = [i for i, bits in marked if bits & STOP_MARK]
    for s_start, s_end in sentence_spans(tokens, text, source.starts, stops):
        if _intertitle(text, tokens, s_start, s_end):
            continue
        sent = read_sentence(figures, tokens, roles, marks, s_start, s_end)
        if not sent.figures and not sent.measures:
            continue  # no figure and no measure: nothing to place
        found = casualty_reader.read(tokens, roles, sent) if sent.figures else []
        prev_stop = s_start
        for n, c in enumerate(found):
            lo, hi = sent.clause(c.fig.start)
            stop = min(hi, c.pred_end + _AFTER_PLACE, _comma_after(tokens, c.pred_end, hi))
            if n + 1 < len(found):
                stop = min(stop, found[n + 1].fig.start)
            begin = max(lo, c.fig.start - _BEFORE_PLACE, prev_stop)
            prev_stop = stop
            loc = where.pick(begin, stop, (c.start, c.end)) or where.frame(
                tokens, roles, s_start, s_end)
            if c.subset and _location(loc) is not None:
                c.optional = False  # "31 of them in Colombo": a total tied to one place
            if year is not None and _other_year(tokens, lo, hi, year):
                c.optional = True  # "in 2019, 300 people died"
            casualties.append((c, loc))
        if sent.measures:
            measures += _placed(measure_reader.read(tokens, roles, sent), sent, tokens, roles,
                                where)
    facts: list[tuple[int, Fact]] = _casualty_facts(source, tokens, casualties, title_end)
    ranked = _measure_facts(source, tokens, measures)
    facts += [(first, fact) for first, fact, _ in ranked]
    facts.sort(key=lambda f: f[0])
    return _order_statuses([f for _, f in facts], {id(f): r for _, f, r in ranked})


def _placed(
    found: list[Measure], sent: Sentence, tokens: Tokens, roles: list[dict[str, Match]],
    where: Located,
) -> list[tuple[Measure, str | None]]:
    """The measures of a sentence with their places: those in their window of tokens, else
    the one that opens the sentence; a later status of the same name, the same place."""
    starts = sorted(m.mention[0] for m in found)
    placed: dict[tuple[int, int], str | None] = {}
    out: list[tuple[Measure, str | None]] = []
    for m in found:
        if m.mention in placed:  # a later status of the same name: the same place
            out.append((m, placed[m.mention]))
            continue
        lo, hi = sent.clause(m.start)
        nxt = [s for s in starts if s > m.mention[0]]
        stop = min(hi, m.end + _AFTER_MEASURE, nxt[0] if nxt else hi)
        begin = m.start
        while begin > max(lo, m.start - _BEFORE_PLACE) and (
            "coordination" not in roles[begin - 1]
        ):
            begin -= 1
        span = (m.start, m.end) if m.cue is not None else None
        placed[m.mention] = where.pick(begin, stop, span) or where.frame(
            tokens, roles, sent.start, sent.end)
        out.append((m, placed[m.mention]))
    return out


def _intertitle(text: str, tokens: Tokens, start: int, end: int) -> bool:
    """"- Troupes déployées -": a heading between dashes, no statement."""
    return end - start >= 3 and tokens[start].text in _DASHES and tokens[end - 1].text in _DASHES


def _title_end(text: str, title: str | None) -> int:
    if not title:
        return 0
    lead = len(text) - len(text.lstrip())
    return lead + len(title.strip()) if text.lstrip().startswith(title.strip()) else 0


def _location(name: str | None) -> str | None:
    return None if name is None or name.startswith("\x00") else name


def _casualty_facts(
    text: Text, tokens: Tokens, found: list[tuple[Casualty, str | None]], title_end: int
) -> list[tuple[int, Fact]]:
    starts = text.starts
    groups: dict[tuple[str, str, int, bool], list[tuple[Casualty, str | None]]] = (
        defaultdict(list))
    for c, loc in found:
        vague = c.fig.qualifier is Qualifier.VAGUE
        groups[(c.category.value, c.group.value, c.fig.min, vague)].append((c, loc))
    merged: list[tuple[Casualty, str | None, Qualifier, bool]] = []
    for members in groups.values():
        places = {loc for _, loc in members}
        named = {p for p in places if p is not None and p not in (COUNTRY_NAME, MULTI)}
        buckets: dict[str | None, list[Casualty]] = defaultdict(list)
        for c, loc in members:
            where = loc
            if loc is None or loc == MULTI:
                where = COUNTRY_NAME if COUNTRY_NAME in places else (
                    next(iter(named)) if len(named) == 1 else None)
            buckets[where].append(c)
        for loc, cs in buckets.items():
            votes: dict[Qualifier, float] = defaultdict(float)
            for c in cs:
                votes[c.fig.qualifier] += 0.5 if starts[c.start] < title_end else 1.0
            best = max(votes.values())
            qualifier = next(q for q in _QUALIFIER_TIES if votes.get(q) == best)
            body = [c for c in cs if starts[c.start] >= title_end] or cs
            merged.append((body[0], loc, qualifier, all(c.optional for c in cs)))
    out: list[tuple[int, Fact]] = []
    for c, loc, qualifier, all_optional in merged:
        optional = all_optional
        if not optional and qualifier not in (Qualifier.EXACT, Qualifier.VAGUE):
            optional = any(
                o is not c and not o_opt and o.category is c.category and o.group is c.group
                and oq is Qualifier.EXACT and o.fig.min != c.fig.min
                and abs(o.fig.min - c.fig.min) <= _RESTATED * o.fig.min
                and (qualifier is not Qualifier.AT_LEAST or c.fig.min <= o.fig.min)
                for o, _, oq, o_opt in merged
            )
        hi = None if qualifier is Qualifier.AT_LEAST else c.fig.max
        if qualifier in (Qualifier.EXACT, Qualifier.ABOUT, Qualifier.NEARLY, Qualifier.UP_TO):
            hi = c.fig.max if c.fig.max is not None and c.fig.max >= c.fig.min else c.fig.min
        start, end = starts[c.start], starts[c.end - 1] + len(tokens[c.end - 1].text)
        out.append((start, CasualtyFact(
            category=c.category, group=c.group, min=c.fig.min, max=hi, qualifier=qualifier,
            location=_location(loc), quote=text.text[start:end], start=start, end=end,
            rule=f"casualty:{c.rule}", optional=optional,
        )))
    return out


def _measure_facts(
    text: Text, tokens: Tokens, found: list[tuple[Measure, str | None]]
) -> list[tuple[int, MeasureFact, int]]:
    starts = text.starts
    groups: dict[tuple[str, str, str | None], list[tuple[Measure, str | None]]] = defaultdict(list)
    for m, loc in found:
        groups[(m.kind.value, m.status.value, m.target.value if m.target else None)].append(
            (m, loc))
    out: list[tuple[int, MeasureFact, int]] = []
    for members in groups.values():
        # a status word says more than a presence; among equals, a named place wins
        m, loc = min(members, key=lambda x: (
            x[0].rule.endswith((":presence", ":mention")), _location(x[1]) is None))
        first = min(starts[x.start] for x, _ in members)
        start, end = starts[m.start], starts[m.end - 1] + len(tokens[m.end - 1].text)
        fact = MeasureFact(
            kind=m.kind, status=m.status, target=m.target, location=_location(loc),
            quote=text.text[start:end], start=start, end=end, rule=f"measure:{m.rule}",
            optional=all(x.optional for x, _ in members),
        )
        out.append((first, fact, max(x.rank for x, _ in members)))
    return out


def _order_statuses(facts: list[Fact], ranks: dict[int, int]) -> list[Fact]:
    """Where a measure has two statuses, the one the article tells last in time goes last
    and the earlier ones become background (optional)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(facts):
        if isinstance(f, MeasureFact):
            by_kind[f.kind.value].append(i)
    out = list(facts)
    for slots in by_kind.values():
        if len(slots) < 2:
            continue
        ms = [f for i in slots if isinstance(f := facts[i], MeasureFact)]
        ranked = sorted(
            ms,
            key=lambda f: (ranks.get(id(f), RANK_REPORTED), _LIFECYCLE.get(
                (f.status, f.target if f.status is MeasureStatus.PLANNED else None), 1)),
        )
        last = ranked[-1]
        for slot, f in zip(slots, ranked, strict=True):
            same_place = f.location is None or last.location is None or (
                f.location == last.location)
            out[slot] = f.model_copy(update={"optional": True}) if (
                f is not last and same_place) else f
    return out
