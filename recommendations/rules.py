"""The one definition of each rule that decides which findings count as what.

Open, active, overdue, due soon, awaiting assurance, challenged and finished are
written here once, as `Q` expressions. `FindingQuerySet` filters with them, and
the dashboard counts with them inside one SQL statement (`COUNT(*) FILTER (WHERE
…)`), so the list a figure links to and the figure itself cannot disagree.

- **Active**: the force still has work to do (not started or in progress). Only
  active findings can be overdue or due soon, and only they are reminded.
- **Open**: not finished with: active, or waiting for the OPCC's assurance or
  HMICFRS's closure.
- **Overdue**: active and due before today (a Europe/London date). A finding due
  today is not overdue yet.
- **Due soon**: active and due from today to today + `OVERSIGHT_DUE_SOON_DAYS`.
- **Finished**: closed by HMICFRS, superseded or no further action. Its date is the
  HMICFRS letter's date (`closed_on`) when there is one, otherwise the
  Europe/London date of the status change; a finished finding with neither date
  (possible only for data loaded in bulk) falls in no period.
- **Unowned**: no one to remind of it: no owner, an owner post with no holder (the
  services keep `owner` equal to the post's holder, so a vacant post leaves `owner`
  empty), or an owner who has been deactivated (their post counts as vacant until
  it is handed over). Its deadlines go to the OPCC team address's reminders
  (`reminders.items`); the dashboard's "Unowned" figure and the findings list's
  "No owner" filter count the same rows. Findings and actions alike.
- **Opened**: a finding counts from its report's publication date, not from when
  someone typed it in (a tracker started part-way through an inspection cycle
  would otherwise bunch years of findings into its go-live month).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Coalesce, TruncDate

from recommendations.choices import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    ActionStatus,
    Status,
)

# TruncDate converts to the current time zone (Europe/London), so a status
# changed at 00:30 BST on 1 July counts in July, not 30 June.
FINISHED_ON = Coalesce("closed_on", TruncDate("status_changed_at"))
OPENED_ON = F("report__published_on")


# The same rules for one row already in memory (a finding's page, an email line).
# They sit beside their Q so that a change to one is seen to need the other.


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def is_active(status: str) -> bool:
    return status in ACTIVE_STATUSES


def is_overdue(*, status: str, due_on: date | None, today: date) -> bool:
    return is_active(status) and due_on is not None and due_on < today


def is_due_soon(*, status: str, due_on: date | None, today: date, days: int | None = None) -> bool:
    days = due_soon_days() if days is None else days
    return (
        is_active(status) and due_on is not None and today <= due_on <= today + timedelta(days=days)
    )


def is_unowned(*, owner_id: int | None, owner_is_active: bool | None) -> bool:
    """No one to remind: no owner (or a vacant owner post), or a deactivated one."""
    return owner_id is None or not owner_is_active


def due_soon_days() -> int:
    return settings.OVERSIGHT_DUE_SOON_DAYS


def open_q(prefix: str = "") -> Q:
    """`prefix` names the relation when counting another model's findings ("findings__")."""
    return Q(**{f"{prefix}status__in": OPEN_STATUSES})


def active_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": ACTIVE_STATUSES})


def overdue_q(*, today: date, prefix: str = "") -> Q:
    return active_q(prefix) & Q(**{f"{prefix}due_on__lt": today})


def due_soon_q(*, today: date, days: int | None = None, prefix: str = "") -> Q:
    days = due_soon_days() if days is None else days
    window = {f"{prefix}due_on__gte": today, f"{prefix}due_on__lte": today + timedelta(days=days)}
    return active_q(prefix) & Q(**window)


def unowned_q(prefix: str = "") -> Q:
    """`is_unowned` as a filter; for actions too (they have the same owner fields)."""
    return Q(**{f"{prefix}owner__isnull": True}) | Q(**{f"{prefix}owner__is_active": False})


def awaiting_assurance_q() -> Q:
    return Q(status=Status.REPORTED_COMPLETE)


def challenged_q() -> Q:
    return Q(status=Status.IN_PROGRESS, challenged_at__isnull=False)


def finished_q() -> Q:
    return Q(status__in=FINISHED_STATUSES)


def finished_between_q(start: date, end: date) -> Q:
    """Finished from `start` to `end` inclusive. Needs the `finished_on` alias."""
    return finished_q() & Q(finished_on__gte=start, finished_on__lte=end)


def action_open_q() -> Q:
    return ~Q(status=ActionStatus.COMPLETE)


def action_overdue_q(*, today: date) -> Q:
    return action_open_q() & Q(due_on__lt=today)
