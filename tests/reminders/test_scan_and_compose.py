"""The scan records each due reminder once; compose makes one digest per person per day."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations import services as finding_services
from recommendations.models import Finding, MonitoringPeriod, PpogMeeting, ReportKind, Status
from reminders import services
from reminders.models import Digest, Reminder, ReminderPreference
from tests.factories import make_finding, make_report
from tests.reminders.conftest import TODAY

pytestmark = pytest.mark.django_db


def kinds_for(user) -> list[tuple[str, date]]:
    return sorted(Reminder.objects.filter(recipient=user).values_list("kind", "occurrence"))


def test_a_week_before_the_owner_gets_the_7_day_reminder(due_in_a_week, owner):
    assert services.reminders_scan(today=TODAY).created == 1
    assert kinds_for(owner) == [("due_soon", TODAY)]


def test_scanning_twice_adds_nothing(due_in_a_week):
    assert services.reminders_scan(today=TODAY).created == 1
    assert services.reminders_scan(today=TODAY).created == 0
    assert Reminder.objects.count() == 1


def test_missed_days_catch_up_with_the_latest_reminder_only(due_in_a_week, owner):
    services.reminders_scan(today=date(2026, 3, 17))  # the 14-day reminder
    # Beat down for three days around the deadline: the next scan records the on-the-day one.
    services.reminders_scan(today=date(2026, 4, 2))
    assert kinds_for(owner) == [("due_soon", date(2026, 3, 17)), ("due_today", date(2026, 3, 31))]


def test_escalation_reaches_the_opcc_lead_and_the_chief_constables_office(
    due_in_a_week, owner, opcc_lead, cc_office
):
    services.reminders_scan(today=date(2026, 4, 14))  # 14 days overdue
    assert kinds_for(owner) == [("overdue", date(2026, 4, 14))]
    assert kinds_for(opcc_lead) == [("escalation", date(2026, 4, 14))]
    assert kinds_for(cc_office) == [("escalation", date(2026, 4, 14))]


def test_a_revised_due_date_re_arms_and_the_old_reminder_is_dropped(due_in_a_week, owner, opcc):
    services.reminders_scan(today=TODAY)
    finding_services.finding_revise_due_date(
        finding=due_in_a_week,
        expected_version=due_in_a_week.version,
        new_due_on=date(2026, 4, 21),
        reason="Partner board moved",
        revised_by=opcc,
    )
    services.digests_compose(today=TODAY)
    old = Reminder.objects.get(recipient=owner, due_on=date(2026, 3, 31))
    assert old.cancelled and old.digest is None
    # The new date's reminders arm as its own schedule comes round.
    assert services.reminders_scan(today=TODAY).created == 0
    services.reminders_scan(today=date(2026, 4, 7))
    assert Reminder.objects.filter(recipient=owner, due_on=date(2026, 4, 21)).count() == 1


def test_finished_findings_and_inactive_or_unwilling_people_get_nothing(report, owner, opcc_lead):
    closed = make_finding(report=report, owner=owner, due_on=date(2026, 3, 31))
    Finding.objects.filter(pk=closed.pk).update(status=Status.REPORTED_COMPLETE)
    owner.is_active = False
    owner.save()
    make_finding(report=report, owner=opcc_lead, due_on=date(2026, 3, 31))
    ReminderPreference.objects.create(user=opcc_lead, muted_kinds=["due_soon"])
    assert services.reminders_scan(today=TODAY).created == 0


def test_s55_response_reminds_opcc_staff_and_stops_once_published(force, opcc_lead, opcc):
    report = make_report(force=force, published_on=TODAY - timedelta(days=55 - 7))
    services.reminders_scan(today=TODAY)
    recipients = set(
        Reminder.objects.filter(kind="s55_response").values_list("recipient", flat=True)
    )
    assert recipients == {opcc_lead.pk, opcc.pk}
    report.response_published_on = TODAY
    report.save()
    assert services.digests_compose(today=TODAY) == 0
    assert Reminder.objects.filter(kind="s55_response", cancelled=True).count() == 2


def test_ncpi_action_plan_and_ppog_meetings(force, owner, opcc_lead, cc_office):
    make_report(force=force, kind=ReportKind.NCPI, published_on=TODAY - timedelta(weeks=6))
    engage = MonitoringPeriod.objects.create(
        force=force, phase="engage", started_on=date(2025, 1, 1)
    )
    PpogMeeting.objects.create(monitoring_period=engage, meets_on=TODAY + timedelta(days=7))
    services.reminders_scan(today=TODAY)
    assert kinds_for(owner) == [("ncpi_action_plan", TODAY)]
    assert ("ppog_meeting", TODAY) in kinds_for(cc_office)
    assert {("ncpi_action_plan", TODAY), ("ppog_meeting", TODAY)} <= set(kinds_for(opcc_lead))
    # The same report's s.55 response is 13 days away: its 14-day reminder came yesterday.
    assert ("s55_response", TODAY - timedelta(days=1)) in kinds_for(opcc_lead)


def test_assurance_backlog_after_14_days(due_in_a_week, opcc_lead):
    Finding.objects.filter(pk=due_in_a_week.pk).update(
        status=Status.REPORTED_COMPLETE, status_changed_at="2026-03-01T10:00:00Z"
    )
    services.reminders_scan(today=date(2026, 3, 15))
    assert kinds_for(opcc_lead) == [("assurance_backlog", date(2026, 3, 15))]


def test_the_scan_makes_the_same_number_of_queries_for_5_or_150_findings(report, owner):
    for _ in range(5):
        make_finding(report=report, owner=owner, due_on=TODAY + timedelta(days=7))
    with CaptureQueriesContext(connection) as small:
        services.reminders_scan(today=TODAY)
    for _ in range(145):
        make_finding(report=report, owner=owner, due_on=TODAY + timedelta(days=14))
    with CaptureQueriesContext(connection) as large:
        services.reminders_scan(today=TODAY)
    assert len(large) == len(small)
    assert Reminder.objects.count() == 150


def test_compose_makes_one_digest_per_person_per_day(report, owner):
    for days in (1, 7, 14):
        make_finding(report=report, owner=owner, due_on=TODAY + timedelta(days=days))
    services.reminders_scan(today=TODAY)
    assert services.digests_compose(today=TODAY) == 1
    digest = Digest.objects.get()
    assert digest.reminders.count() == 3
    # Later the same day another finding falls due, after the digest has gone:
    Digest.objects.filter(pk=digest.pk).update(status="sent", sent_at="2026-03-24T08:00:00Z")
    make_finding(report=report, owner=owner, due_on=TODAY + timedelta(days=28))
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    assert Digest.objects.count() == 1
    waiting = Reminder.objects.get(due_on=TODAY + timedelta(days=28))
    assert waiting.digest is None and not waiting.cancelled
    # … and goes out in tomorrow's digest.
    services.digests_compose(today=TODAY + timedelta(days=1))
    waiting.refresh_from_db()
    assert waiting.digest.digest_date == TODAY + timedelta(days=1)


def test_turning_the_digest_off_cancels_waiting_reminders(due_in_a_week, owner):
    services.reminders_scan(today=TODAY)
    ReminderPreference.objects.create(user=owner, digest_enabled=False)
    assert services.digests_compose(today=TODAY) == 0
    assert Reminder.objects.get().cancelled


def test_the_scheduled_scan_uses_the_europe_london_date_after_midnight(report, owner):
    import time_machine

    from reminders.tasks import reminders_scan

    make_finding(report=report, owner=owner, due_on=date(2026, 7, 1))
    # 22:30 UTC on 23 June is 23:30 BST: still the 23rd, so the 14-day reminder.
    with time_machine.travel("2026-06-23T22:30:00Z", tick=False):
        assert reminders_scan() == 1
    # 23:30 UTC is 00:30 BST on the 24th: a week before, so the 7-day reminder.
    with time_machine.travel("2026-06-23T23:30:00Z", tick=False):
        assert reminders_scan() == 1
    assert kinds_for(owner) == [("due_soon", date(2026, 6, 17)), ("due_soon", date(2026, 6, 24))]


def test_the_send_task_waits_for_the_digest_hour(due_in_a_week, owner, settings, smtp_server):
    import time_machine

    from reminders.tasks import reminders_send

    settings.OVERSIGHT_DIGEST_HOUR = 7
    services.reminders_scan(today=TODAY)
    # 06:30 in London (GMT in March before the change): too early to compose.
    with time_machine.travel("2026-03-24T06:30:00Z", tick=False):
        assert reminders_send() == {"digests": 0}
    with time_machine.travel("2026-03-24T07:05:00Z", tick=False):
        assert reminders_send() == {"digests": 1, "sent": 1}
    assert len(smtp_server.sink.to(owner.email)) == 1


def test_send_reminders_keeps_the_digest_hour_unless_given_a_day(
    due_in_a_week, owner, settings, smtp_server
):
    from io import StringIO

    import time_machine
    from django.core.management import call_command

    settings.OVERSIGHT_DIGEST_HOUR = 7
    early = StringIO()
    with time_machine.travel("2026-03-24T06:30:00Z", tick=False):
        call_command("send_reminders", stdout=early)
    assert "recorded 1 new reminder(s); 0 digest(s) composed" in early.getvalue()
    assert "Before 07:00 no digest is composed" in early.getvalue()
    assert smtp_server.sink.to(owner.email) == []
    # A day named on the command line is composed at once: the operator chose it.
    chosen = StringIO()
    with time_machine.travel("2026-03-24T06:35:00Z", tick=False):
        call_command("send_reminders", "--today", "2026-03-24", stdout=chosen)
    assert "1 digest(s) composed; sent 1" in chosen.getvalue()
    assert len(smtp_server.sink.to(owner.email)) == 1


def test_send_reminders_says_when_another_scan_holds_the_lock(due_in_a_week):
    from io import StringIO

    import psycopg
    from django.core.management import call_command

    from tests.support import processes

    with psycopg.connect(processes.test_database_url(), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [services.SCAN_LOCK_KEY])
        out = StringIO()
        call_command("send_reminders", "--today", TODAY.isoformat(), stdout=out)
    assert "scan skipped: another scan was running" in out.getvalue()
    assert "recorded 0" not in out.getvalue()
    assert not Reminder.objects.exists()
