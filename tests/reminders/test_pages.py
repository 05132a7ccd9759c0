"""Reminder pages: preferences, the calendar feed, the sent-reminders page, permissions."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from reminders import services
from reminders.models import CalendarFeed, Digest, ReminderPreference
from tests.factories import make_finding

pytestmark = pytest.mark.django_db


def test_preferences_switch_kinds_off(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("reminders:preferences"), {"digest_enabled": "on", "kinds": ["overdue"]}
    )
    assert response.status_code == 302
    preference = ReminderPreference.objects.get(user=owner)
    assert preference.wants("overdue") and not preference.wants("due_soon")


def test_calendar_feed_lists_my_deadlines_and_can_be_revoked(client, owner, report):
    due = make_finding(report=report, owner=owner, due_on=timezone.localdate() + timedelta(days=9))
    client.force_login(owner)
    client.post(reverse("reminders:calendar-issue"))
    page = client.get(reverse("reminders:preferences"))
    url = page.context["new_feed_url"]
    assert url and "/calendar/" in url
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    anonymous = Client()
    feed = anonymous.get(reverse("reminders:calendar-feed", args=[token]))
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [f"{due.reference} due ({report.title})"]
    assert due.text not in feed.content.decode()
    # The address is shown once; only its hash is kept.
    assert token not in CalendarFeed.objects.get(user=owner).token_hash
    assert client.get(reverse("reminders:preferences")).context["new_feed_url"] is None

    client.post(reverse("reminders:calendar-revoke"))
    assert anonymous.get(reverse("reminders:calendar-feed", args=[token])).status_code == 404


def test_a_deactivated_users_feed_stops_working(client, owner):
    _feed, token = CalendarFeed.issue(owner)
    owner.is_active = False
    owner.save()
    assert client.get(reverse("reminders:calendar-feed", args=[token])).status_code == 404


def test_a_wrong_token_is_404(client, db):
    assert client.get(reverse("reminders:calendar-feed", args=["not-a-token"])).status_code == 404


def test_sent_reminders_is_for_opcc_staff(client, opcc, lead, viewer, due_in_a_week):
    services.reminders_scan(today=timezone.localdate())
    services.digests_compose(today=timezone.localdate())
    for user, expected in ((opcc, 200), (lead, 403), (viewer, 403)):
        client.force_login(user)
        assert client.get(reverse("reminders:sent")).status_code == expected
    client.force_login(opcc)
    response = client.get(reverse("reminders:sent"), {"status": "pending"})
    assert set(response.context["page"].object_list) == set(Digest.objects.all())


@pytest.mark.parametrize("name", ["preferences", "sent"])
def test_reminder_pages_need_sign_in(client, name, db):
    response = client.get(reverse(f"reminders:{name}"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["calendar-issue", "calendar-revoke"])
def test_calendar_changes_are_post_only_and_need_sign_in(client, owner, name):
    assert client.post(reverse(f"reminders:{name}")).status_code == 302
    client.force_login(owner)
    assert client.get(reverse(f"reminders:{name}")).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_health_needs_no_sign_in_and_names_no_one(client, db):
    response = client.get(reverse("reminders:health"))
    assert set(response.json()) == {
        "ok",
        "last_scan",
        "oldest_undelivered_minutes",
        "failed",
        "skipped",
        "unaddressed",
        "pending",
        "problems",
    }


def test_staff_scoped_to_a_force_see_only_that_forces_digests(
    client, opcc, outsider, owner, due_in_a_week, other_force
):
    from recommendations.models import Role
    from tests.factories import make_report, make_user

    stranger = make_user(Role.FORCE_LEAD, force=other_force, username="stranger")
    make_finding(report=make_report(force=other_force), owner=stranger, due_on=due_in_a_week.due_on)
    today = due_in_a_week.due_on - timedelta(days=7)
    services.reminders_scan(today=today)
    services.digests_compose(today=today)
    client.force_login(opcc)  # works across all forces
    everyone = client.get(reverse("reminders:sent")).context["page"].object_list
    assert {d.recipient for d in everyone} >= {owner, stranger}
    client.force_login(outsider)  # OPCC staff of the other force
    theirs = client.get(reverse("reminders:sent")).context["page"].object_list
    assert {d.recipient for d in theirs} == {stranger}
