"""Calendar arithmetic for the dashboard's periods.

What counts as open, overdue, finished … is defined once, in `recommendations.rules`;
the dashboard counts with those rules. The dashboard's own notion is the
**quarter**: the calendar quarter (January–March, …) containing today's
Europe/London date.
"""

from __future__ import annotations

from datetime import date, timedelta


def quarter_bounds(today: date) -> tuple[date, date]:
    """First and last day of the calendar quarter containing `today`."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = date(today.year, first_month, 1)
    if first_month == 10:
        end = date(today.year, 12, 31)
    else:
        end = date(today.year, first_month + 3, 1) - timedelta(days=1)
    return start, end


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    if day.month == 12:
        return date(day.year, 12, 31)
    return date(day.year, day.month + 1, 1) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month (negative goes back)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
