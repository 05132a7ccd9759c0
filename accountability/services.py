"""Writes to sessions: planning, the agenda, questions and answers, issuing the agenda,
the meeting's record and its actions, approving the minutes.

Each write is one transaction with its audit event: a refused change raises
ValidationError (messages are module constants) or PermissionDenied and writes nothing.
A session's status changes under a row lock, so two clicks cannot both move it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accountability import access, agenda
from accountability.models import (
    GROUP_ORDER,
    AgendaGroup,
    AgendaItem,
    Answer,
    Decision,
    ItemRecord,
    Question,
    Session,
    SessionAction,
    SessionKind,
    SessionStatus,
)
from audit import services as audit
from recommendations import permissions as finding_permissions
from recommendations import services as finding_services
from recommendations.models import Action, Finding, Force, Post, Rag, Status, User
from recommendations.workflow import Transition
from reminders import services as reminders
from reminders.audience import Audience
from reminders.models import ItemType, ReminderKind

AGENDA_CLOSED = "The meeting has been held: its agenda no longer changes."
RECORD_CLOSED = (
    "The record can be written once the agenda is issued, and only until the minutes are approved."
)
ANSWERS_CLOSED = "Written answers are taken once the agenda is issued, until the meeting."
NOT_ISSUABLE = "Only a planned session, or one whose agenda is already out, can issue its agenda."
EMPTY_AGENDA = "The agenda is empty: propose it or add items before issuing it."
NOT_HELD_YET = "Only a session whose agenda was issued can be marked as held."
NOT_APPROVABLE = "The minutes can be approved once the session has been held."
FINDING_OF_ANOTHER_FORCE = "Choose a finding of the session's force."
ALREADY_ON_AGENDA = "{reference} is already on the agenda."
POST_OF_ANOTHER_FORCE = "Choose a post of the session's force."
ACTION_NEEDS_FINDING = (
    "Actions are agreed on findings: this item is an s.55 response. Record the action on "
    "one of the report's findings."
)
ACTION_NEEDS_DESCRIPTION = "Say what is to be done."
QUESTION_NEEDS_TEXT = "Write the question."
ANSWER_NEEDS_TEXT = "Write the answer."
SAID_NEEDED = "Say briefly what was said."
PEOPLE_OF_ANOTHER_FORCE = "Attendees must be people who can see the session's force."

# What an item record says when the decision reached (or did not reach) the finding.
APPLIED = {
    Decision.ASSURED: "The finding was assured through the workflow.",
    Decision.CHALLENGED: "The finding's completion claim was challenged through the workflow.",
}
RECORDED_ONLY = (
    "Recorded here only: the finding is {status}, and only a finding reported complete "
    "can be {verb} through the workflow."
)
RECORDED_ONLY_NOT_ALLOWED = "Recorded here only: you may not {verb} this finding in the workflow."


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _lock(session: Session) -> Session:
    return Session.objects.select_for_update().select_related("force").get(pk=session.pk)


def _check_attendees(force: Force, people: Iterable[User], posts: Iterable[Post]) -> None:
    if any(not access.sees_force(person, force.pk) for person in people):
        raise ValidationError({"attendee_people": PEOPLE_OF_ANOTHER_FORCE})
    if any(post.force_id not in (None, force.pk) for post in posts):
        raise ValidationError({"attendee_posts": POST_OF_ANOTHER_FORCE})


# ---------------------------------------------------------------- the session


@transaction.atomic
def session_create(
    *,
    force: Force,
    held_on: date,
    by: User,
    kind: SessionKind | str = SessionKind.ACCOUNTABILITY_BOARD,
    title: str = "",
    location: str = "",
    other_attendees: str = "",
    attendee_people: Iterable[User] = (),
    attendee_posts: Iterable[Post] = (),
) -> Session:
    _require(access.can_plan_for(by, force))
    people, posts = list(attendee_people), list(attendee_posts)
    _check_attendees(force, people, posts)
    session = Session(
        force=force,
        held_on=held_on,
        kind=kind,
        title=title.strip(),
        location=location.strip(),
        other_attendees=other_attendees.strip(),
        created_by=by,
    )
    session.full_clean()
    session.save()
    session.attendee_people.set(people)
    session.attendee_posts.set(posts)
    audit.record(audit.Event.CREATED, user=by, obj=session, detail={"status": session.status})
    return session


SESSION_FIELDS = ("held_on", "kind", "title", "location", "other_attendees")


@transaction.atomic
def session_update(
    *,
    session: Session,
    by: User,
    attendee_people: Iterable[User] | None = None,
    attendee_posts: Iterable[Post] | None = None,
    **changes: Any,
) -> Session:
    _require(access.can_manage(by, session))
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    session = _lock(session)
    people = list(attendee_people) if attendee_people is not None else None
    posts = list(attendee_posts) if attendee_posts is not None else None
    _check_attendees(session.force, people or [], posts or [])
    before = {name: str(getattr(session, name)) for name in changes}
    for name, value in changes.items():
        setattr(session, name, value.strip() if isinstance(value, str) else value)
    session.full_clean()
    session.save()
    if people is not None:
        session.attendee_people.set(people)
    if posts is not None:
        session.attendee_posts.set(posts)
    after = {name: str(getattr(session, name)) for name in changes}
    audit.record(
        audit.Event.CHANGED,
        user=by,
        obj=session,
        detail={"action": "session edited", "before": before, "after": after},
    )
    return session


# ---------------------------------------------------------------- the agenda


def _next_order(session: Session, group: str) -> int:
    """Items are numbered in steps of ten within their group's block, so OPCC staff can
    slot one in between without renumbering the rest."""
    block = GROUP_ORDER[group] * 1000
    last = session.items.filter(order__gte=block, order__lt=block + 1000).aggregate(
        last=Max("order")
    )["last"]
    return block + 10 if last is None else last + 10


@transaction.atomic
def agenda_propose(*, session: Session, by: User) -> list[AgendaItem]:
    """Add what the selection rules find and the agenda lacks; keep what is there (with its
    notes and questions). Returns the items added."""
    _require(access.can_manage(by, session))
    session = _lock(session)
    if not session.agenda_open:
        raise ValidationError(AGENDA_CLOSED)
    have = set()
    for finding_id, report_id, action_id in session.items.values_list(
        "finding_id", "report_id", "action_id"
    ):
        if action_id is not None:
            have.add(("action", action_id))
        elif finding_id is not None:
            have.add(("finding", finding_id))
        else:
            have.add(("report", report_id))
    added = []
    for candidate in agenda.candidates(session):
        if candidate.key in have:
            continue
        have.add(candidate.key)
        added.append(
            AgendaItem.objects.create(
                session=session,
                group=candidate.group,
                order=_next_order(session, candidate.group),
                finding=candidate.finding,
                report=candidate.report,
                action=candidate.action,
                added_by=by,
            )
        )
    audit.record(
        audit.Event.CHANGED,
        user=by,
        obj=session,
        detail={"action": "agenda proposed", "added": [str(item.subject)[:80] for item in added]},
    )
    return added


@transaction.atomic
def agenda_item_add(*, session: Session, finding: Finding, by: User, note: str = "") -> AgendaItem:
    """OPCC staff put a finding on the agenda themselves."""
    _require(access.can_manage(by, session))
    session = _lock(session)
    if not session.agenda_open:
        raise ValidationError(AGENDA_CLOSED)
    if finding.force_id != session.force_id:
        raise ValidationError({"finding": FINDING_OF_ANOTHER_FORCE})
    if session.items.filter(finding=finding, action__isnull=True).exists():
        raise ValidationError({"finding": ALREADY_ON_AGENDA.format(reference=finding.reference)})
    item = AgendaItem.objects.create(
        session=session,
        group=AgendaGroup.OTHER,
        order=_next_order(session, AgendaGroup.OTHER),
        finding=finding,
        note=note.strip(),
        added_by=by,
    )
    audit.record(audit.Event.CREATED, user=by, obj=item, detail={"session": session.pk})
    return item


@transaction.atomic
def agenda_item_update(*, item: AgendaItem, by: User, note: str, order: int) -> AgendaItem:
    _require(access.can_manage(by, item.session))
    session = _lock(item.session)
    if not session.agenda_open:
        raise ValidationError(AGENDA_CLOSED)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    before = {"note": item.note, "order": item.order}
    item.note, item.order = note.strip(), order
    item.save(update_fields=["note", "order"])
    audit.record(
        audit.Event.CHANGED,
        user=by,
        obj=item,
        detail={"before": before, "after": {"note": item.note, "order": item.order}},
    )
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: User) -> None:
    _require(access.can_manage(by, item.session))
    session = _lock(item.session)
    if not session.agenda_open:
        raise ValidationError(AGENDA_CLOSED)
    audit.record(
        audit.Event.DELETED,
        user=by,
        obj=item,
        detail={"session": session.pk, "questions": item.questions.count()},
    )
    item.delete()


# ---------------------------------------------------------------- questions and answers


@transaction.atomic
def question_ask(*, item: AgendaItem, text: str, by: User, to_post: Post | None) -> Question:
    _require(access.can_manage(by, item.session))
    session = _lock(item.session)
    if not session.agenda_open:
        raise ValidationError(AGENDA_CLOSED)
    if not text.strip():
        raise ValidationError({"text": QUESTION_NEEDS_TEXT})
    if to_post is not None and to_post.force_id != session.force_id:
        raise ValidationError({"to_post": POST_OF_ANOTHER_FORCE})
    question = Question.objects.create(item=item, text=text.strip(), to_post=to_post, asked_by=by)
    audit.record(
        audit.Event.CREATED,
        user=by,
        obj=question,
        detail={"session": session.pk, "item": item.pk, "to_post": str(to_post or "")},
    )
    return question


@transaction.atomic
def answer_give(*, question: Question, text: str, by: User) -> Answer:
    """The holder of the post asked writes (or rewrites) the answer before the meeting."""
    _require(access.can_answer(by, question))
    session = _lock(question.item.session)
    if not session.answers_open:
        raise ValidationError(ANSWERS_CLOSED)
    if not text.strip():
        raise ValidationError({"text": ANSWER_NEEDS_TEXT})
    answer, created = Answer.objects.select_for_update().get_or_create(
        question=question,
        defaults={"text": text.strip(), "post": question.to_post, "answered_by": by},
    )
    if not created:
        answer.text, answer.post, answer.answered_by = text.strip(), question.to_post, by
        answer.save()
    audit.record(
        audit.Event.CREATED if created else audit.Event.CHANGED,
        user=by,
        obj=answer,
        detail={"session": session.pk, "question": question.pk, "post": str(question.to_post)},
    )
    return answer


# ---------------------------------------------------------------- issuing the agenda


def _owners(session: Session) -> set[int]:
    """The people the agenda concerns: the current holders of the posts that own its
    findings and actions (or their owners, where no post owns them), and of the posts
    its questions are put to."""
    owners: set[int] = set()
    items = session.items.select_related("finding", "action", "report")
    for finding_owner, action_owner in items.values_list("finding__owner_id", "action__owner_id"):
        owners |= {finding_owner, action_owner}
    owners |= set(
        Question.objects.filter(item__session=session).values_list("to_post__holder_id", flat=True)
    )
    owners.discard(None)
    return owners  # type: ignore[return-value]


@transaction.atomic
def agenda_issue(*, session: Session, by: User, now: datetime | None = None) -> int:
    """Issue (or issue again) the agenda: each owner is emailed through the reminder
    outbox. The reminder's key is (person, session, its date): issuing again records
    nothing new for anyone already told, so no one is emailed twice; someone new on the
    agenda is told. Returns how many people were newly told."""
    _require(access.can_manage(by, session))
    now = now or timezone.now()
    session = _lock(session)
    if session.status not in (SessionStatus.PLANNED, SessionStatus.AGENDA_ISSUED):
        raise ValidationError(NOT_ISSUABLE)
    if not session.items.exists():
        raise ValidationError(EMPTY_AGENDA)
    first = session.status == SessionStatus.PLANNED
    if first:
        session.status = SessionStatus.AGENDA_ISSUED
        session.agenda_issued_at, session.agenda_issued_by = now, by
        session.save(update_fields=["status", "agenda_issued_at", "agenda_issued_by"])
    audience = Audience.load()
    rows = [
        (
            user_id,
            "",  # a person's reminder: the address is the team's only
            ItemType.SESSION.value,
            session.pk,
            ReminderKind.SESSION_AGENDA.value,
            session.held_on,
            session.held_on,
        )
        for user_id in sorted(_owners(session))
        if audience.sees(user_id, session.force_id)
        and audience.wants(user_id, ReminderKind.SESSION_AGENDA)
    ]
    told = reminders.reminders_record(rows)
    audit.record(
        audit.Event.CHANGED,
        user=by,
        obj=session,
        detail={
            "action": "agenda issued" if first else "agenda issued again",
            "owners": len(rows),
            "newly_told": told,
        },
    )
    return told


@transaction.atomic
def session_mark_held(*, session: Session, by: User) -> Session:
    _require(access.can_manage(by, session))
    session = _lock(session)
    if session.status != SessionStatus.AGENDA_ISSUED:
        raise ValidationError(NOT_HELD_YET)
    session.status = SessionStatus.HELD
    session.save(update_fields=["status"])
    audit.record(audit.Event.CHANGED, user=by, obj=session, detail={"action": "session held"})
    return session


@transaction.atomic
def minutes_approve(*, session: Session, by: User, now: datetime | None = None) -> Session:
    _require(access.can_manage(by, session))
    session = _lock(session)
    if session.status != SessionStatus.HELD:
        raise ValidationError(NOT_APPROVABLE)
    session.status = SessionStatus.MINUTES_APPROVED
    session.minutes_approved_at, session.minutes_approved_by = now or timezone.now(), by
    session.save(update_fields=["status", "minutes_approved_at", "minutes_approved_by"])
    audit.record(audit.Event.CHANGED, user=by, obj=session, detail={"action": "minutes approved"})
    return session


# ---------------------------------------------------------------- the record


def _through_workflow(
    finding: Finding, decision: str, *, by: User, said: str, opcc_rag: str
) -> tuple[bool, str]:
    """Carry an "assured" or "challenged" decision to the finding through the workflow's
    own services (same rules, same history), where the finding's state allows it."""
    transition = Transition.ASSURE if decision == Decision.ASSURED else Transition.CHALLENGE
    verb = "assured" if decision == Decision.ASSURED else "challenged"
    finding = Finding.objects.get(pk=finding.pk)
    if finding.status != Status.REPORTED_COMPLETE:
        return False, RECORDED_ONLY.format(status=finding.get_status_display().lower(), verb=verb)
    if not finding_permissions.can_apply(by, finding, transition):
        return False, RECORDED_ONLY_NOT_ALLOWED.format(verb=verb)
    if decision == Decision.ASSURED:
        finding_services.finding_assure(
            finding=finding,
            expected_version=finding.version,
            decided_by=by,
            reason=said,
            opcc_rag=opcc_rag or Rag.GREEN,
        )
    else:
        finding_services.finding_challenge(
            finding=finding,
            expected_version=finding.version,
            decided_by=by,
            reason=said,
            opcc_rag=opcc_rag,
        )
    return True, APPLIED[Decision(decision)]


@transaction.atomic
def item_record(
    *, item: AgendaItem, said: str, decision: Decision | str, by: User, opcc_rag: str = ""
) -> ItemRecord:
    """Record what was said and decided on an item, in one transaction with its audit
    event and, for "assured" or "challenged" on a finding reported complete, the
    workflow's own assurance decision."""
    _require(access.can_manage(by, item.session))
    session = _lock(item.session)
    if not session.record_open:
        raise ValidationError(RECORD_CLOSED)
    said = said.strip()
    if not said:
        raise ValidationError({"said": SAID_NEEDED})
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision."})
    record = ItemRecord.objects.select_for_update().filter(item=item).first()
    before = {"said": record.said, "decision": record.decision} if record else None
    applied, note = False, ""
    changes_workflow = decision in (Decision.ASSURED, Decision.CHALLENGED) and (
        record is None or record.decision != decision or not record.workflow_applied
    )
    if changes_workflow and item.finding_id is not None and item.action_id is None:
        # The finding service's ValidationError (a challenge needs a rating) rolls all back.
        applied, note = _through_workflow(
            item.finding, decision, by=by, said=said, opcc_rag=opcc_rag
        )
    elif decision in (Decision.ASSURED, Decision.CHALLENGED) and record and record.workflow_applied:
        applied, note = True, record.workflow_note
    elif decision in (Decision.ASSURED, Decision.CHALLENGED):
        note = "Recorded here only: the workflow assures findings, and this item is not one."
    if record is None:
        record = ItemRecord(item=item)
    record.said, record.decision, record.recorded_by = said, decision, by
    record.workflow_applied, record.workflow_note = applied, note[:300]
    record.full_clean(exclude=["item"])
    record.save()
    audit.record(
        audit.Event.CREATED if before is None else audit.Event.CHANGED,
        user=by,
        obj=record,
        detail={
            "session": session.pk,
            "decision": decision,
            "workflow_applied": applied,
            **({"before": before} if before else {}),
        },
    )
    return record


