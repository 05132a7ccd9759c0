"""Questions and answers by role, the meeting's record (one transaction, audited, through
the workflow where it can be), session actions, and the session's statuses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accountability import services
from accountability.models import Answer, Decision, ItemRecord, SessionStatus
from audit.models import AuditEvent
from recommendations.models import (
    Action,
    AssuranceDecision,
    Finding,
    Post,
    Status,
)
from recommendations.services import EvidenceFile, progress_update_add
from tests.accountability.conftest import MEETING
from tests.factories import make_finding, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(session, overdue, opcc):
    return services.agenda_item_add(session=session, finding=overdue, by=opcc)


@pytest.fixture
def question(item, post, opcc):
    return services.question_ask(
        item=item, text="When will the backlog clear?", to_post=post, by=opcc
    )


def _issue(session, opcc):
    services.agenda_issue(session=session, by=opcc)
    session.refresh_from_db()


def _claimed(report, post, lead):
    """A finding the force has reported complete, with evidence."""
    finding = make_finding(report=report, owner_post=post, reference="R7", due_on=MEETING)
    progress_update_add(
        finding=finding,
        expected_version=finding.version,
        author=lead,
        narrative="Done: see the audit.",
        rag="green",
        as_at=MEETING - timedelta(days=10),
        evidence=[EvidenceFile(pdf_upload(), MEETING - timedelta(days=11))],
        reports_complete=True,
    )
    finding.refresh_from_db()
    assert finding.status == Status.REPORTED_COMPLETE
    return finding


# ---------------------------------------------------------------- questions and answers


def test_the_post_holder_answers_once_the_agenda_is_issued(session, question, lead, opcc):
    with pytest.raises(ValidationError, match="once the agenda is issued"):
        services.answer_give(question=question, text="By June.", by=lead)
    _issue(session, opcc)
    answer = services.answer_give(question=question, text="By June.", by=lead)
    assert (answer.post, answer.answered_by) == (question.to_post, lead)
    services.answer_give(question=question, text="By the end of June.", by=lead)
    assert Answer.objects.get().text == "By the end of June."
    events = AuditEvent.objects.filter(object_type="accountability.Answer")
    assert [e.event for e in events.order_by("id")] == ["created", "changed"]


@pytest.mark.parametrize("who", ["other_lead", "viewer", "opcc", "outsider"])
def test_no_one_but_the_holder_of_the_post_asked_answers(request, session, question, opcc, who):
    _issue(session, opcc)
    with pytest.raises(PermissionDenied):
        services.answer_give(question=question, text="An answer.", by=request.getfixturevalue(who))
    assert not Answer.objects.exists()


def test_a_new_holder_answers_for_the_post_and_the_old_one_no_longer_can(
    session, question, post, lead, other_lead, opcc
):
    _issue(session, opcc)
    Post.objects.filter(pk=post.pk).update(holder=other_lead)
    question.to_post.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.answer_give(question=question, text="Mine.", by=lead)
    services.answer_give(question=question, text="Mine now.", by=other_lead)


@pytest.mark.parametrize("who", ["lead", "viewer", "outsider"])
def test_only_opcc_staff_of_the_force_ask_questions(request, item, post, who):
    with pytest.raises(PermissionDenied):
        services.question_ask(item=item, text="Why?", to_post=post, by=request.getfixturevalue(who))


def test_a_question_goes_to_a_post_of_the_sessions_force(item, opcc, other_force):
    theirs = Post.objects.create(title="ACC Elsewhere", force=other_force)
    with pytest.raises(ValidationError, match="post of the session's force"):
        services.question_ask(item=item, text="Why?", to_post=theirs, by=opcc)


def test_nothing_on_the_agenda_changes_once_the_session_is_held(session, item, post, opcc):
    _issue(session, opcc)
    services.session_mark_held(session=session, by=opcc)
    with pytest.raises(ValidationError, match="no longer changes"):
        services.question_ask(item=item, text="Late?", to_post=post, by=opcc)
    with pytest.raises(ValidationError, match="no longer changes"):
        services.agenda_propose(session=session, by=opcc)


# ---------------------------------------------------------------- the record


def test_assured_goes_through_the_workflow_in_one_audited_transaction(
    session, report, post, lead, opcc
):
    finding = _claimed(report, post, lead)
    item = services.agenda_item_add(session=session, finding=finding, by=opcc)
    _issue(session, opcc)
    before = AuditEvent.objects.count()
    record = services.item_record(
        item=item, said="The audit shows the change is embedded.", decision="assured", by=opcc
    )
    finding.refresh_from_db()
    assert finding.status == Status.ASSURED
    assert record.workflow_applied and "assured through the workflow" in record.workflow_note
    decision = AssuranceDecision.objects.get(finding=finding)
    assert decision.reason == "The audit shows the change is embedded."
    assert finding.history.first().history_user == opcc
    # The workflow's own audit events, then the session's record: one transaction.
    audit = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.event, e.object_type) for e in audit] == [
        ("created", "recommendations.AssuranceDecision"),
        ("changed", "recommendations.Finding"),
        ("created", "accountability.ItemRecord"),
    ]
    assert audit[-1].detail["decision"] == "assured"
    assert audit[-1].detail["workflow_applied"] is True


def test_a_challenge_without_a_rating_is_refused_and_writes_nothing(
    session, report, post, lead, opcc
):
    finding = _claimed(report, post, lead)
    item = services.agenda_item_add(session=session, finding=finding, by=opcc)
    _issue(session, opcc)
    before = (AuditEvent.objects.count(), AssuranceDecision.objects.count())
    with pytest.raises(ValidationError):
        services.item_record(item=item, said="Not convinced.", decision="challenged", by=opcc)
    assert not ItemRecord.objects.exists()
    assert (AuditEvent.objects.count(), AssuranceDecision.objects.count()) == before
    assert Finding.objects.get(pk=finding.pk).status == Status.REPORTED_COMPLETE
    services.item_record(
        item=item, said="Not convinced.", decision="challenged", by=opcc, opcc_rag="amber"
    )
    finding.refresh_from_db()
    assert finding.status == Status.IN_PROGRESS and finding.is_challenged
    assert finding.opcc_rag == "amber"


def test_a_decision_the_findings_state_does_not_allow_is_recorded_only(session, item, opcc):
    _issue(session, opcc)
    record = services.item_record(item=item, said="Still late.", decision="assured", by=opcc)
    assert not record.workflow_applied
    assert "Recorded here only: the finding is not started" in record.workflow_note
    assert Finding.objects.get(pk=item.finding_id).status == Status.NOT_STARTED
    record = services.item_record(item=item, said="Still late.", decision="no_change", by=opcc)
    assert (record.decision, record.workflow_note) == (Decision.NO_CHANGE, "")


@pytest.mark.parametrize("who", ["lead", "viewer", "outsider"])
def test_only_opcc_staff_record_the_meeting(request, session, item, opcc, who):
    _issue(session, opcc)
    with pytest.raises(PermissionDenied):
        services.item_record(
            item=item, said="x", decision="no_change", by=request.getfixturevalue(who)
        )


def test_the_record_is_closed_once_the_minutes_are_approved(session, item, opcc):
    with pytest.raises(ValidationError, match="once the agenda is issued"):
        services.item_record(item=item, said="Early.", decision="no_change", by=opcc)
    _issue(session, opcc)
    services.session_mark_held(session=session, by=opcc)
    services.item_record(item=item, said="Agreed.", decision="more_evidence", by=opcc)
    services.minutes_approve(session=session, by=opcc)
    session.refresh_from_db()
    assert session.status == SessionStatus.MINUTES_APPROVED and session.minutes_approved_at
    with pytest.raises(ValidationError, match="until the minutes are approved"):
        services.item_record(item=item, said="Changed.", decision="no_change", by=opcc)


# ---------------------------------------------------------------- actions


def test_a_session_action_is_an_ordinary_action_owned_by_the_post_holder(
    session, item, post, lead, opcc
):
    _issue(session, opcc)
    action = services.session_action_add(
        item=item,
        description="Report the backlog weekly",
        owner_post=post,
        due_on=date(2026, 4, 30),
        by=opcc,
    )
    assert (action.finding, action.owner, action.owner_post) == (item.finding, lead, post)
    assert action.session_link.session == session
    assert Finding.objects.involving(lead).filter(pk=item.finding_id).exists()
    assert AuditEvent.objects.filter(
        object_type="recommendations.Action", object_id=str(action.pk), event="created"
    ).exists()


def test_an_s55_item_takes_no_action(session, force, opcc, post):
    from tests.factories import make_report

    report = make_report(force=force, published_on=MEETING - timedelta(days=20))
    [item] = services.agenda_propose(session=session, by=opcc)
    assert item.report == report
    _issue(session, opcc)
    with pytest.raises(ValidationError, match=r"s\.55 response"):
        services.session_action_add(
            item=item, description="Draft it", owner_post=post, due_on=None, by=opcc
        )
    assert not Action.objects.exists()


def test_issuing_an_empty_agenda_is_refused(session, opcc):
    with pytest.raises(ValidationError, match="agenda is empty"):
        services.agenda_issue(session=session, by=opcc)
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED
