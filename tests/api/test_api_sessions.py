"""The API's accountability sessions: each with its agenda (questions, written answers,
what was said and decided) and the actions agreed, scoped and filtered as the pages are,
in a number of queries that does not grow with the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability import services
from accountability.models import Decision, SessionStatus
from api import tokens
from audit.models import AuditEvent, Event
from recommendations.models import Post, Role
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db

MEETING = date(2026, 3, 24)


def bearer(user) -> dict[str, str]:
    raw = tokens.token_issue(user, name="Power BI", days=30)[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _held_session(force, opcc, lead, *, held_on=MEETING, reference="R1"):
    """A session whose agenda was issued, answered, and recorded with one action."""
    post, _ = Post.objects.get_or_create(title="ACC Crime", force=force, defaults={"holder": lead})
    report = make_report(
        force=force, published_on=date(2025, 9, 30), response_published_on=date(2025, 11, 20)
    )
    make_finding(
        report=report, owner_post=post, reference=reference, due_on=held_on - timedelta(days=3)
    )
    session = services.session_create(force=force, held_on=held_on, by=opcc)
    services.agenda_propose(session=session, by=opcc)
    item = session.items.get(finding__reference=reference)
    question = services.question_ask(
        item=item, text="When will the backlog be cleared?", by=opcc, to_post=post
    )
    services.agenda_issue(session=session, by=opcc)
    services.answer_give(question=question, text="By the end of the quarter.", by=lead)
    services.item_record(
        item=item, said="Progress noted, dates slipped.", decision=Decision.MORE_EVIDENCE, by=opcc
    )
    services.session_action_add(
        item=item,
        description="Send the backlog figures",
        owner_post=post,
        due_on=held_on + timedelta(days=14),
        by=opcc,
    )
    session.refresh_from_db()
    return session


def test_a_session_carries_its_agenda_answers_decisions_and_actions(force, opcc, lead):
    session = _held_session(force, opcc, lead)
    response = Client().get(reverse("api:session-list"), **bearer(lead))
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["force"], row["held_on"]) == (session.pk, force.name, "2026-03-24")
    assert row["status"] == SessionStatus.AGENDA_ISSUED
    [item] = [i for i in row["items"] if i["finding_reference"] == "R1"]
    assert item["group"] == "overdue"
    assert item["questions"] == [
        {"question": "When will the backlog be cleared?", "answer": "By the end of the quarter."}
    ]
    assert (item["said"], item["decision"]) == ("Progress noted, dates slipped.", "more_evidence")
    [action] = row["actions"]
    assert action["description"] == "Send the backlog figures"
    assert action["due_on"] == "2026-04-07"
    assert "ACC Crime" in action["owner"]
    detail = Client().get(reverse("api:session-detail", args=[session.pk]), **bearer(lead))
    assert detail.json() == row


def test_sessions_are_scoped_to_the_forces_a_person_sees(force, other_force, opcc, lead):
    session = _held_session(force, opcc, lead)
    outsider = make_user(Role.OPCC_STAFF, force=other_force, username="elsewhere")
    headers = bearer(outsider)
    assert Client().get(reverse("api:session-list"), **headers).json()["results"] == []
    detail = reverse("api:session-detail", args=[session.pk])
    assert Client().get(detail, **headers).status_code == 404
    # Everyone of the force reads it, as they read the session's page.
    viewer = make_user(Role.VIEWER, force=force, username="cc-office-reader")
    assert Client().get(detail, **bearer(viewer)).status_code == 200


def test_filters_select_and_an_invalid_one_is_refused(force, opcc, lead):
    early = _held_session(force, opcc, lead, held_on=date(2026, 1, 20), reference="R1")
    late = _held_session(force, opcc, lead, held_on=date(2026, 5, 19), reference="R2")
    services.session_mark_held(session=late, by=opcc)
    headers = bearer(opcc)
    url = reverse("api:session-list")

    def ids(query):
        return [row["id"] for row in Client().get(url, query, **headers).json()["results"]]

    assert ids({}) == [late.pk, early.pk]  # newest first
    assert ids({"status": "held"}) == [late.pk]
    assert ids({"held_to": "2026-02-01"}) == [early.pk]
    assert ids({"force": force.pk, "held_from": "2026-02-01"}) == [late.pk]
    assert Client().get(url, {"held_from": "soon"}, **headers).status_code == 400
    assert Client().get(url, {"status": "adjourned"}, **headers).status_code == 400


def test_each_read_is_audited_and_the_api_stays_read_only(force, opcc, lead):
    session = _held_session(force, opcc, lead)
    headers = bearer(opcc)
    Client().get(reverse("api:session-list"), {"status": "agenda_issued"}, **headers)
    event = AuditEvent.objects.filter(event=Event.API_READ).latest("pk")
    assert event.user == opcc and event.detail["filters"] == {"status": "agenda_issued"}
    detail = reverse("api:session-detail", args=[session.pk])
    for method in ("post", "put", "patch", "delete"):
        assert getattr(Client(), method)(detail, **headers).status_code in (403, 405)


def test_the_query_count_does_not_grow_with_the_sessions_on_a_page(force, opcc, lead):
    headers = bearer(opcc)
    url = reverse("api:session-list")
    _held_session(force, opcc, lead, held_on=date(2026, 1, 20), reference="R1")
    Client().get(url, **headers)  # notes the token's first use
    with CaptureQueriesContext(connection) as one:
        Client().get(url, **headers)
    for n, held_on in enumerate((date(2026, 2, 17), date(2026, 3, 17), date(2026, 4, 14))):
        _held_session(force, opcc, lead, held_on=held_on, reference=f"R{n + 2}")
    with CaptureQueriesContext(connection) as four:
        response = Client().get(url, **headers)
    assert len(response.json()["results"]) == 4
    assert len(four) == len(one)


def test_a_person_with_no_role_reads_no_sessions(force):
    nobody = make_user(None, force=force, username="no-role")
    nobody.groups.clear()
    assert Client().get(reverse("api:session-list"), **bearer(nobody)).status_code == 403


def test_the_description_lists_the_sessions_and_their_filters(opcc):
    schema = Client().get(reverse("api:schema"), {"format": "json"}, **bearer(opcc)).json()
    names = {p["name"] for p in schema["paths"]["/api/sessions/"]["get"]["parameters"]}
    assert {"force", "status", "kind", "held_from", "held_to", "page"} <= names
    assert "/api/sessions/{id}/" in schema["paths"]
