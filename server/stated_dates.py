"""Dates as sources give them: a year, a month or a day, and what each can mean.

A source dates an award "2014", "November 2014" or "12 November 2014" (``xsd:gYear``,
``xsd:gYearMonth``, ``xsd:date``, XML Schema 1.1 Part 2 §3.3.9–3.3.14). A vaguer date is not
a different date: "2014" and "2014-11-12" can both be true, while "2014-11-12" and
"2014-12-05" cannot. This module tells which is which, places each on a time line (the period
it covers), and writes it as a reader of French or English writes dates (CLDR, through Babel).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date, format_skeleton

# The lexical forms of the three types, without the optional time zone (which no source gives
# and which would not move a day across the time line).
_LEXICAL = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?(?:Z|[+-]\d{2}:\d{2})?"
)
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class StatedDate:
    """A date at the precision a source gives it."""

    lexical: str  # "2014", "2014-11" or "2014-11-12"
    year: int
    month: int | None
    day: int | None

    @property
    def precision(self) -> int:
        """1 for a year, 2 for a month, 3 for a day."""
        return 1 + (self.month is not None) + (self.day is not None)

    @property
    def first_day(self) -> date:
        """The first day the date can mean."""
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self) -> date:
        """The last day the date can mean."""
        if self.day is not None and self.month is not None:
            return date(self.year, self.month, self.day)
        month = self.month or 12
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def refines(self, other: StatedDate) -> bool:
        """Whether this date says the same as ``other``, as precisely or more (2014-11-12
        refines 2014-11 and 2014; it does not refine 2014-12)."""
        return self.first_day >= other.first_day and self.last_day <= other.last_day

    def compatible(self, other: StatedDate) -> bool:
        """Whether both dates can be true together: one refines the other."""
        return self.refines(other) or other.refines(self)

    def iso(self) -> str:
        """The date as an HTML ``<time datetime>`` value (a valid year, month or date string,
        HTML §2.3.5), which are the same strings XML Schema writes."""
        return self.lexical[: 4 + 3 * (self.precision - 1)]


def parse(lexical: str) -> StatedDate | None:
    """The date ``lexical`` states, or None when it is no year, month or day we can place."""
    found = _LEXICAL.fullmatch(lexical.strip())
    if found is None:
        return None
    year = int(found["year"])
    month = int(found["month"]) if found["month"] else None
    day = int(found["day"]) if found["day"] else None
    try:
        if month is not None:
            date(year, month, day or 1)
    except ValueError:
        return None  # "2019-04-31": the build keeps a source's impossible date; we cannot place it
    return StatedDate(lexical.strip(), year, month, day)


def display(stated: StatedDate, lang: str, short: bool = False) -> str:
    """``stated`` as a reader of ``lang`` writes it, no more precise than the source:
    "12 novembre 2014", "novembre 2014", "2014" (``short``: "12 nov. 2014", "Nov 2014")."""
    locale = lang if lang in LANGUAGES else LANGUAGES[0]
    if stated.precision == 1:
        return str(stated.year)
    if stated.precision == 2:
        return format_skeleton("yMMM" if short else "yMMMM", stated.first_day, locale=locale)
    if short:
        return format_skeleton("yMMMd", stated.first_day, locale=locale)
    return format_date(stated.first_day, "long", locale=locale)
