"""The range of dates a person may enter, and the wider range the database accepts.

A date typed as 9999-12-20 once took every page that did arithmetic with it down
for everyone. Forms accept dates from 1990 (the oldest inspection an OPCC would
enter) to ten years ahead; the database refuses anything outside 1990–2099, so a
script or an import cannot store what the forms would refuse.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Q

EARLIEST = date(1990, 1, 1)
LATEST_STORED = date(2099, 12, 31)
YEARS_AHEAD = 10

OUT_OF_RANGE = "Enter a date from {earliest:%-d %B %Y} to {latest:%-d %B %Y}."


def latest_enterable(today: date) -> date:
    return min(today + relativedelta(years=YEARS_AHEAD), LATEST_STORED)


def out_of_range_message(today: date) -> str | None:
    return OUT_OF_RANGE.format(earliest=EARLIEST, latest=latest_enterable(today))


def within_range(prefix: str, *fields: str) -> list[models.CheckConstraint]:
    """One check constraint per date field: empty, or from EARLIEST to LATEST_STORED."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{field}__isnull": True})
            | Q(**{f"{field}__gte": EARLIEST, f"{field}__lte": LATEST_STORED}),
            name=f"{prefix}_{field}_in_range",
        )
        for field in fields
    ]
