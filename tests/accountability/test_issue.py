"""Issuing the agenda emails each owner once, through the reminder outbox and a real SMTP
server, however many times it is issued; session actions are reminded like any other."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from accountability import services
from reminders import services as reminders
from reminders.models import Reminder, ReminderKind
from tests.accountability.conftest import MEETING

pytestmark = pytest.mark.django_db

TODAY = MEETING - timedelta(days=7)


@pytest.fixture
def agenda(session, overdue, other_post, opcc):
    """One finding owned through `post` (held by `lead`), and a question to `other_post`."""
    item = services.agenda_item_add(session=session, finding=overdue, by=opcc)
    services.question_ask(item=item, text="Who checks the backlog?", to_post=other_post, by=opcc)
    return item


def test_issuing_twice_emails_each_owner_once(
    smtp_server, session, agenda, lead, other_lead, opcc, settings
):
    settings.SITE_URL = "https://oversight.opcc.example"
    assert services.agenda_issue(session=session, by=opcc) == 2
    reminders.digests_dispatch(today=TODAY)
    assert services.agenda_issue(session=session, by=opcc) == 0
    reminders.digests_dispatch(today=TODAY)
    reminders.digests_dispatch(today=TODAY + timedelta(days=1))

    for person in (lead, other_lead):
        [mail] = smtp_server.sink.to(person.email)
        body = mail.text()
        assert "ACCOUNTABILITY SESSION AGENDA ISSUED" in body
        assert session.name in body
        assert (
            "https://oversight.opcc.example"
            + reverse("accountability:session-detail", args=[session.pk])
            in body
        )
        # Like every reminder: no finding text or question in the email.
        assert "Who checks the backlog" not in body
    assert not smtp_server.sink.to(opcc.email)
    assert len(smtp_server.sink.received) == 2


def test_someone_new_on_the_agenda_is_told_when_it_is_issued_again(
    smtp_server, session, agenda, report, force, opcc
):
    from recommendations.models import Post, Role
    from tests.factories import make_finding, make_user

    services.agenda_issue(session=session, by=opcc)
    reminders.digests_dispatch(today=TODAY)
    newcomer = make_user(Role.FORCE_LEAD, force=force, username="newcomer")
    post = Post.objects.create(title="Head of Custody", force=force, holder=newcomer)
    finding = make_finding(report=report, owner_post=post, reference="R40", due_on=MEETING)
    services.agenda_item_add(session=session, finding=finding, by=opcc)
    assert services.agenda_issue(session=session, by=opcc) == 1
    reminders.digests_dispatch(today=TODAY + timedelta(days=1))
    assert len(smtp_server.sink.to(newcomer.email)) == 1
    assert len(smtp_server.sink.received) == 3


def test_moving_the_session_drops_the_old_reminder_and_tells_again(session, agenda, lead, opcc):
    services.agenda_issue(session=session, by=opcc)
    services.session_update(session=session, by=opcc, held_on=MEETING + timedelta(days=7))
    reminders.digests_compose(today=TODAY)
    old = Reminder.objects.get(recipient=lead, due_on=MEETING)
    assert old.cancelled
    assert services.agenda_issue(session=session, by=opcc) == 2


def test_a_session_action_is_reminded_like_any_other_action(
    smtp_server, session, agenda, post, lead, opcc
):
    services.agenda_issue(session=session, by=opcc)
    due = MEETING + timedelta(days=14)
    action = services.session_action_add(
        item=agenda, description="Weekly backlog report", owner_post=post, due_on=due, by=opcc
    )
    reminders.reminders_dispatch(today=due)
    reminder = Reminder.objects.get(recipient=lead, item_type="action", item_id=action.pk)
    assert reminder.kind == ReminderKind.DUE_TODAY
    [mail] = [m for m in smtp_server.sink.to(lead.email) if "DUE TODAY" in m.text()]
    assert f"Action on {agenda.finding.reference}" in mail.text()
