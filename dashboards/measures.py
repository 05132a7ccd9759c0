"""What the dashboard counts, defined once.

Open, active, overdue, due soon, awaiting assurance and challenged are defined
by `FindingQuerySet`. The dashboard counts many of them in one SQL statement
(`COUNT(*) FILTER (WHERE …)`), which needs each rule as a `Q`; the functions
here spell the same rules as `Q` objects, and tests/dashboards/test_measures.py
checks that each agrees with its queryset method.

The dashboard also needs three things the queryset does not define yet:

- **Opened**: a finding counts from its report's publication date. `created_at`
  is when someone typed it into Oversight; for a tracker started part-way
  through an inspection cycle, that would bunch years of findings into the
  go-live month.
- **Closed** (in the burn-up, the forecast and "closed this quarter") means
  finished with: closed by HMICFRS, superseded or no further action. Its date is
  the HMICFRS letter's date (`closed_on`) when there is one, otherwise the
  Europe/London date of the status change. A finished finding with neither date
  (possible only for data loaded in bulk) is not counted in any period.
- **Quarter**: the calendar quarter (January–March, …) containing today's
  Europe/London date.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from recommendations.models import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Finding,
    Status,
)

# TruncDate converts to the current time zone (Europe/London), so a status
# changed at 00:30 BST on 1 July counts in July, not 30 June.
FINISHED_ON = Coalesce("closed_on", TruncDate("status_changed_at"))
OPENED_ON = F("report__published_on")


def open_q() -> Q:
    return Q(status__in=OPEN_STATUSES)


def active_q() -> Q:
    return Q(status__in=ACTIVE_STATUSES)


def overdue_q(*, today: date) -> Q:
    return active_q() & Q(due_on__lt=today)


def due_soon_q(*, today: date, days: int | None = None) -> Q:
    if days is None:
        days = settings.OVERSIGHT_DUE_SOON_DAYS
    return active_q() & Q(due_on__gte=today, due_on__lte=today + timedelta(days=days))


def awaiting_assurance_q() -> Q:
    return Q(status=Status.REPORTED_COMPLETE)


def challenged_q() -> Q:
    return Q(status=Status.IN_PROGRESS, challenged_at__isnull=False)


def finished_between_q(start: date, end: date) -> Q:
    """Finished from `start` to `end` inclusive. Needs the `finished_on` alias (see below)."""
    return Q(status__in=FINISHED_STATUSES, finished_on__gte=start, finished_on__lte=end)


def with_finished_on(findings: QuerySet[Finding]) -> QuerySet[Finding]:
    return findings.alias(finished_on=FINISHED_ON)


def finished_between(findings: QuerySet[Finding], start: date, end: date) -> QuerySet[Finding]:
    return with_finished_on(findings).filter(finished_between_q(start, end))


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
