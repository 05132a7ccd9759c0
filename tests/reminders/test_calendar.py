"""The calendar feed lists exactly the dated items a person's reminders are about."""

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from recommendations.models import (
    Action,
    ActionStatus,
    Finding,
    FindingKind,
    MonitoringPeriod,
    PpogMeeting,
    ReportKind,
    Role,
    Status,
)
from reminders import calendar, items, services
from reminders.models import Reminder, ReminderPreference
from reminders.policy import Policy
from tests.factories import make_finding, make_report, make_user
from tests.reminders.conftest import TODAY

pytestmark = pytest.mark.django_db

WEEK = timedelta(weeks=1)


def feed_uids(user) -> set[str]:
    feed = Calendar.from_ical(calendar.feed_for(user, today=TODAY))
    return {str(event["uid"]).removesuffix("@oversight") for event in feed.walk("VEVENT")}


def reminded_uids(user) -> set[str]:
    """Every item the scan recorded a reminder about for `user`, as calendar uids.

    Reminders about a wait (completion claims) have no date to show, so no event.
    """
    uids = set()
    for reminder in Reminder.objects.filter(recipient=user):
        item = items.BY_KIND[reminder.kind]
        if item.in_calendar:
            row = items.Row(reminder.item_type, reminder.item_id, reminder.due_on, None)
            uids.add(item.uid(row))
    return uids


@pytest.fixture
def cast(force, other_force, owner, opcc_lead, cc_office, opcc, outsider):
    action_owner = make_user(Role.FORCE_LEAD, force=force, username="action-owner")
    bystander = make_user(Role.FORCE_LEAD, force=force, username="bystander")
    stranger = make_user(Role.FORCE_LEAD, force=other_force, username="stranger")
    stranger_office = make_user(Role.VIEWER, force=other_force, username="elsewhere-cco")
    # Someone who switched every email off still has the dates in their calendar.
    ReminderPreference.objects.create(user=bystander, digest_enabled=False)
    return [
        owner,
        opcc_lead,
        cc_office,
        opcc,
        outsider,
        action_owner,
        bystander,
        stranger,
        stranger_office,
    ]


@pytest.fixture
def varied(cast, force, other_force, owner, opcc_lead):
    action_owner, bystander, stranger = cast[5], cast[6], cast[7]
    report = make_report(force=force, published_on=TODAY - timedelta(days=40))

    def finding(days: int, **fields):
        fields.setdefault("owner", owner)
        fields.setdefault("opcc_lead", opcc_lead)
        return make_finding(report=report, due_on=TODAY + timedelta(days=days), **fields)

    soon = finding(7)
    finding(40, status=Status.IN_PROGRESS)
    finding(-20)  # long overdue: escalated
    finding(10, status=Status.REPORTED_COMPLETE)  # waiting for assurance: no deadline reminders
    finding(12, status=Status.ASSURED)
    closed = finding(5, status=Status.NO_FURTHER_ACTION, no_further_action_reason="Overtaken")
    finding(20, kind=FindingKind.AREA_FOR_IMPROVEMENT)
    make_finding(report=report, kind=FindingKind.CAUSE_OF_CONCERN, owner=owner, due_on=None)
    finding(9, owner=bystander, opcc_lead=None)
    for on, status, parent in (
        (3, ActionStatus.NOT_STARTED, soon),
        (4, ActionStatus.COMPLETE, soon),
        (6, ActionStatus.IN_PROGRESS, closed),
    ):
        Action.objects.create(
            finding=parent,
            description="A step",
            owner=action_owner,
            due_on=TODAY + timedelta(days=on),
            status=status,
            completed_on=TODAY if status == ActionStatus.COMPLETE else None,
        )
    elsewhere = make_report(force=other_force, published_on=TODAY - timedelta(days=30))
    make_finding(report=elsewhere, owner=stranger, opcc_lead=opcc_lead, due_on=TODAY + 2 * WEEK)
    # A person scoped to one force who owns another force's finding is told nothing of it.
    # The services refuse such an owner now; the row stands for one assigned before that,
    # or whose force scope changed after.
    orphan = make_finding(report=elsewhere, due_on=TODAY + 2 * WEEK)
    Finding.objects.filter(pk=orphan.pk).update(owner=owner)
    make_report(force=None, published_on=TODAY - timedelta(days=35))  # national: s.55 too
    make_report(force=force, kind=ReportKind.NCPI, published_on=TODAY - timedelta(weeks=3))
    engage = MonitoringPeriod.objects.create(
        force=force, phase="engage", started_on=date(2025, 1, 1)
    )
    PpogMeeting.objects.create(monitoring_period=engage, meets_on=TODAY + timedelta(days=10))
    ended = MonitoringPeriod.objects.create(
        force=other_force, phase="engage", started_on=date(2025, 1, 1), ended_on=TODAY
    )
    PpogMeeting.objects.create(monitoring_period=ended, meets_on=TODAY + timedelta(days=11))


def scan_every_occasion() -> None:
    """Scan on the days that reach every recipient of every item: a deadline's
    escalation point (its owner is reminded then too) and each countdown's own date."""
    rules = Policy.from_settings()
    days = set()
    for group in items.sharing_rows():
        for row in group[0].rows(items.Reading(None, None, rules)):
            days.add(row.on + timedelta(days=rules.escalate_after_days))
            days.add(row.on)
    for day in sorted(days):
        services.reminders_scan(today=day)


def test_the_feed_shows_exactly_what_each_person_is_reminded_of(cast, varied):
    expected = {person.username: feed_uids(person) for person in cast}
    scan_every_occasion()
    reminded = {person.username: reminded_uids(person) for person in cast}
    # The bystander switched emails off, so compare them as if they had not.
    ReminderPreference.objects.filter(user__username="bystander").delete()
    Reminder.objects.all().delete()
    scan_every_occasion()
    reminded["bystander"] = reminded_uids(cast[6])
    assert reminded == expected
    # The data reach every kind the calendar shows, and leave some people out of some.
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    # Every kind the calendar shows (a wait, or an issued agenda, is in no calendar).
    assert kinds >= {k.value for item in items.ALL if item.in_calendar for k in item.kinds}
    assert all(expected.values())
    assert expected["stranger"] != expected["owner"]


def test_the_feed_leaves_out_finished_work_other_kinds_and_other_forces(cast, varied, owner):
    summaries = [
        str(event["summary"])
        for event in Calendar.from_ical(calendar.feed_for(owner, today=TODAY)).walk("VEVENT")
    ]
    # Active recommendations only (7, 40 and 20 days overdue) of the owner's own force,
    # and, as a force lead, the force's NCPI action plan.
    deadlines = [summary for summary in summaries if not summary.startswith("NCPI")]
    assert len(deadlines) == 3
    assert len(summaries) == 4
