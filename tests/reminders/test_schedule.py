"""OPCC staff set the reminder schedule on its own page; the scan follows it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditEvent
from reminders import schedule, services
from reminders.models import Reminder, ReminderSchedule
from tests.reminders.conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "reminders:schedule"


def values(**changes) -> dict:
    data = {
        "before_days": "28,14,7,1",
        "overdue_every_days": "7",
        "escalate_after_days": "14",
        "s55_before_days": "28,14,7,0",
        "ppog_before_days": "14,7,1",
        "assurance_backlog_days": "14",
        "seen": "",
    }
    return data | changes


@pytest.mark.parametrize(
    ("who", "expected"),
    [("opcc", 200), ("administrator", 200), ("lead", 403), ("viewer", 403), ("outsider", 403)],
)
def test_only_staff_across_all_forces_may_open_it(client, request, who, expected):
    # "outsider" is OPCC staff scoped to one force: one schedule serves every force.
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse(URL)).status_code == expected


def test_signing_in_comes_first(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_before_any_change_it_shows_the_schedule_the_scan_uses(client, opcc):
    client.force_login(opcc)
    response = client.get(reverse(URL))
    form = response.context["form"]
    assert form["before_days"].value() == "28,14,7,1"
    assert form["s55_before_days"].value() == "28,14,7,0"
    assert form["seen"].value() == ""
    assert b"Not changed yet" in response.content


def test_a_saved_schedule_is_what_the_next_scan_uses(client, opcc, owner, due_in_a_week):
    services.reminders_scan(today=TODAY)  # due in 7 days: the standard schedule reminds today
    assert Reminder.objects.get(recipient=owner).occurrence == TODAY
    Reminder.objects.all().delete()

    client.force_login(opcc)
    response = client.post(reverse(URL), values(before_days="10,3"))
    assert response.status_code == 302
    assert ReminderSchedule.objects.get().before_days == "10,3"
    services.reminders_scan(
        today=TODAY
    )  # now the last reminder before the deadline was 10 days out
    assert Reminder.objects.get(recipient=owner).occurrence == due_in_a_week.due_on.replace(day=21)
    assert AuditEvent.objects.filter(object_type__icontains="reminderschedule").exists()


def test_bad_values_are_refused_with_a_message_and_nothing_is_saved(client, opcc):
    client.force_login(opcc)
    response = client.post(reverse(URL), values(before_days="28, soon", overdue_every_days="0"))
    assert response.status_code == 400
    content = response.content.decode()
    assert "Use whole numbers separated by commas." in content
    assert "There is a problem" in content
    assert not ReminderSchedule.objects.exists()
    response = client.post(reverse(URL), values(ppog_before_days="400"))
    assert response.status_code == 400
    assert "Each number must be between 0 and 365." in response.content.decode()


def test_a_change_made_meanwhile_is_never_overwritten(client, opcc, administrator):
    client.force_login(opcc)
    opened = client.get(reverse(URL)).context["form"]["seen"].value()
    schedule.save(schedule_values(before_days="21,7"), seen=opened)  # someone else saves first
    response = client.post(reverse(URL), values(before_days="3", seen=opened))
    assert response.status_code == 409
    assert "Someone changed the schedule while you had it open" in response.content.decode()
    assert ReminderSchedule.objects.get().before_days == "21,7"
    # The page now carries the new stamp, so saving again works.
    fresh = response.context["form"]["seen"].value()
    assert fresh != opened
    assert client.post(reverse(URL), values(before_days="3", seen=fresh)).status_code == 302
    assert ReminderSchedule.objects.get().before_days == "3"


def test_there_is_only_ever_one_schedule(opcc):
    schedule.save(schedule_values(), seen="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSchedule.objects.create()
    with pytest.raises(schedule.ScheduleChanged):
        schedule.save(schedule_values(), seen="")  # "first save" when there already is one


def schedule_values(**changes) -> dict:
    data = values(**changes)
    data.pop("seen")
    return {
        name: int(value)
        if name.endswith("days") and "," not in value and name != "before_days"
        else value
        for name, value in data.items()
    }


def test_the_standard_schedule_is_written_once_in_policy(client, opcc, settings):
    # Settings override Policy's defaults; the page, the form's help and a new row follow.
    settings.OVERSIGHT_REMINDER_POLICY = {"before_days": (30, 10), "escalate_after_days": 21}
    client.force_login(opcc)
    form = client.get(reverse(URL)).context["form"]
    assert form["before_days"].value() == "30,10"
    assert form["escalate_after_days"].value() == 21
    assert "Standard: 30,10." in form.fields["before_days"].help_text
    assert ReminderSchedule().escalate_after_days == 21


def test_no_label_names_a_number_the_schedule_can_change(client, owner):
    import re

    from reminders.models import ReminderKind

    # "s.55" is the section of the Act, not a number of days.
    assert not [label for label in ReminderKind.labels if re.search(r"\d+ day", label)]
    assert ReminderKind.ESCALATION.label == "Overdue and escalated"
    client.force_login(owner)
    page = client.get(reverse("reminders:preferences")).content.decode()
    assert not re.search(r"\b(28|14|7)\b[^<]*days?", page)
