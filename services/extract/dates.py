"""The day an article reports on, as a careful reader infers it from the text.

Mentions of days are found in the folded text (lower case, no accents) with patterns built
from the lexicon's `[calendar]` table: explicit dates ("7 janvier", "July 25, 2024",
"28 de octubre de 2019"), numeric dates ("20/10/2019", "2019-10-20"), weekdays with or
without a day number ("jeudi", "viernes 18", "last Tuesday") and relative words ("hier",
"yesterday", "ayer"). Each is resolved against the publication date; the answer is the
latest day mentioned in the lead that the publication date allows, else the publication
day itself, else the latest explicit date anywhere. A bare weekday cannot be placed when
only the month of publication is known: it is left unresolved rather than guessed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, replace

import structlog
from pydantic import BaseModel, ConfigDict, Field

from services.extract.language import fold, lexicon_table

log = structlog.get_logger(__name__)

_MARKER = re.compile(r"\A\s*date\s+([0-9]{4}-[0-9]{2}(?:-[0-9]{2})?)\b")
_ISO = re.compile(r"((?:19|20)[0-9][0-9])-([0-9][0-9])-([0-9][0-9])(?![0-9./-])")
_NUMERIC = re.compile(r"([0-9][0-9]?)([/.])([0-9][0-9]?)\2((?:19|20)[0-9][0-9])(?![0-9./-])")
_ISO_HINT = re.compile(r"-[0-9][0-9]-")
_NUMBER_CHARS = frozenset("0123456789./-")
_SENTENCE_OPENERS = frozenset(".!?:;\"'«»“”—–-(\n")
_SIGMA = "\u03a3"


class CalendarTable(BaseModel):
    """`[calendar]`: the words a language names days with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    months: list[list[str]] = Field(min_length=12, max_length=12, description="January first")
    weekdays: list[list[str]] = Field(min_length=7, max_length=7, description="Monday first")
    ordinal_suffixes: list[str] = Field(default_factory=list, description="'er' of '1er'")
    joiners: list[str] = Field(default_factory=list, description="'de' of '28 de octubre'")
    month_day_order: bool = Field(default=False, description="'July 25' is written")
    numeric_day_first: bool = Field(default=True, description="20/10/2019 is day first")
    capitalized: bool = Field(description="month and weekday names take a capital")
    relative_days: dict[str, int] = Field(default_factory=dict, description="'hier' = -1")
    past_modifiers: list[str] = Field(default_factory=list, description="'last' Tuesday")
    future_modifiers: list[str] = Field(default_factory=list, description="'next' Tuesday")


@dataclass(frozen=True, slots=True)
class _Anchor:
    """What the publication date allows: the day if known, else the month, else nothing."""

    day: dt.date | None
    first: dt.date | None
    last: dt.date | None

    @classmethod
    def parse(cls, value: str | None) -> _Anchor:
        return _parse_anchor(value)

    @classmethod
    def read(cls, value: str | None) -> _Anchor:
        if not value:
            return cls(None, None, None)
        try:
            if len(value) >= 10:
                day = dt.date.fromisoformat(value[:10])
                return cls(day, day, day)
            first = dt.date.fromisoformat(value[:7] + "-01")
        except ValueError:
            return cls(None, None, None)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return cls(None, first, following - dt.timedelta(days=1))

    def refined(self, other: _Anchor) -> _Anchor:
        """This anchor, or `other` where it says more and does not contradict it."""
        if self.first is None:
            return other
        if self.day is None and other.day is not None and other.day.replace(day=1) == self.first:
            return other
        return self


