"""When reminders fall due: pure date logic at its boundaries (no database)."""

from datetime import date, timedelta

import pytest

from reminders.models import ReminderKind
from reminders.policy import (
    Occasion,
    Policy,
    backlog_occasion,
    countdown_occasion,
    deadline_occasion,
    escalation_occasion,
)

POLICY = Policy()
DUE = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (DUE - timedelta(days=29), None),
        (DUE - timedelta(days=28), Occasion(ReminderKind.DUE_SOON, DUE - timedelta(days=28))),
        (DUE - timedelta(days=15), Occasion(ReminderKind.DUE_SOON, DUE - timedelta(days=28))),
        (DUE - timedelta(days=14), Occasion(ReminderKind.DUE_SOON, DUE - timedelta(days=14))),
        (DUE - timedelta(days=7), Occasion(ReminderKind.DUE_SOON, DUE - timedelta(days=7))),
        (DUE - timedelta(days=1), Occasion(ReminderKind.DUE_SOON, DUE - timedelta(days=1))),
        (DUE, Occasion(ReminderKind.DUE_TODAY, DUE)),
        # Overdue from the next day; the first weekly overdue reminder is a week on.
        (DUE + timedelta(days=1), Occasion(ReminderKind.DUE_TODAY, DUE)),
        (DUE + timedelta(days=6), Occasion(ReminderKind.DUE_TODAY, DUE)),
        (DUE + timedelta(days=7), Occasion(ReminderKind.OVERDUE, DUE + timedelta(days=7))),
        (DUE + timedelta(days=13), Occasion(ReminderKind.OVERDUE, DUE + timedelta(days=7))),
        (DUE + timedelta(days=14), Occasion(ReminderKind.OVERDUE, DUE + timedelta(days=14))),
    ],
)
def test_the_latest_deadline_reminder_on_or_before_today(today, expected):
    assert deadline_occasion(DUE, today=today, policy=POLICY) == expected


def test_the_schedule_is_28_14_7_1_days_before_the_day_itself_then_weekly():
    occasions = {
        deadline_occasion(DUE, today=DUE + timedelta(days=d), policy=POLICY) for d in range(-40, 30)
    } - {None}
    assert sorted(o.on - DUE for o in occasions) == [
        timedelta(days=d) for d in (-28, -14, -7, -1, 0, 7, 14, 21, 28)
    ]


def test_month_end_deadline_counts_back_across_months():
    due = date(2026, 2, 28)
    first = deadline_occasion(due, today=date(2026, 1, 31), policy=POLICY)
    assert first == Occasion(ReminderKind.DUE_SOON, date(2026, 1, 31))


def test_across_the_spring_clock_change_dates_are_whole_days():
    # 29 March 2026 is the day British Summer Time begins: 23 hours long.
    due = date(2026, 4, 5)
    assert deadline_occasion(due, today=date(2026, 3, 29), policy=POLICY) == Occasion(
        ReminderKind.DUE_SOON, date(2026, 3, 29)
    )


def test_across_the_autumn_clock_change_dates_are_whole_days():
    # 25 October 2026 is the day British Summer Time ends: 25 hours long.
    due = date(2026, 10, 25)
    assert deadline_occasion(due, today=date(2026, 10, 25), policy=POLICY) == Occasion(
        ReminderKind.DUE_TODAY, due
    )
    assert deadline_occasion(due, today=date(2026, 10, 24), policy=POLICY).kind == "due_soon"


def test_escalation_starts_14_days_overdue_and_repeats_weekly():
    assert escalation_occasion(DUE, today=DUE + timedelta(days=13), policy=POLICY) is None
    assert escalation_occasion(DUE, today=DUE + timedelta(days=14), policy=POLICY) == Occasion(
        ReminderKind.ESCALATION, DUE + timedelta(days=14)
    )
    assert escalation_occasion(DUE, today=DUE + timedelta(days=22), policy=POLICY) == Occasion(
        ReminderKind.ESCALATION, DUE + timedelta(days=21)
    )


def test_s55_countdown_is_28_14_7_days_before_and_on_the_last_day_never_after():
    last_day = date(2026, 5, 26)
    kind = ReminderKind.S55_RESPONSE
    days = POLICY.s55_before_days

    def at(d: int):
        return countdown_occasion(
            last_day, today=last_day + timedelta(days=d), before_days=days, kind=kind
        )

    assert at(-29) is None
    assert at(-28).on == last_day - timedelta(days=28)
    assert at(-1).on == last_day - timedelta(days=7)
    assert at(0).on == last_day
    assert at(1) is None


def test_assurance_backlog_reminds_weekly_after_14_days_waiting():
    claimed = date(2026, 6, 1)
    assert backlog_occasion(claimed, today=date(2026, 6, 14), policy=POLICY) is None
    assert backlog_occasion(claimed, today=date(2026, 6, 15), policy=POLICY).on == date(2026, 6, 15)
    assert backlog_occasion(claimed, today=date(2026, 6, 23), policy=POLICY).on == date(2026, 6, 22)


def test_a_revised_due_date_gives_different_occasions():
    old, new = date(2026, 3, 31), date(2026, 6, 30)
    today = date(2026, 3, 24)
    assert deadline_occasion(old, today=today, policy=POLICY).on == date(2026, 3, 24)
    assert deadline_occasion(new, today=today, policy=POLICY) is None


@pytest.mark.django_db
def test_opcc_staff_can_change_the_schedule_and_the_scan_uses_it():
    from reminders.models import ReminderSchedule

    assert Policy.from_settings().before_days == (28, 14, 7, 1)
    ReminderSchedule.objects.create(before_days="10, 3", overdue_every_days=3)
    current = Policy.from_settings()
    assert (current.before_days, current.overdue_every_days) == ((10, 3), 3)
    assert deadline_occasion(DUE, today=DUE - timedelta(days=5), policy=current) == Occasion(
        ReminderKind.DUE_SOON, DUE - timedelta(days=10)
    )


@pytest.mark.django_db
def test_a_malformed_schedule_is_refused_with_a_clear_message():
    from django.core.exceptions import ValidationError

    from reminders.models import ReminderSchedule

    with pytest.raises(ValidationError, match="whole numbers"):
        ReminderSchedule(before_days="a week").full_clean()
    with pytest.raises(ValidationError, match="between 0 and 365"):
        ReminderSchedule(before_days="400").full_clean()
