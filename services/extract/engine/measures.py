"""Security measures: a measure's name, the status word nearest to it in its sentence, the
tense of that word (future: planned; "had": background), and a partial cue."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.vocab import MeasureKind, MeasureStatus
from services.extract.engine.clauses import Sentence
from services.extract.engine.grammar import MEASURE, STATUS, Grammar
from services.extract.engine.phrases import Match
from services.extract.engine.tokens import MARK, Tokens
from services.extract.lexicon import MeasureEntry

_REACH = 10
_COMMA_COST = 2
_TENSE_REACH = 3
_APPOSITION = 8
_PRESENCE_REACH = 2
_RELATIVE = 16
_DENIAL_REACH = 4
_DENIAL_AFTER = 3

IN_FORCE, LIFTED, PARTIAL = MeasureStatus.IN_FORCE, MeasureStatus.LIFTED, MeasureStatus.PARTIAL
# What a status word does to each kind of measure: a restriction is imposed or lifted; a
# service (internet, flights) is cut or restored; a force is deployed or withdrawn.
_EFFECT: dict[str, dict[str, MeasureStatus]] = {
    "restriction": {
        "establish": IN_FORCE, "continue": IN_FORCE, "restore": IN_FORCE, "ban": IN_FORCE,
        "deploy": IN_FORCE, "send": IN_FORCE, "cut": IN_FORCE,
        "end": LIFTED, "suspend": LIFTED, "withdraw": LIFTED, "ease": PARTIAL,
        "restrict": PARTIAL, "allow": LIFTED,
    },
    "service": {
        "cut": IN_FORCE, "suspend": IN_FORCE, "end": IN_FORCE, "restrict": IN_FORCE,
        "restore": LIFTED, "ease": PARTIAL,
    },
    "force": {
        "deploy": IN_FORCE, "send": IN_FORCE, "continue": IN_FORCE, "establish": IN_FORCE,
        "presence": IN_FORCE, "withdraw": LIFTED, "end": LIFTED,
    },
}
RANK_BACKGROUND, RANK_REPORTED, RANK_LATER, RANK_PLANNED = 0, 2, 3, 4
# classes that speak of a measure only where its entry asks for them: "allowed" lifts a ban on
# gatherings, but "authorised to shoot on sight" imposes an order
_ONLY_IF_NEEDED = frozenset({"allow"})
# classes that tell a state, not a change: "will remain in force" is in force
_STATES = frozenset({"continue", "presence"})


@dataclass(slots=True)
class Measure:
    kind: MeasureKind
    status: MeasureStatus
    target: MeasureStatus | None
    start: int
    end: int
    mention: tuple[int, int]
    rule: str
    rank: int = RANK_REPORTED
    optional: bool = False
    cue: int | None = None
    """token where its status word starts"""


class MeasureReader:
    def __init__(self, grammar: Grammar) -> None:
        self.g = grammar

    def mentions(self, roles: list[dict[str, Match]], sent: Sentence) -> list[list[Match]]:
        """At each place a measure is named, the entries of its longest name."""
        out: list[list[Match]] = []
        i = sent.start
        for start in sent.measure_starts:
            if start < i:
                continue  # inside the longest name before
            i = start
            found = [m for k, m in roles[i].items() if k.startswith(MEASURE + ":")]
            end = max(m.end for m in found)
            out.append(sorted((m for m in found if m.end == end), key=lambda m: int(m.value)))
            i = end
        return out

    def read(
        self, tokens: Tokens, roles: list[dict[str, Match]], sent: Sentence
    ) -> list[Measure]:
        if not sent.measures:
            return []
        mentions = self.mentions(roles, sent)
        covered = {k for ms in mentions for k in range(ms[0].start, ms[0].end)}
        prefix = STATUS + ":"
        cues = [
            m
            for i in sent.statuses if i not in covered
            for key, m in roles[i].items() if key.startswith(prefix)
        ]
        out: list[Measure] = []
        for entries in mentions:
            facts = [f for m in entries if (f := self._one(tokens, roles, sent, m, cues))]
            end = entries[0].end
            abroad = any("country" in roles[k] for k in range(end, min(sent.end, end + 3)))
            for fact in _one_force(facts, abroad=abroad):
                out.append(fact)
                then = self._then(tokens, roles, sent, fact, cues)
                if then is not None:
                    out.append(then)
        foreign = {f.cue for f in out if f.kind is MeasureKind.FOREIGN_TROOPS}
        return [f for f in out if not (  # "les militaires de la force de la Cédéao ont quitté"
            f.kind is MeasureKind.MILITARY_DEPLOYMENT and f.cue is not None and f.cue in foreign)]

    def _one(
        self, tokens: Tokens, roles: list[dict[str, Match]], sent: Sentence, m: Match,
        cues: list[Match],
    ) -> Measure | None:
        entry = self.g.lexicon.measures[int(m.value)]
        effects = _EFFECT[entry.polarity]
        relative = self._relative_span(tokens, roles, m, sent.end)
        best = self._best_cue(tokens, sent, m, entry, cues, relative=relative)
        if best is None:
            if entry.default is None or self._denied(roles, m.start, sent.start) or any(
                "negation" in roles[k] or "hypothetical" in roles[k]
                for k in range(m.end, min(sent.end, m.end + _DENIAL_AFTER))
            ):  # "the curfew is not planned for now"
                return None
            if any("future" in roles[k] for k in range(max(sent.start, m.start - 5), m.start)):
                return Measure(entry.kind, MeasureStatus.PLANNED, IN_FORCE, m.start, m.end,
                               (m.start, m.end), rule=f"{entry.polarity}:planned",
                               rank=RANK_PLANNED)
            return Measure(entry.kind, IN_FORCE, None, m.start, m.end, (m.start, m.end),
                           rule=f"{entry.polarity}:mention")
        cue = best[1]
        if self._denied(roles, min(cue.start, m.start), sent.start):
            return None
        status = effects[cue.value]
        rank = RANK_REPORTED
        if self._near(roles, "pluperfect", cue.start, sent.start) or (
            relative and relative[0] <= cue.start < relative[1]
        ):
            rank = RANK_BACKGROUND
        target: MeasureStatus | None = None
        if status is LIFTED and self._partial(roles, m, cue, sent):
            status = PARTIAL
        dated = cue.end <= m.start and any(  # "la fin de l'état d'urgence à compter du 1er"
            "future" in roles[k] for k in range(m.end, min(sent.end, m.end + _TENSE_REACH)))
        if cue.value not in _STATES and (dated or self._future(tokens, roles, cue, sent.start)):
            target = IN_FORCE if status is IN_FORCE else LIFTED
            status, rank = MeasureStatus.PLANNED, RANK_PLANNED
        start, end = min(m.start, cue.start), max(m.end, cue.end)
        return Measure(entry.kind, status, target, start, end, (m.start, m.end),
                       rule=f"{entry.polarity}:{cue.value}", rank=rank, cue=cue.start)

    def _then(
        self, tokens: Tokens, roles: list[dict[str, Match]], sent: Sentence,
        fact: Measure, cues: list[Match],
    ) -> Measure | None:
        """A later status of the same measure, told of it by a pronoun in the same sentence:
        "imposed a curfew ... but lifted it", "declared in May, which was lifted"."""
        if fact.cue is None or fact.status is MeasureStatus.PLANNED:
            return None
        entry = next(e for e in self.g.lexicon.measures if e.kind is fact.kind)
        effects = _EFFECT[entry.polarity]
        for cue in cues:
            if cue.start < fact.end or cue.value not in effects or effects[cue.value] is (
                fact.status
            ) or (entry.needs and cue.value not in entry.needs):
                continue
            near = [*range(max(fact.end, cue.start - _TENSE_REACH), cue.start),
                    *range(cue.end, min(sent.end, cue.end + 1))]  # "l'a levé", "lifted it"
            if not any("pronouns" in roles[k] or "relative" in roles[k] for k in near):
                continue
            status = effects[cue.value]
            rank = RANK_LATER
            target: MeasureStatus | None = None
            if cue.value not in _STATES and self._future(tokens, roles, cue, sent.start):
                target = IN_FORCE if status is IN_FORCE else LIFTED
                status, rank = MeasureStatus.PLANNED, RANK_PLANNED
            return Measure(fact.kind, status, target, cue.start, cue.end, fact.mention,
                           rule=f"{entry.polarity}:{cue.value}:then", rank=rank, cue=cue.start)
        return None

    def _best_cue(
        self, tokens: Tokens, sent: Sentence, m: Match, entry: MeasureEntry,
        cues: list[Match], *, relative: tuple[int, int] | None,
    ) -> tuple[float, Match] | None:
        """The status word nearest to the name among those its entry can take."""
        effects = _EFFECT[entry.polarity]
        found: list[tuple[float, Match]] = []
        for cue in cues:
            if cue.value not in effects or (entry.needs and cue.value not in entry.needs) or (
                cue.value in _ONLY_IF_NEEDED and cue.value not in entry.needs
            ):
                continue
            cost = self._distance(tokens, m, cue, relative)
            if cost is None or (cue.value == "presence" and cost > _PRESENCE_REACH):
                continue
            if entry.polarity == "force" and cue.end <= m.start and any(
                tokens[k].text == "," for k in range(cue.end, m.start)
            ):
                continue  # "... withdrawn on Monday, the army said": the army speaks
            found.append((cost, cue))
        best = min(found, key=lambda x: x[0]) if found else None
        if best is not None and best[1].start == m.end:
            # "the troops deployed in Conakry have returned": a participle right after the
            # name tells its past; a later status word of the same clause is the news
            _, hi = sent.clause(best[1].start)
            later = [x for x in found if best[1].end < x[1].start < hi
                     and effects[x[1].value] is not effects[best[1].value]]
            if later:
                best = min(later, key=lambda x: x[0])
        return best

    @staticmethod
    def _relative_span(
        tokens: Tokens, roles: list[dict[str, Match]], m: Match, hi: int
    ) -> tuple[int, int] | None:
        """Background told inside the measure's noun phrase: a relative clause (", qui
        avait été éteint il y a quelques jours,") or an apposition between commas (", in
        place since 3 November,")."""
        i = m.end
        comma = i < hi and tokens[i].text == ","
        if comma:
            i += 1
        if i >= hi or ("relative" not in roles[i] and not comma):
            return None
        j = i + 1
        reach = _RELATIVE if "relative" in roles[i] else _APPOSITION
        while j < hi and tokens[j].text != "," and j - i < reach:
            j += 1
        return (m.end, j + 1) if j < hi and tokens[j].text == "," else None

    @staticmethod
    def _denied(roles: list[dict[str, Match]], at: int, lo: int) -> bool:
        """"ruled out declaring", "calls for a curfew", "if violence resumes"."""
        return any(
            "negation" in roles[k] or "hypothetical" in roles[k] or "demands" in roles[k]
            for k in range(max(lo, at - _DENIAL_REACH), at)
        )

    @staticmethod
    def _distance(
        tokens: Tokens, m: Match, cue: Match, relative: tuple[int, int] | None
    ) -> float | None:
        if cue.end <= m.start:  # the status word before the name: "imposed a curfew"
            span, comma_cost, reach = range(cue.end, m.start), _COMMA_COST, _REACH
        elif cue.start >= m.end:  # after it: "the troops ..., arrived on Thursday"
            span, comma_cost, reach = range(m.end, cue.start), 1, _REACH + 2
        else:
            return None
        cost = 0.0
        for k in span:
            if relative and relative[0] <= k < relative[1]:
                continue
            tok = tokens[k]
            if tok.quote:
                continue
            cost += 1 + (comma_cost if tok.kind == MARK and tok.text == "," else 0)
        if relative and relative[0] <= cue.start < relative[1]:
            cost += reach  # a background status in a relative clause: the last resort
            return cost if cost <= 2 * reach else None
        return cost if cost <= reach else None

    @staticmethod
    def _near(roles: list[dict[str, Match]], role: str, at: int, lo: int) -> bool:
        return any(role in roles[k] for k in range(max(lo, at - _TENSE_REACH), at))

    def _future(
        self, tokens: Tokens, roles: list[dict[str, Match]], cue: Match, lo: int
    ) -> bool:
        if self._near(roles, "future", cue.start, lo):
            return True
        word = tokens[cue.start].norm
        return any(word.endswith(s) for s in self.g.future_suffixes)

    @staticmethod
    def _partial(roles: list[dict[str, Match]], m: Match, cue: Match, sent: Sentence) -> bool:
        lo = max(sent.start, min(m.start, cue.start) - 3)
        hi = min(sent.end, max(m.end, cue.end) + 4)
        return any("partial" in roles[k] for k in range(lo, hi))


def _one_force(facts: list[Measure], *, abroad: bool = False) -> list[Measure]:
    """One name read as two kinds ("troops" sent: foreign; deployed: the army's own):
    a status word sending troops in, a name foreign in itself, or troops withdrawn from the
    country, makes them foreign."""
    kinds = {f.kind for f in facts}
    if len(facts) < 2 or not {MeasureKind.FOREIGN_TROOPS, MeasureKind.MILITARY_DEPLOYMENT} <= kinds:
        return facts[:1]
    foreign = next(f for f in facts if f.kind is MeasureKind.FOREIGN_TROOPS)
    army = next(f for f in facts if f.kind is MeasureKind.MILITARY_DEPLOYMENT)
    if foreign.rule.endswith((":send", ":mention")) or (abroad and foreign.rule.endswith(
            ":withdraw")):
        return [foreign]
    return [army]
