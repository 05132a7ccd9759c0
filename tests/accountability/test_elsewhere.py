"""Sessions where people already look: a session action on the dashboard and in My work,
a question in the post holder's My work, and the sessions on a finding's timeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accountability import services
from tests.dashboards.test_query_counts import queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreed(session, overdue, post, lead, opcc):
    """The session's item with a question, its answer, a decision and an overdue action."""
    item = services.agenda_item_add(session=session, finding=overdue, by=opcc)
    question = services.question_ask(
        item=item, text="Is the backlog shrinking?", to_post=post, by=opcc
    )
    services.agenda_issue(session=session, by=opcc)
    services.answer_give(question=question, text="Down by a third.", by=lead)
    services.item_record(item=item, said="Progress noted.", decision="no_change", by=opcc)
    return services.session_action_add(
        item=item,
        description="Publish the backlog figures monthly",
        owner_post=post,
        due_on=timezone.localdate() - timedelta(days=2),
        by=opcc,
    )


def test_an_overdue_session_action_is_on_the_dashboard(client, agreed, viewer, force):
    client.force_login(viewer)
    page = client.get(reverse("dashboards:dashboard")).content.decode()
    assert "Accountability sessions" in page
    assert '<strong class="session-actions-overdue">1</strong>' in page
    assert "Publish the backlog figures monthly" in page


def test_sessions_cost_the_dashboard_no_query(client, agreed, opcc, force, session):
    client.force_login(opcc)
    url = reverse("dashboards:dashboard")
    with_sessions = queries(client, url, {"force": force.pk})
    services.session_create(force=force, held_on=date(2099, 1, 1), by=opcc)
    assert queries(client, url, {"force": force.pk}) == with_sessions


def test_my_work_lists_my_session_actions_and_questions_to_my_posts(
    client, session, overdue, post, other_post, lead, other_lead, opcc, agreed
):
    services.question_ask(
        item=agreed.session_link.item,
        text="Who signs off the figures?",
        to_post=other_post,
        by=opcc,
    )
    client.force_login(lead)
    page = client.get(reverse("recommendations:home")).content.decode()
    assert "Actions from accountability sessions" in page
    assert "Publish the backlog figures monthly" in page
    assert "Who signs off the figures?" not in page
    client.force_login(other_lead)
    page = client.get(reverse("recommendations:home")).content.decode()
    assert "Who signs off the figures?" in page
    assert reverse("accountability:answer", args=[session.items.get().questions.last().pk]) in page


def test_the_findings_timeline_shows_each_session_that_discussed_it(
    client, agreed, session, overdue, viewer
):
    client.force_login(viewer)
    page = client.get(overdue.get_absolute_url()).content.decode()
    assert "Discussed at accountability sessions" in page
    assert session.get_absolute_url() in page
    for text in (
        "Is the backlog shrinking?",
        "Down by a third.",
        "Decision: No change",
        "Publish the backlog",
    ):
        assert text in page
