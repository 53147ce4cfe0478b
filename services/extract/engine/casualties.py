"""Casualty figures: a figure, the people it counts (their group), what befell them (the
category), read from the noun after the figure, a predicate after it (passive or
intransitive), a verb or noun before it (active voice, "la mort de"), a count noun ("the
death toll ... at 19"), or the figure a list or subset continues."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.vocab import Category, Group
from services.extract.engine.clauses import Sentence
from services.extract.engine.grammar import (
    CATEGORY,
    FATE,
    GROUP,
    OTHERS,
    RANGE_TO,
    TOLL,
    Grammar,
)
from services.extract.engine.nouns import NounPhrase, NounReader
from services.extract.engine.numbers import Figure
from services.extract.engine.phrases import Match
from services.extract.engine.tokens import DIGIT, MARK, WORD, Tokens

_PREDICATE_REACH = 14
_ACTIVE_REACH = 3
_TOLL_REACH = 16
_SKIP_BEFORE = ("glue",)


@dataclass(slots=True)
class Casualty:
    fig: Figure
    category: Category
    group: Group
    start: int
    end: int
    rule: str
    optional: bool = False
    subset: bool = False
    """optional for being a part of the figure before it"""
    pred_end: int = 0


class CasualtyReader:
    def __init__(self, grammar: Grammar) -> None:
        self.g = grammar
        self.nouns = NounReader()


    # -- what befell them ----------------------------------------------------------------
    def predicate(
        self, tokens: Tokens, roles: list[dict[str, Match]], i: int, hi: int,
        stops: dict[int, bool],
    ) -> tuple[Match | None, bool]:
        """The casualty word after the noun phrase: (match, negated or hypothetical). It
        may be after the next figure where that one names its own people and only "and"
        parts them ("two gendarmes and three protesters were killed")."""
        blocked = False
        if i < hi and "relative" in roles[i]:
            return None, False
        j = i
        while j < min(hi, i + _PREDICATE_REACH):
            r = roles[j]
            if "demands" in r:
                return None, False
            if "subset" in r:  # ", including a 10-year-old girl," is skipped
                k = r["subset"].end
                while k < hi and tokens[k].text != ",":
                    k += 1
                j = k + 1
                continue
            if j in stops and j != i and not (stops[j] and self._joined(tokens, roles, i, j)):
                return None, False
            if "negation" in r or "hypothetical" in r:
                blocked = True
            if CATEGORY in r:
                return r[CATEGORY], blocked
            j += 1
        return None, False

    def before(
        self, tokens: Tokens, roles: list[dict[str, Match]], fig: Figure, lo: int
    ) -> Match | None:
        """An active verb or a noun right before the figure: "killed 20", "la mort de"."""
        j = fig.start - 1
        steps = 0
        while j >= lo and steps <= _ACTIVE_REACH:
            for k in range(max(lo, j - 4), j + 1):
                m = roles[k].get(CATEGORY)
                if m is not None and m.end == j + 1:
                    return m
            r = roles[j]
            if tokens[j].quote or any(role in r for role in _SKIP_BEFORE):
                j -= 1
                steps += 1
                continue
            break
        return None

    def toll(
        self, roles: list[dict[str, Match]], fig: Figure, lo: int
    ) -> Match | None:
        """A count noun and its casualty word before the figure: "the number of those
        arrested has gone up to", "the death toll at"."""
        for j in range(fig.start - 1, max(lo, fig.start - _TOLL_REACH) - 1, -1):
            m = roles[j].get(CATEGORY)
            if m is None or m.end > fig.start:
                continue
            for k in range(max(lo, j - 4), m.end):
                if TOLL in roles[k]:
                    return m
            return None
        return None

    def read(
        self, tokens: Tokens, roles: list[dict[str, Match]], sent: Sentence
    ) -> list[Casualty]:
        """The casualty facts of a sentence, in text order."""
        out: list[Casualty] = []
        nps = {f.start: self.nouns.read(tokens, roles, f.end, sent.end) for f in sent.figures}
        # where a figure of people starts, and whether it names them
        starts = {start: np_.kind == "group" for start, np_ in nps.items() if np_.kind != "reject"}
        for n, fig in enumerate(sent.figures):
            lo, hi = sent.clause(fig.start)
            np_ = nps[fig.start] if hi == sent.end else None  # read already to the same end
            fact = self._one(tokens, roles, sent, fig, lo, hi, starts, out, n, np_)
            if fact is not None:
                out.append(fact)
        return out

    def _one(  # noqa: PLR0911, PLR0912, PLR0917 - one rule, one decision list
        self, tokens: Tokens, roles: list[dict[str, Match]], sent: Sentence, fig: Figure,
        lo: int, hi: int, starts: dict[int, bool], done: list[Casualty], n: int,
        noun: NounPhrase | None = None,  # the noun phrase after it up to hi, if read already
    ) -> Casualty | None:
        prev_tok = tokens[fig.start - 1] if fig.start > sent.start else None
        if prev_tok is not None and "non_persons" in roles[fig.start - 1]:
            return None  # "June 18"
        subset_after = fig.end < hi and "subset_after" in roles[fig.end]
        np_ = (
            NounPhrase("empty", roles[fig.end]["subset_after"].end)
            if subset_after
            else noun or self.nouns.read(tokens, roles, fig.end, hi)
        )
        subset = subset_after or self._cue_before(tokens, roles, fig, lo, "subset")
        if np_.kind == "reject" and not subset and (
            np_.end < hi and "non_persons" in roles[np_.end]
        ):
            return None
        if np_.kind == "empty" and self._apposed(tokens, fig, lo, hi):
            return None  # "the opposition leader, 71, was detained": an age
        if any("hypothetical" in roles[k] for k in range(lo, fig.start)):
            return None
        if fig.start > lo and "negation" in roles[fig.start - 1]:
            return None  # "six dead, not eight": the figure corrected away
        others_before = self._cue_before(tokens, roles, fig, lo, OTHERS)
        if fig.year_like and np_.kind not in ("group", "category"):
            return None
        category: Category | None = np_.category
        rule = "noun"
        end = np_.end
        start = fig.start
        blocked = False
        before = self.before(tokens, roles, fig, lo) if np_.kind != "reject" else None
        if category is None and before is not None and before.end < fig.start:
            # "the bodies of 12 people", "la mort de dizaines de manifestants"
            category, rule, start = Category(before.value), "noun_of", before.start
        # the figure this one goes on from: the last one that is not a part of another
        parent = next((d for d in reversed(done) if not d.subset), None)
        if category is None and subset and parent is not None:
            category, rule = parent.category, "subset"  # "55 injured, including three police"
        if category is None and np_.kind != "reject":
            pred, blocked = self.predicate(tokens, roles, np_.end, hi, starts)
            if pred is not None and not self._active(tokens, roles, pred, starts, hi):
                category, rule, end = Category(pred.value), "predicate", pred.end
        if category is None and before is not None:
            category, rule, start = Category(before.value), "active", before.start
        if category is None and not fig.earlier:
            m = self.toll(roles, fig, lo)
            if m is not None:
                category, rule = Category(m.value), "count_noun"
        group = np_.group
        if np_.kind == "reject" and rule == "noun" and not subset:
            return None  # "41 stations", "two supermarkets": no one counted
        listed = np_.kind == "group" and done and done[-1].rule in ("subset", "ellipsis") and (
            np_.end >= hi or tokens[np_.end].kind == MARK or "coordination" in roles[np_.end])
        if category is None and parent is not None and (
            np_.kind in ("empty", "category") or listed
        ) and not fig.word_one and self._continues(tokens, roles, fig, done[-1], subset):
            # "869 detenidos: 625 en Santiago y 244 por violar el toque": no noun, no verb;
            # "among them 45 police officers and 75 protesters": a list with no verb
            category, rule = parent.category, "ellipsis"
        if category is None or blocked:
            return None
        if self._mixed(roles, end, hi):
            return None
        if group is None:
            group = self._among(roles, end, hi, lo, fig.start)
        if group is None and parent is not None and not np_.unknown_head and (
            np_.others or others_before or (np_.kind in ("empty", "category") and (
                self._continues(tokens, roles, fig, done[-1], subset)))
        ):
            group = parent.group
        optional = fig.earlier or self._earlier(roles, lo, end) or any(
            "increments" in roles[k] for k in range(fig.end, min(hi, fig.end + 2)))
        if subset and parent is not None:
            breakdown = group is not None and parent.group is Group.UNSPECIFIED and (
                group is not Group.UNSPECIFIED)
            optional = optional or not breakdown
        fact = Casualty(fig, category, group or Group.UNSPECIFIED, start, max(end, fig.end),
                        rule, optional=optional, subset=subset and optional, pred_end=end)
        if n and fig.start and RANGE_TO in roles[fig.start - 1] and parent is not None and (
            parent.fig.earlier
        ):
            fact.category, fact.group, fact.rule = parent.category, parent.group, "rise"
        return fact

    @staticmethod
    def _active(
        tokens: Tokens, roles: list[dict[str, Match]], pred: Match, starts: dict[int, bool],
        hi: int,
    ) -> bool:
        """"police killed 3 people": the verb has its own object figure right after it."""
        k = pred.end
        while k < min(hi, pred.end + _ACTIVE_REACH) and k not in starts and (
            tokens[k].quote or "glue" in roles[k]
        ):
            k += 1
        return k in starts

    @staticmethod
    def _cue_before(
        tokens: Tokens, roles: list[dict[str, Match]], fig: Figure, lo: int, role: str
    ) -> bool:
        for k in range(max(lo, fig.start - 3), fig.start):
            m = roles[k].get(role)
            if m is not None and m.end >= fig.start - 1:
                return True
        del tokens
        return False

    @staticmethod
    def _continues(
        tokens: Tokens, roles: list[dict[str, Match]], fig: Figure, parent: Casualty,
        subset: bool,
    ) -> bool:
        """The figure goes on from the fact before it: "13 tués et 353 blessés", "dont 62",
        "869 détenus : 625 à X et 244 à Y"."""
        if subset:
            return True
        between = tokens[parent.fig.end : fig.start]
        if len(between) > 16:
            return False
        k = fig.start - 1
        while k >= parent.fig.end and (tokens[k].quote or "glue" in roles[k]):
            k -= 1
        if k < parent.fig.end:
            return False
        tok = tokens[k]
        return (
            "coordination" in roles[k]
            or (tok.kind == MARK and tok.text in {",", ":"})
            or tok.kind == DIGIT
        )

    @staticmethod
    def _joined(tokens: Tokens, roles: list[dict[str, Match]], i: int, j: int) -> bool:
        """"Deux gendarmes et trois manifestants ont été tués": subjects joined by "and"
        share the verb after the last one."""
        return all(
            "coordination" in roles[k] or tokens[k].text == "," or tokens[k].quote
            for k in range(i, j)
        )

    @staticmethod
    def _apposed(tokens: Tokens, fig: Figure, lo: int, hi: int) -> bool:
        """A bare figure between commas right after a noun."""
        return (
            lo + 1 < fig.start and fig.end < hi
            and tokens[fig.start - 1].text == "," and tokens[fig.end].text == ","
            and tokens[fig.start - 2].kind == WORD and fig.start == fig.end - 1
        )

    @staticmethod
    def _mixed(roles: list[dict[str, Match]], end: int, hi: int) -> bool:
        """"3.200 muertos y desaparecidos": the count mixes in another fate."""
        return any(FATE in roles[k] for k in range(end, min(hi, end + 3)))

    @staticmethod
    def _among(
        roles: list[dict[str, Match]], end: int, hi: int, lo: int, start: int
    ) -> Group | None:
        """"24 deaths among the protesters", "du côté des manifestants, plusieurs morts"."""
        for k in list(range(end, min(hi, end + 3))) + list(range(max(lo, start - 12), start)):
            m = roles[k].get("among") or (roles[k].get("glue") if k == end else None)
            if m is None:
                continue
            j = m.end
            if j < hi and "glue" in roles[j]:
                j = roles[j]["glue"].end
            g = roles[j].get(GROUP) if j < hi else None
            if g is not None:
                return Group(g.value)
        return None

    @staticmethod
    def _earlier(roles: list[dict[str, Match]], lo: int, end: int) -> bool:
        return any("earlier" in roles[k] for k in range(max(lo, end - 16), end))
