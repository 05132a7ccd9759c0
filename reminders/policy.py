"""When reminders fall due: pure date logic, no database.

A deadline has a schedule of occasions: some days before (`before_days`), on the
day, then every `overdue_every_days` while overdue; from `escalate_after_days`
overdue the OPCC lead and the Chief Constable's office are told too. The
defaults of `Policy` are the standard schedule, the one place its numbers are
written: settings may override them, and the schedule OPCC staff save overrides
both. A scan asks for the *latest* occasion on or before today: a scan that runs
late, or after days of downtime, still records the reminder that matters now,
and never a backlog of stale ones. Dates are Europe/London calendar dates,
computed by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.conf import settings

from reminders.models import ReminderKind


@dataclass(frozen=True)
class Policy:
    before_days: tuple[int, ...] = (28, 14, 7, 1)
    overdue_every_days: int = 7
    escalate_after_days: int = 14
    s55_before_days: tuple[int, ...] = (28, 14, 7, 0)
    ncpi_plan_weeks: int = 6
    ncpi_plan_before_days: tuple[int, ...] = (14, 7, 1, 0)
    ppog_before_days: tuple[int, ...] = (14, 7, 1)
    assurance_backlog_days: int = 14
    assurance_backlog_every_days: int = 7

    @classmethod
    def standard(cls) -> Policy:
        """The standard schedule: these defaults, as OVERSIGHT_REMINDER_POLICY overrides them."""
        return cls(**dict(getattr(settings, "OVERSIGHT_REMINDER_POLICY", {}) or {}))

    @classmethod
    def from_settings(cls) -> Policy:
        """The schedule OPCC staff saved (Reminders → Schedule), else the standard one."""
        from reminders.models import ReminderSchedule

        schedule = ReminderSchedule.objects.first()
        standard = cls.standard()
        return standard if schedule is None else replace(standard, **schedule.as_kwargs())

    @property
    def horizon_days(self) -> int:
        """How far ahead a deadline can be and still have a reminder today."""
        return max((*self.before_days, *self.s55_before_days, *self.ppog_before_days, 0))


@dataclass(frozen=True)
class Occasion:
    kind: ReminderKind
    on: date  # the occurrence: the scheduled date of this reminder

    def days_overdue(self, due_on: date) -> int:
        return max(0, (self.on - due_on).days)


def deadline_occasion(
    due_on: date, *, today: date, policy: Policy, historic: bool = False
) -> Occasion | None:
    """The latest reminder to the deadline's owner on or before `today`, if any.

    `historic`: the item's report was entered after the fact. Its owner is not nagged
    weekly once it is overdue: it is escalated once, then summarised monthly
    (`historic_summary_occasion`)."""
    if historic and (today - due_on).days >= policy.overdue_every_days:
        return None
    if today < due_on:
        passed = [due_on - timedelta(days=d) for d in policy.before_days]
        passed = [on for on in passed if on <= today]
        return Occasion(ReminderKind.DUE_SOON, max(passed)) if passed else None
    if today == due_on:
        return Occasion(ReminderKind.DUE_TODAY, due_on)
    weeks = (today - due_on).days // policy.overdue_every_days
    if weeks == 0:
        # Overdue since yesterday: the on-the-day reminder is the latest one.
        return Occasion(ReminderKind.DUE_TODAY, due_on)
    return Occasion(
        ReminderKind.OVERDUE, due_on + timedelta(days=weeks * policy.overdue_every_days)
    )


def escalation_occasion(
    due_on: date, *, today: date, policy: Policy, entered_on: date | None = None
) -> Occasion | None:
    """Escalation to the OPCC lead and the Chief Constable's office once `escalate_after_days`
    overdue, repeated every `overdue_every_days`.

    `entered_on`: the item's report was entered after the fact, on that day. Escalated
    once only: on the escalation day, or the day it was entered if that is later."""
    if entered_on is not None:
        once = _escalated_once_on(due_on, entered_on=entered_on, policy=policy)
        return Occasion(ReminderKind.ESCALATION, once) if today >= once else None
    if (today - due_on).days < policy.escalate_after_days:
        return None
    first = due_on + timedelta(days=policy.escalate_after_days)
    weeks = (today - first).days // policy.overdue_every_days
    return Occasion(
        ReminderKind.ESCALATION, first + timedelta(days=weeks * policy.overdue_every_days)
    )


def countdown_occasion(
    deadline: date, *, today: date, before_days: tuple[int, ...], kind: ReminderKind
) -> Occasion | None:
    """For one-off dates (s.55 last day, NCPI plan, PPOG): the latest countdown reminder.

    Nothing after the date itself: these are not nagged about once passed.
    """
    if today > deadline:
        return None
    passed = [deadline - timedelta(days=d) for d in before_days]
    passed = [on for on in passed if on <= today]
    return Occasion(kind, max(passed)) if passed else None


def backlog_occasion(claimed_on: date, *, today: date, policy: Policy) -> Occasion | None:
    """Once a completion claim has waited `assurance_backlog_days` for the OPCC's assurance,
    then every `assurance_backlog_every_days`."""
    first = claimed_on + timedelta(days=policy.assurance_backlog_days)
    if today < first:
        return None
    every = policy.assurance_backlog_every_days
    return Occasion(
        ReminderKind.ASSURANCE_BACKLOG,
        first + timedelta(days=(today - first).days // every * every),
    )


def _escalated_once_on(due_on: date, *, entered_on: date, policy: Policy) -> date:
    return max(due_on + timedelta(days=policy.escalate_after_days), entered_on)


def historic_summary_occasion(
    due_on: date, *, today: date, policy: Policy, entered_on: date
) -> Occasion | None:
    """For an overdue item of a report entered after the fact: the first of each month,
    from the month after its one escalation, while it stays overdue."""
    if today <= due_on:
        return None
    escalated_on = _escalated_once_on(due_on, entered_on=entered_on, policy=policy)
    month = today.replace(day=1)
    if month <= escalated_on:
        return None
    return Occasion(ReminderKind.HISTORIC_OVERDUE, month)