@functools.lru_cache(maxsize=4096)
def _parse_anchor(value: str | None) -> _Anchor:
    """`_Anchor.read`, once per publication date (anchors are immutable)."""
    return _Anchor.read(value)


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _alternation(words: list[str]) -> str:
    """A regex alternation of folded words, longest first, spaces matching any blank run."""
    unique = sorted({fold(w) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in unique)


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    day: dt.date | None
    explicit: bool


def _word_start(folded: str, pos: int) -> bool:
    return pos == 0 or not folded[pos - 1].isalnum()


@dataclass(frozen=True, slots=True)
class _Grammar:
    """The patterns of one calendar, compiled once. Each starts on a digit or a letter of
    a name, so that the regex engine skips ahead fast; word starts are checked in code."""

    months: dict[str, int]
    weekdays: dict[str, int]
    relative: dict[str, int]
    past: frozenset[str]
    future: frozenset[str]
    day_month: re.Pattern[str]
    month_day: re.Pattern[str] | None
    weekday: re.Pattern[str]
    relative_word: re.Pattern[str] | None
    word_before: re.Pattern[str]

    @classmethod
    def build(cls, cal: CalendarTable) -> _Grammar:
        months = {fold(w): i + 1 for i, ws in enumerate(cal.months) for w in ws}
        weekdays = {fold(w): i for i, ws in enumerate(cal.weekdays) for w in ws}
        suffix = f"(?:{_alternation(cal.ordinal_suffixes)})?" if cal.ordinal_suffixes else ""
        joiner = rf"(?:\s+(?:{_alternation(cal.joiners)}))?" if cal.joiners else ""
        end_of_day = r"(?![0-9:/]|[.,][0-9]|h[0-9])"
        day = rf"(?P<d>[0-9][0-9]?){suffix}{end_of_day}"
        month = rf"(?P<m>{_alternation(list(months))})\b\.?"
        year = rf"(?:,?{joiner}\s+(?P<y>(?:19|20)[0-9][0-9])(?![0-9]))?"
        modifiers = cal.past_modifiers + cal.future_modifiers
        post = rf"|\s+(?P<post>{_alternation(modifiers)})\b" if modifiers else ""
        numbered = rf",?\s+(?P<n>[0-9][0-9]?){suffix}{end_of_day}"
        relative = {" ".join(fold(w).split()): n for w, n in cal.relative_days.items()}
        before = rf"(?:^|\W)(?P<pre>{_alternation(modifiers)})\s+$" if modifiers else r"(?!)"
        return cls(
            months=months,
            weekdays=weekdays,
            relative=relative,
            past=frozenset(fold(w) for w in cal.past_modifiers),
            future=frozenset(fold(w) for w in cal.future_modifiers),
            day_month=re.compile(rf"{day}{joiner}\s+{month}{year}"),
            month_day=re.compile(rf"{month}\s+{day}{year}") if cal.month_day_order else None,
            weekday=re.compile(rf"(?P<w>{_alternation(list(weekdays))})\b(?:{numbered}{post})?"),
            relative_word=(
                re.compile(rf"(?P<r>{_alternation(list(relative))})\b") if relative else None
            ),
            word_before=re.compile(before),
        )


@dataclass(frozen=True)
class DayResolver:
    """Finds and resolves the day mentions of one language; see the module docstring.

    `lead_chars` is how much of the text counts as its lead; `max_lag_days` how long before
    the publication day (or month) a mentioned day may lie and still be the reported one.
    """

    calendar: CalendarTable
    lead_chars: int = 600
    max_lag_days: int = 7

    @classmethod
    def for_language(cls, lang: str) -> DayResolver:
        return _resolver(lang)

    @functools.cached_property
    def _grammar(self) -> _Grammar:
        return _Grammar.build(self.calendar)

    def resolve(
        self, text: str, published: str | None, *, title: str | None = None,
        folded: str | None = None,
    ) -> dt.date | None:
        """The reported day; `title`, where the article has one, is read as part of the lead.
        `folded` is `fold(text)` where the caller has it already."""
        anchor = _Anchor.parse(published)
        marker = _MARKER.match(text)
        if marker:
            text = text[marker.end() :]
            folded = folded[marker.end() :] if folded is not None else None
            anchor = anchor.refined(_Anchor.parse(marker.group(1)))
        # with a publication day, a lead that names no day reports on that day: the rest of
        # the text need not be read
        scanned = text[: self.lead_chars + 40] if anchor.day else text
        if folded is not None and len(scanned) < len(text):
            # a fold is the fold of each character, but for a capital sigma, which folds
            # by what follows it
            folded = folded[: len(scanned)] if _SIGMA not in text else None
        mentions = self._mentions(scanned, anchor, folded)
        if title:
            mentions += [replace(m, start=-1) for m in self._mentions(title, anchor)]
        in_lead = [m.day for m in mentions if m.start < self.lead_chars and m.day]
        if in_lead:
            return max(in_lead)
        if anchor.day:
            return anchor.day
        explicit = [m.day for m in mentions if m.explicit and m.day]
        return max(explicit) if explicit else None

    def _mentions(
        self, text: str, anchor: _Anchor, folded: str | None = None
    ) -> list[_Mention]:
        """The day mentions of a text. Without a publication day, a weekday or a relative
        word names no day ("jeudi" numbered aside): those are not looked for."""
        if folded is None:
            folded = fold(text)
        found = self._explicit(folded, text, anchor)
        if anchor.day is not None or anchor.last is not None:
            taken = [(m.start, m.end) for m in found]
            found += self._weekdays(folded, text, anchor, taken)
        if anchor.day is not None:
            found += self._relatives(folded, anchor)
        low = anchor.first - dt.timedelta(days=self.max_lag_days) if anchor.first else None
        return [
            m
            for m in found
            if m.day is None or low is None or anchor.last is None or low <= m.day <= anchor.last
        ]

    def _named(self, text: str, pos: int) -> bool:
        """Whether a month or weekday name at `pos` is written as the language writes it.

        Where names take no capital, a capitalised one inside a sentence belongs to a proper
        noun (a street, a saint, a person) and is not a date.
        """
        upper = text[pos].isupper()
        if self.calendar.capitalized:
            return upper
        if not upper:
            return True
        before = text[max(0, pos - 8) : pos].rstrip()
        return (pos < 8 and not before) or (bool(before) and before[-1] in _SENTENCE_OPENERS)

    def _explicit(self, folded: str, text: str, anchor: _Anchor) -> list[_Mention]:
        g = self._grammar
        found: list[_Mention] = []
        for pattern in (g.day_month, g.month_day):
            for m in pattern.finditer(folded) if pattern else ():
                start = m.start()
                if start and (folded[start - 1].isalnum() or folded[start - 1] in ".,"):
                    continue
                if not self._named(text, m.start("m")):
                    continue
                month, number = g.months[m.group("m")], int(m.group("d"))
                year = m.group("y")
                day = _date(int(year), month, number) if year else _this_year(anchor, month, number)
                found.append(_Mention(start, m.end(), day, True))
        hint = _ISO_HINT.search(folded)  # "-10-": where the first one may be, if any
        for m in _ISO.finditer(folded, max(0, hint.start() - 4)) if hint else ():
            if m.start() and folded[m.start() - 1] in _NUMBER_CHARS:
                continue
            day = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            found.append(_Mention(m.start(), m.end(), day, True))
        numeric = any(f"{sep}{century}" in folded for sep in "/." for century in ("19", "20"))
        for m in _NUMERIC.finditer(folded) if numeric else ():
            if m.start() and folded[m.start() - 1] in _NUMBER_CHARS:
                continue
            a, b, year_ = int(m.group(1)), int(m.group(3)), int(m.group(4))
            month, number = (b, a) if self.calendar.numeric_day_first else (a, b)
            day = _date(year_, month, number) or _date(year_, number, month)
            found.append(_Mention(m.start(), m.end(), day, True))
        return found

    def _weekdays(
        self, folded: str, text: str, anchor: _Anchor, taken: list[tuple[int, int]]
    ) -> list[_Mention]:
        g = self._grammar
        found: list[_Mention] = []
        for m in g.weekday.finditer(folded):
            start = m.start()
            if not _word_start(folded, start) or not self._named(text, start):
                continue
            if any(s - 3 <= m.end() and start <= e for s, e in taken):
                continue  # the weekday of an explicit date: "vendredi 7 janvier"
            before = g.word_before.search(folded, max(0, start - 24), start)
            modifier = m.group("post") or (before.group("pre") if before else None)
            if modifier in g.future:
                continue
            weekday = g.weekdays[m.group("w")]
            numbered = (
                _numbered_weekday(anchor, weekday, int(m.group("n"))) if m.group("n") else None
            )
            if numbered is not None:
                found.append(_Mention(start, m.end(), numbered, True))
            elif anchor.day is not None:  # (else no day to count back from: it names none)
                back = (anchor.day.weekday() - weekday) % 7
                if back == 0 and modifier in g.past:
                    back = 7
                found.append(_Mention(start, m.end(), anchor.day - dt.timedelta(back), False))
        return found

    def _relatives(self, folded: str, anchor: _Anchor) -> list[_Mention]:
        g = self._grammar
        found: list[_Mention] = []
        for m in g.relative_word.finditer(folded) if g.relative_word else ():
            if not _word_start(folded, m.start()):
                continue
            offset = g.relative[" ".join(m.group("r").split())]
            day = anchor.day + dt.timedelta(offset) if anchor.day and offset <= 0 else None
            found.append(_Mention(m.start(), m.end(), day, False))
        return found


def _this_year(anchor: _Anchor, month: int, day: int) -> dt.date | None:
    """A day and month without a year: the last such day on or before the anchor's end."""
    if anchor.last is None:
        return None
    found = _date(anchor.last.year, month, day)
    if found is not None and found > anchor.last:
        found = _date(anchor.last.year - 1, month, day)
    return found


def _numbered_weekday(anchor: _Anchor, weekday: int, number: int) -> dt.date | None:
    """'viernes 18': the latest Friday the 18th up to the anchor's end, within two months."""
    if anchor.last is None:
        return None
    for back in range(62):
        day = anchor.last - dt.timedelta(back)
        if day.day == number and day.weekday() == weekday:
            return day
    return None


@functools.cache
def _resolver(lang: str) -> DayResolver:
    calendar = CalendarTable(**lexicon_table(lang, "calendar"))
    resolver = DayResolver(calendar)
    log.info("calendar_loaded", lang=lang, months=sum(map(len, calendar.months)))
    return resolver
