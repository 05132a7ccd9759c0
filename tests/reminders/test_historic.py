"""A report entered after the fact (issue 16, item 7): its overdue findings are escalated
once, then listed monthly to the OPCC lead (or the team address), never chased weekly
for ever. Tested through the scan, day by day across several months."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from recommendations.models import Report, Role
from reminders import policy, services
from reminders.models import Digest, ItemType, Reminder, ReminderKind
from reminders.policy import Policy
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db

TEAM = "scrutiny-team@opcc.example"
ENTERED = date(2026, 3, 10)


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@pytest.fixture
def world(force, settings):
    settings.OVERSIGHT_TEAM_ADDRESS = TEAM
    owner = make_user(Role.FORCE_LEAD, force=force, email="owner@force.example")
    lead = make_user(Role.OPCC_STAFF, email="lead@opcc.example")
    office = make_user(Role.VIEWER, force=force, email="cco@force.example")
    historic = make_report(force=force, published_on=date(2019, 3, 1), entered_after_the_fact=True)
    # Entered into Oversight on ENTERED (created_at is set on save, so put it back).
    entered_at = timezone.make_aware(datetime.combine(ENTERED, datetime.min.time()))
    Report.objects.filter(pk=historic.pk).update(created_at=entered_at.replace(hour=10))
    current = make_report(force=force, published_on=date(2025, 9, 1))
    return {
        "owner": owner,
        "lead": lead,
        "office": office,
        "old": make_finding(report=historic, owner=owner, opcc_lead=lead, due_on=date(2019, 6, 30)),
        "old unled": make_finding(report=historic, due_on=date(2019, 6, 30)),
        "falls due later": make_finding(
            report=historic, owner=owner, opcc_lead=lead, due_on=date(2026, 4, 15)
        ),
        "current": make_finding(
            report=current, owner=owner, opcc_lead=lead, due_on=date(2026, 2, 27)
        ),
    }


def reminders_of(finding) -> dict[tuple[str, str], list[date]]:
    """(kind, to) → occurrences, for one finding."""
    found = defaultdict(list)
    rows = Reminder.objects.filter(item_type=ItemType.FINDING, item_id=finding.pk).order_by(
        "occurrence"
    )
    for reminder in rows.select_related("recipient"):
        to = reminder.recipient.email if reminder.recipient else reminder.address
        found[(reminder.kind, to)].append(reminder.occurrence)
    return dict(found)


@pytest.fixture
def three_months(world):
    """The scan and the daily digests every day from the day the report was entered to
    mid-June."""
    for day in days(ENTERED, date(2026, 6, 15)):
        services.reminders_scan(today=day)
        services.digests_compose(today=day)
    return world


def test_three_months_of_daily_scans(three_months):
    w = three_months
    monthly = [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    # Overdue when entered: escalated once, on the day it was entered, then monthly.
    assert reminders_of(w["old"]) == {
        (ReminderKind.ESCALATION, "lead@opcc.example"): [ENTERED],
        (ReminderKind.ESCALATION, "cco@force.example"): [ENTERED],
        (ReminderKind.HISTORIC_OVERDUE, "lead@opcc.example"): monthly,
    }
    # With no OPCC lead (and no owner), the monthly summary goes to the team address.
    assert reminders_of(w["old unled"]) == {
        (ReminderKind.ESCALATION, "cco@force.example"): [ENTERED],
        (ReminderKind.HISTORIC_OVERDUE, TEAM): monthly,
    }
    # Falling due after it was entered: reminded as usual, then escalated once, then
    # monthly from the next month; never the weekly overdue reminder.
    found = reminders_of(w["falls due later"])
    assert found[(ReminderKind.DUE_SOON, "owner@force.example")] == [
        date(2026, 3, 18),
        date(2026, 4, 1),
        date(2026, 4, 8),
        date(2026, 4, 14),
    ]
    assert found[(ReminderKind.DUE_TODAY, "owner@force.example")] == [date(2026, 4, 15)]
    assert found[(ReminderKind.ESCALATION, "lead@opcc.example")] == [date(2026, 4, 29)]
    assert found[(ReminderKind.HISTORIC_OVERDUE, "lead@opcc.example")] == monthly[1:]
    assert (ReminderKind.OVERDUE, "owner@force.example") not in found
    # A current report's overdue finding is still chased weekly.
    current = reminders_of(w["current"])
    assert len(current[(ReminderKind.OVERDUE, "owner@force.example")]) == 15
    assert len(current[(ReminderKind.ESCALATION, "lead@opcc.example")]) == 14
    assert (ReminderKind.HISTORIC_OVERDUE, "lead@opcc.example") not in current
    # The summary is in the lead's digest on the first of each month.
    with_summary = Digest.objects.filter(
        recipient=w["lead"], reminders__kind=ReminderKind.HISTORIC_OVERDUE
    ).values_list("digest_date", flat=True)
    assert sorted(set(with_summary)) == monthly


def test_the_summary_email_says_months_and_years_not_thousands_of_days(world, smtp_server):
    services.reminders_scan(today=ENTERED)  # the one escalation, sent that day
    services.digests_dispatch(today=ENTERED)
    services.reminders_dispatch(today=date(2026, 6, 1))
    [mail] = [m for m in smtp_server.sink.to("lead@opcc.example") if "1 June" in m.text()]
    body = mail.text()
    assert "Overdue from a report entered after the fact (monthly)".upper() in body
    assert "6 years 11 months overdue" in body
    late = (date(2026, 6, 1) - date(2019, 6, 30)).days
    assert f"{late} days" not in body and f"{late:,} days" not in body


def test_the_occasions_as_pure_dates():
    rules = Policy()
    due = date(2019, 6, 30)
    assert policy.deadline_occasion(due, today=ENTERED, policy=rules, historic=True) is None
    once = policy.escalation_occasion(due, today=ENTERED, policy=rules, entered_on=ENTERED)
    assert once == policy.Occasion(ReminderKind.ESCALATION, ENTERED)
    later = policy.escalation_occasion(
        due, today=date(2027, 1, 1), policy=rules, entered_on=ENTERED
    )
    assert later == once  # the same occasion: recorded once, ever
    assert (
        policy.historic_summary_occasion(
            due, today=date(2026, 3, 31), policy=rules, entered_on=ENTERED
        )
        is None
    )
    assert policy.historic_summary_occasion(
        due, today=date(2026, 4, 20), policy=rules, entered_on=ENTERED
    ) == policy.Occasion(ReminderKind.HISTORIC_OVERDUE, date(2026, 4, 1))


def test_the_dry_run_says_months_and_years_too(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("send_reminders", "--dry-run", "--today", "2026-06-01", stdout=out)
    assert "due 30 June 2019, 6 years 11 months overdue)" in out.getvalue()
    assert "2528 days" not in out.getvalue()
