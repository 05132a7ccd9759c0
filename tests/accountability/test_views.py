"""The session pages by role, and the pack and minutes (PDF text and .docx) holding the
questions, answers, decisions and actions."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accountability import services
from accountability.models import Answer, ItemRecord, Session, SessionStatus
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(session, overdue, post, lead, opcc):
    """A session through its whole cycle: a question answered, a decision, an action."""
    item = services.agenda_item_add(session=session, finding=overdue, by=opcc)
    question = services.question_ask(
        item=item, text="What is stopping the audits?", to_post=post, by=opcc
    )
    services.agenda_issue(session=session, by=opcc)
    services.answer_give(question=question, text="Two vacancies in the audit team.", by=lead)
    services.session_mark_held(session=session, by=opcc)
    services.item_record(
        item=item, said="The force will recruit by May.", decision="more_evidence", by=opcc
    )
    services.session_action_add(
        item=item,
        description="Send the recruitment plan",
        owner_post=post,
        due_on=date(2026, 5, 1),
        by=opcc,
    )
    services.minutes_approve(session=session, by=opcc)
    return item


def test_opcc_staff_plan_a_session_from_the_form(client, opcc, force, post):
    client.force_login(opcc)
    response = client.post(
        reverse("accountability:session-create"),
        {
            "force": force.pk,
            "held_on": "2026-05-12",
            "kind": "scrutiny_panel",
            "title": "",
            "attendee_posts": [post.pk],
            "other_attendees": "Chief Constable",
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302 and response.url == session.get_absolute_url()
    assert list(session.attendee_posts.all()) == [post]
    assert session.name == "Scrutiny panel: Testshire Constabulary"


def test_a_date_out_of_range_is_refused_with_a_message(client, opcc, force):
    client.force_login(opcc)
    response = client.post(
        reverse("accountability:session-create"),
        {"force": force.pk, "held_on": "1890-01-01", "kind": "scrutiny_panel"},
    )
    assert response.status_code == 200
    assert "Enter a date from" in response.content.decode()
    assert not Session.objects.exists()


def test_the_lead_answers_from_the_page_and_others_only_read(
    client, session, overdue, post, lead, other_lead, viewer, opcc
):
    item = services.agenda_item_add(session=session, finding=overdue, by=opcc)
    question = services.question_ask(item=item, text="When?", to_post=post, by=opcc)
    services.agenda_issue(session=session, by=opcc)
    answer_url = reverse("accountability:answer", args=[question.pk])

    client.force_login(lead)
    page = client.get(session.get_absolute_url()).content.decode()
    assert answer_url in page and "Record the decision" not in page
    response = client.post(answer_url, {"text": "By June."})
    assert response.status_code == 302
    assert Answer.objects.get().text == "By June."

    for reader in (other_lead, viewer):
        client.force_login(reader)
        page = client.get(session.get_absolute_url()).content.decode()
        assert "By June." in page
        assert answer_url not in page and "Issue the agenda" not in page
        assert client.post(answer_url, {"text": "Mine."}).status_code == 403
    assert Answer.objects.get().text == "By June."


def test_an_empty_answer_is_refused_with_a_message(client, session, overdue, post, lead, opcc):
    item = services.agenda_item_add(session=session, finding=overdue, by=opcc)
    question = services.question_ask(item=item, text="When?", to_post=post, by=opcc)
    services.agenda_issue(session=session, by=opcc)
    client.force_login(lead)
    response = client.post(reverse("accountability:answer", args=[question.pk]), {"text": " "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_issuing_from_the_page_twice_says_no_one_is_told_twice(client, session, overdue, opcc):
    services.agenda_item_add(session=session, finding=overdue, by=opcc)
    client.force_login(opcc)
    url = reverse("accountability:agenda-issue", args=[session.pk])
    first = client.post(url, follow=True).content.decode()
    assert "1 owner newly told" in first
    again = client.post(url, follow=True).content.decode()
    assert "0 owners newly told" in again
    session.refresh_from_db()
    assert session.status == SessionStatus.AGENDA_ISSUED


def test_a_decision_recorded_only_says_so_on_the_page(client, session, overdue, opcc):
    item = services.agenda_item_add(session=session, finding=overdue, by=opcc)
    services.agenda_issue(session=session, by=opcc)
    client.force_login(opcc)
    response = client.post(
        reverse("accountability:item-record", args=[item.pk]),
        {"said": "Good progress.", "decision": "assured", "opcc_rag": ""},
        follow=True,
    )
    page = response.content.decode()
    assert "Recorded here only: the finding is not started" in page
    assert ItemRecord.objects.get().decision == "assured"


def test_the_minutes_pdf_holds_every_decision_and_action(client, cycle, session, viewer):
    client.force_login(viewer)
    response = client.get(reverse("accountability:minutes-pdf", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages
    ).replace("\n", " ")
    for expected in (
        "Minutes",
        "More evidence needed",
        "The force will recruit by May.",
        "Send the recruitment plan",
        "Two vacancies in the audit team.",
        "Approved by",
    ):
        assert expected in text
    assert AuditEvent.objects.filter(event="pack_produced", object_id=str(session.pk)).exists()


def test_the_minutes_docx_holds_every_decision_and_action(client, cycle, session, viewer):
    from docx import Document

    client.force_login(viewer)
    response = client.get(reverse("accountability:minutes-docx", args=[session.pk]))
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "Decision: More evidence needed." in text
    assert "Discussed: The force will recruit by May." in text
    assert "Action: Send the recruitment plan" in text
    assert "Answer from ACC Crime: Two vacancies in the audit team." in text
    assert "More evidence needed" in cells and "Send the recruitment plan" in cells


def test_the_agenda_pack_prints_questions_and_pdf_and_docx_open(client, cycle, session, lead):
    from docx import Document

    client.force_login(lead)
    page = client.get(reverse("accountability:agenda", args=[session.pk])).content.decode()
    assert "What is stopping the audits?" in page
    pdf = client.get(reverse("accountability:agenda-pdf", args=[session.pk]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Agenda pack" in text and "What is stopping" in text
    docx = client.get(reverse("accountability:agenda-docx", args=[session.pk]))
    assert "What is stopping the audits?" in "\n".join(
        p.text for p in Document(io.BytesIO(docx.content)).paragraphs
    )


def test_the_session_page_costs_the_same_queries_for_a_short_and_a_long_agenda(
    client, session, report, post, lead, opcc
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_finding

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(session.get_absolute_url()).status_code == 200
        return len(captured)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            finding = make_finding(report=report, owner_post=post, reference=f"Q{i}")
            item = services.agenda_item_add(session=session, finding=finding, by=opcc)
            services.question_ask(item=item, text=f"Question {i}?", to_post=post, by=opcc)

    client.force_login(opcc)
    add(2, 0)
    short = count()
    add(8, 2)
    assert count() == short