@transaction.atomic
def session_action_add(
    *,
    item: AgendaItem,
    description: str,
    owner_post: Post | None,
    due_on: date | None,
    by: User,
) -> Action:
    """An action agreed at the session: an ordinary action on the item's finding, owned by
    the post (and so by its holder), linked back to the session."""
    _require(access.can_manage(by, item.session))
    session = _lock(item.session)
    if not session.record_open:
        raise ValidationError(RECORD_CLOSED)
    if item.finding_id is None:
        raise ValidationError(ACTION_NEEDS_FINDING)
    if not description.strip():
        raise ValidationError({"description": ACTION_NEEDS_DESCRIPTION})
    if owner_post is not None and owner_post.force_id not in (None, session.force_id):
        raise ValidationError({"owner_post": POST_OF_ANOTHER_FORCE})
    action = Action(
        finding_id=item.finding_id,
        description=description.strip(),
        owner_post=owner_post,
        owner=owner_post.holder if owner_post is not None else None,
        due_on=due_on,
    )
    action.full_clean()
    action._history_user = by  # type: ignore[attr-defined]
    action.save()
    SessionAction.objects.create(action=action, session=session, item=item, created_by=by)
    audit.record(
        audit.Event.CREATED,
        user=by,
        obj=action,
        detail={"session": session.pk, "item": item.pk, "due_on": str(due_on or "")},
    )
    return action
