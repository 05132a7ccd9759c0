"""Timeframe phrases in HMICFRS findings and the due dates they give.

The phrases (PHRASING.md §3): "immediately" after the modal, "With immediate effect,",
"Within <N> weeks/months", "By <d Month yyyy>", "By <Month yyyy>" (the last day of that
month), "Not later than <date>". Relative timeframes count from the report's publication
date, so without one they give no due date.

Where a phrase may stand is decided by the engine, not here: a date in the middle of a
recommendation is usually a third party's task, not the deadline (§3.4).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from dateutil.relativedelta import relativedelta

MONTHS: dict[str, int] = {}
for _number, _name in enumerate(calendar.month_name):
    if _name:
        MONTHS[_name.lower()] = _number
        MONTHS[_name[:3].lower()] = _number
MONTHS["sept"] = 9

NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "thirty-six": 36,
}

# Longest first, so "twenty-four" wins over "twenty" and "eighteen" over "eight".
_NUMBER = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"  # noqa: E501

# "30 September 2024", "9th February 2017", "1 April, 2026" and "September 2025".
DATE_PATTERN = (
    rf"(?:(?:\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{4})"
)

# One timeframe phrase. Used both anchored (at the start of a sentence) and after a modal.
TIMEFRAME_PATTERN = (
    r"(?:with\s+immediate\s+effect"
    r"|immediately"
    rf"|within\s+(?:the\s+next\s+)?(?:\d{{1,3}}|{_NUMBER})\s+(?:calendar\s+)?"
    r"(?:weeks?|months?|days?|years?)"
    r"(?:\s+of\s+(?:the\s+)?(?:date\s+of\s+)?(?:publication|this\s+(?:report|letter))"
    r"(?:\s+of\s+this\s+(?:report|letter))?)?"
    rf"|(?:by|not\s+later\s+than|no\s+later\s+than)\s+(?:the\s+end\s+of\s+)?{DATE_PATTERN})"
)

_TIMEFRAME_RE = re.compile(TIMEFRAME_PATTERN, re.IGNORECASE)
_DATE_RE = re.compile(
    r"(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>[a-z]+)\.?,?\s+(?P<year>\d{4})"
    r"|(?P<month2>[a-z]+)\.?\s+(?P<day2>\d{1,2})(?:st|nd|rd|th)?,\s+(?P<year2>\d{4})"
    r"|(?P<month3>[a-z]+)\.?\s+(?P<year3>\d{4})"
    r"|(?P<nd>\d{1,2})/(?P<nm>\d{1,2})/(?P<ny>\d{4}))",
    re.IGNORECASE,
)
_WITHIN_RE = re.compile(
    rf"within\s+(?:the\s+next\s+)?(?P<n>\d{{1,3}}|{_NUMBER})\s+(?:calendar\s+)?(?P<unit>week|month|day|year)s?",
    re.IGNORECASE,
)

TimeframeKind = Literal["immediate", "relative", "date", "month"]


@dataclass(frozen=True, slots=True)
class Timeframe:
    """A parsed timeframe phrase.

    `phrase` is the text as written. For "relative", `amount` and `unit` say how long after
    publication; for "date" and "month", `on` is the deadline itself.
    """

    phrase: str
    kind: TimeframeKind
    amount: int | None = None
    unit: str | None = None
    on: date | None = None

    @property
    def immediate(self) -> bool:
        return self.kind == "immediate"

    def due_on(self, published_on: date | None) -> date | None:
        """The due date, or None when a relative timeframe has no publication date, or
        would fall beyond the calendar's last day (a publication date of 31 December 9999
        plus three months). Never raises."""
        if self.kind in ("date", "month"):
            return self.on
        if published_on is None:
            return None
        if self.kind == "immediate":
            return published_on
        # Set for every kind but immediate.
        assert self.amount is not None  # nosec
        # Calendar months: 31 August + 6 months is 28 (or 29) February, not 3 March.
        step = {
            "week": relativedelta(weeks=self.amount),
            "day": relativedelta(days=self.amount),
            "year": relativedelta(years=self.amount),
        }.get(self.unit or "", relativedelta(months=self.amount))
        try:
            return published_on + step
        except (OverflowError, ValueError):
            return None


def parse_date(text: str) -> tuple[date | None, bool]:
    """Parse one date; return (date, month_only).

    A month-only date ("September 2025") means the last day of that month. Impossible
    dates (31 February) give None rather than a guess.
    """
    m = _DATE_RE.fullmatch(text.strip().rstrip(","))
    if not m:
        return None, False
    try:
        if m["nd"]:
            return date(int(m["ny"]), int(m["nm"]), int(m["nd"])), False
        if m["month3"]:
            month = MONTHS.get(m["month3"].lower())
            if month is None:
                return None, False
            year = int(m["year3"])
            return date(year, month, calendar.monthrange(year, month)[1]), True
        day, name, year = (
            (m["day"], m["month"], m["year"]) if m["day"] else (m["day2"], m["month2"], m["year2"])
        )
        month = MONTHS.get(name.lower())
        if month is None:
            return None, False
        return date(int(year), month, int(day)), False
    except ValueError:
        return None, False


def parse_timeframe(phrase: str) -> Timeframe | None:
    """Parse a phrase that is exactly one timeframe ("Within six months", "By May 2025")."""
    text = " ".join(phrase.split()).strip(" ,.;:")
    if not text or not _TIMEFRAME_RE.fullmatch(text):
        return None
    lower = text.lower()
    if lower.startswith("with immediate effect") or lower == "immediately":
        return Timeframe(phrase=text, kind="immediate")
    within = _WITHIN_RE.match(text)
    if within:
        raw = within["n"].lower()
        amount = int(raw) if raw.isdigit() else NUMBER_WORDS[raw]
        return Timeframe(phrase=text, kind="relative", amount=amount, unit=within["unit"].lower())
    date_text = re.sub(
        r"^(?:by|not\s+later\s+than|no\s+later\s+than)\s+(?:the\s+end\s+of\s+)?",
        "",
        text,
        flags=re.IGNORECASE,
    )
    on, month_only = parse_date(date_text)
    if on is None:
        # A deadline we cannot read (31 February) is kept as written, with no date.
        return Timeframe(phrase=text, kind="date")
    return Timeframe(phrase=text, kind="month" if month_only else "date", on=on)


def match_timeframe(text: str, pos: int = 0) -> re.Match[str] | None:
    """Match a timeframe phrase starting exactly at `pos` (case-insensitive)."""
    return _TIMEFRAME_RE.match(text, pos)
