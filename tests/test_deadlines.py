"""One definition of overdue and due soon, at its date boundaries, and the s.55 response date."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from recommendations.models import Finding, FindingKind, Report, Status
from tests.factories import make_finding, make_report

pytestmark = pytest.mark.django_db


def overdue_ids(today: date) -> set[int]:
    return set(Finding.objects.overdue(today=today).values_list("pk", flat=True))


def due_soon_ids(today: date, days: int = 30) -> set[int]:
    return set(Finding.objects.due_soon(today=today, days=days).values_list("pk", flat=True))


def test_due_today_is_not_overdue_but_due_yesterday_is():
    today = date(2025, 6, 10)
    due_today = make_finding(due_on=today)
    due_yesterday = make_finding(due_on=today - timedelta(days=1))
    assert overdue_ids(today) == {due_yesterday.pk}
    assert not due_today.is_overdue(today=today)
    assert due_yesterday.is_overdue(today=today)


@pytest.mark.parametrize(
    "status", [Status.REPORTED_COMPLETE, Status.ASSURED, Status.NO_FURTHER_ACTION]
)
def test_findings_the_force_has_finished_with_are_not_overdue(status):
    extra = {"no_further_action_reason": "n/a"} if status == Status.NO_FURTHER_ACTION else {}
    finding = make_finding(due_on=date(2025, 1, 1))
    Finding.objects.filter(pk=finding.pk).update(status=status, **extra)
    finding.refresh_from_db()
    assert overdue_ids(date(2025, 6, 1)) == set()
    assert not finding.is_overdue(today=date(2025, 6, 1))


def test_a_finding_with_no_deadline_is_never_overdue_or_due_soon():
    afi = make_finding(kind=FindingKind.AREA_FOR_IMPROVEMENT)
    assert afi.due_on is None
    assert overdue_ids(date(2030, 1, 1)) == set()
    assert due_soon_ids(date(2030, 1, 1)) == set()


def test_due_soon_runs_from_today_to_today_plus_n_inclusive():
    today = date(2025, 6, 10)
    inside = [make_finding(due_on=today), make_finding(due_on=today + timedelta(days=30))]
    make_finding(due_on=today + timedelta(days=31))
    make_finding(due_on=today - timedelta(days=1))
    assert due_soon_ids(today) == {f.pk for f in inside}
    assert all(f.is_due_soon(today=today) for f in inside)


def test_month_end_boundary():
    make_finding(due_on=date(2025, 2, 28))
    assert overdue_ids(date(2025, 2, 28)) == set()
    assert len(overdue_ids(date(2025, 3, 1))) == 1


@pytest.mark.parametrize(
    ("utc_instant", "london_date"),
    [
        # 23:30 UTC in summer is 00:30 the next day in London (BST, UTC+1).
        (datetime(2025, 6, 30, 23, 30, tzinfo=UTC), date(2025, 7, 1)),
        # 23:30 UTC in winter is still 23:30 the same day in London (GMT).
        (datetime(2025, 1, 31, 23, 30, tzinfo=UTC), date(2025, 1, 31)),
        # The spring change: 01:00 UTC on 30 March 2025 becomes 02:00 BST.
        (datetime(2025, 3, 29, 23, 59, tzinfo=UTC), date(2025, 3, 29)),
        (datetime(2025, 3, 30, 1, 30, tzinfo=UTC), date(2025, 3, 30)),
        # The autumn change: 01:00 UTC on 26 October 2025 is 01:00 GMT again.
        (datetime(2025, 10, 25, 23, 30, tzinfo=UTC), date(2025, 10, 26)),
        (datetime(2025, 10, 26, 23, 30, tzinfo=UTC), date(2025, 10, 26)),
    ],
)
def test_today_is_the_europe_london_date_around_midnight_and_clock_changes(
    utc_instant, london_date
):
    due_on_london_date = make_finding(due_on=london_date)
    due_day_before = make_finding(due_on=london_date - timedelta(days=1))
    with time_machine.travel(utc_instant, tick=False):
        today = timezone.localdate()
        assert today == london_date
        assert overdue_ids(today) == {due_day_before.pk}
        assert not due_on_london_date.is_overdue(today=today)


def test_queryset_and_model_method_agree_on_every_finding():
    today = date(2025, 6, 10)
    for offset in range(-3, 35, 2):
        make_finding(due_on=today + timedelta(days=offset))
    make_finding(kind=FindingKind.AREA_FOR_IMPROVEMENT)
    for finding in Finding.objects.all():
        assert finding.is_overdue(today=today) == (finding.pk in overdue_ids(today))
        assert finding.is_due_soon(today=today) == (finding.pk in due_soon_ids(today))


@pytest.mark.parametrize(
    ("published_on", "last_day"),
    [
        (date(2025, 1, 1), date(2025, 2, 25)),  # day 1 is 1 January; day 56 is 25 February
        (date(2024, 2, 1), date(2024, 3, 27)),  # leap year
        (date(2025, 11, 20), date(2026, 1, 14)),  # across the year end
    ],
)
def test_s55_response_is_due_within_56_days_beginning_with_publication(published_on, last_day):
    report = make_report(published_on=published_on)
    assert report.response_due_on == last_day
    assert (last_day - published_on).days + 1 == 56
    assert report.response_days_left(today=last_day) == 0
    assert list(Report.objects.s55_response_due_by(last_day)) == [report]
    assert list(Report.objects.s55_response_due_by(last_day - timedelta(days=1))) == []
    assert list(Report.objects.s55_last_day_between(last_day, last_day)) == [report]
    assert list(Report.objects.s55_last_day_between(last_day + timedelta(days=1), date.max)) == []


def test_the_s55_last_day_of_a_far_future_report_never_raises():
    """Stored data may hold a date whose day 56 does not exist (year 10000)."""
    report = Report(published_on=date(9999, 12, 20))
    assert report.response_due_on == date.max
    assert report.response_days_left(today=date(2026, 12, 4)) > 0
    assert not Report.objects.s55_response_due_by(date.min).exists()


def test_s55_countdown_stops_once_the_response_is_published():
    report = make_report(published_on=date(2025, 1, 1))
    report.response_published_on = date(2025, 2, 26)
    report.save()
    assert report.response_days_left(today=date(2025, 3, 1)) is None
    assert report.response_published_late()
    assert not Report.objects.s55_response_outstanding().filter(pk=report.pk).exists()
