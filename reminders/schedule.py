"""The reminder schedule OPCC staff edit: one row for the whole service, never
overwritten by someone who had not seen the latest change."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from reminders.models import ReminderSchedule


class ScheduleChanged(Exception):
    """Someone saved the schedule after this person opened it."""


def current() -> ReminderSchedule:
    """The schedule in force: the saved one, or (unsaved) the standard one the scan uses."""
    return ReminderSchedule.objects.first() or ReminderSchedule()


def stamp(schedule: ReminderSchedule) -> str:
    """When it was last saved, as the page carries it; empty before the first save."""
    return schedule.updated_at.isoformat() if schedule.pk else ""


def save(values: dict[str, Any], *, seen: str) -> ReminderSchedule:
    """Save the schedule, unless it changed after `seen` (its stamp when the page opened).

    Raises ScheduleChanged for a change made meanwhile, ValidationError for bad values.
    """
    try:
        with transaction.atomic():
            schedule = ReminderSchedule.objects.select_for_update().first()
            if (stamp(schedule) if schedule else "") != seen:
                raise ScheduleChanged
            schedule = schedule or ReminderSchedule()
            for name, value in values.items():
                setattr(schedule, name, value)
            # The values' own rules; the one-row constraint is the database's to enforce,
            # and a clash there means someone else saved the first schedule meanwhile.
            schedule.full_clean(validate_unique=False, validate_constraints=False)
            schedule.save()
    except IntegrityError as exc:  # two people saved the very first schedule at once
        raise ScheduleChanged from exc
    return schedule
