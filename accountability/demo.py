"""Illustrative sessions for the demo (`manage.py seed_demo` calls this after the domain's
scenario and publishing's): one past session with its questions, answers, minutes and
actions, and one planned session with its proposed agenda.

Every text is written for the demo. Idempotent: sessions are found by their titles, and
a session already there is left as it is, so a second run changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from accountability import services
from accountability.models import AgendaGroup, Decision, Session
from recommendations.models import Force, Post, User

DEMO_FORCE_SLUG = "northmoor-constabulary-illustrative"
PAST_TITLE = "Performance and accountability board (illustrative)"
NEXT_TITLE = "Next performance and accountability board (illustrative)"
POST_TITLE = "ACC Protecting Vulnerable People (illustrative)"

QUESTIONS = (
    "What is stopping this work, and when will it be finished? (Illustrative.)",
    "What evidence will show the OPCC that the change has made a difference? (Illustrative.)",
)
ANSWERS = (
    "Recruitment to two investigator posts has slowed the work; both start next month and "
    "the plan is back on track for the revised date. (Illustrative.)",
    "A dip-sample audit of thirty cases, reviewed by the safeguarding partnership, will be "
    "shared before the next board. (Illustrative.)",
)
RECORDS = (
    (
        Decision.MORE_EVIDENCE,
        "The Chief Constable described the recruitment delay. The PCC "
        "asked for the audit results before accepting the revised date. (Illustrative.)",
    ),
    (
        Decision.ESCALATE,
        "No owner has been named for this work. The PCC will raise it with "
        "the Chief Constable directly. (Illustrative.)",
    ),
    (
        Decision.NO_CHANGE,
        "Progress was noted; the force will report again at the next board. (Illustrative.)",
    ),
)
ACTIONS = (
    (
        "Share the dip-sample audit of thirty child protection cases with the OPCC (illustrative).",
        -7,
    ),
    ("Name an owner and a delivery date for this recommendation (illustrative).", 14),
)


@transaction.atomic
def seed_sessions(*, today: date) -> None:
    force = Force.objects.get(slug=DEMO_FORCE_SLUG)
    opcc = User.objects.get(username="opcc")
    lead = User.objects.get(username="forcelead")
    post, _ = Post.objects.get_or_create(force=force, title=POST_TITLE, defaults={"holder": lead})
    if not Session.objects.filter(force=force, title=PAST_TITLE).exists():
        _past_session(force, opcc, lead, post, today=today)
    if not Session.objects.filter(force=force, title=NEXT_TITLE).exists():
        session = services.session_create(
            force=force,
            held_on=today + timedelta(days=21),
            by=opcc,
            title=NEXT_TITLE,
            location="Police and Crime Commissioner's office",
            attendee_people=[opcc],
            attendee_posts=[post],
            other_attendees="Chief Constable\nDeputy Chief Constable",
        )
        services.agenda_propose(session=session, by=opcc)


def _past_session(force: Force, opcc: User, lead: User, post: Post, *, today: date) -> None:
    session = services.session_create(
        force=force,
        held_on=today - timedelta(days=42),
        by=opcc,
        title=PAST_TITLE,
        location="Police and Crime Commissioner's office",
        attendee_people=[opcc],
        attendee_posts=[post],
        other_attendees="Chief Constable\nDeputy Chief Constable",
    )
    items = [
        item
        for item in services.agenda_propose(session=session, by=opcc)
        if item.group != AgendaGroup.S55_RESPONSES
    ][:3]
    questions = [
        services.question_ask(item=item, text=text, to_post=post, by=opcc)
        for item, text in zip(items, QUESTIONS, strict=False)
    ]
    # Its reminders are for a date now past, so compose drops them: no one is emailed.
    services.agenda_issue(session=session, by=opcc)
    for question, text in zip(questions, ANSWERS, strict=False):
        services.answer_give(question=question, text=text, by=lead)
    services.session_mark_held(session=session, by=opcc)
    for item, (decision, said) in zip(items, RECORDS, strict=False):
        services.item_record(item=item, said=said, decision=decision, by=opcc)
    for item, (description, days) in zip(items, ACTIONS, strict=False):
        services.session_action_add(
            item=item,
            description=description,
            owner_post=post,
            due_on=today + timedelta(days=days),
            by=opcc,
        )
    services.minutes_approve(session=session, by=opcc)
