"""The agenda's selection rules against hand-built data: what each group takes, what it
leaves, and that each subject appears once, in the meeting's order."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accountability import agenda, services
from accountability.models import AgendaGroup
from recommendations.models import Finding, FindingKind, MonitoringPeriod, MonitoringPhase, Status
from tests.accountability.conftest import MEETING
from tests.factories import make_finding, make_report

pytestmark = pytest.mark.django_db

NEXT = MEETING + agenda.DEFAULT_INTERVAL


def _finding(report, post, reference, *, due_on=None, status=None, challenged=False, **more):
    finding = make_finding(
        report=report, owner_post=post, reference=reference, due_on=due_on, status=status, **more
    )
    if challenged:
        Finding.objects.filter(pk=finding.pk).update(challenged_at=timezone.now())
    return finding


def _chosen(session) -> list[tuple[str, str]]:
    return [
        (
            c.group.value,
            c.finding.reference if c.finding else c.report.title,
        )
        for c in agenda.candidates(session)
    ]


def test_each_group_takes_what_its_rule_says_and_nothing_else(
    session, report, post, force, other_force
):
    _finding(report, post, "R-late", due_on=MEETING - timedelta(days=1))
    _finding(report, post, "R-today", due_on=MEETING)  # due on the day: not overdue yet
    _finding(report, post, "R-soon", due_on=MEETING + timedelta(days=20))
    _finding(report, post, "R-at-next", due_on=NEXT)  # the next session sees it
    _finding(report, post, "R-far", due_on=NEXT + timedelta(days=30))
    _finding(
        report,
        post,
        "R-challenged",
        due_on=NEXT + timedelta(days=30),
        status=Status.IN_PROGRESS,
        challenged=True,
    )
    _finding(
        report, post, "R-claimed", due_on=NEXT + timedelta(days=5), status=Status.REPORTED_COMPLETE
    )
    _finding(report, post, "R-assured", due_on=MEETING - timedelta(days=9), status=Status.ASSURED)
    _finding(
        report,
        post,
        "R-closed",
        due_on=MEETING - timedelta(days=9),
        status=Status.CLOSED,
        closed_on=date(2026, 1, 1),
        closure_basis="letter",
    )
    elsewhere = make_report(force=other_force, response_published_on=date(2025, 5, 1))
    make_finding(report=elsewhere, reference="X-late", due_on=MEETING - timedelta(days=30))

    assert _chosen(session) == [
        ("overdue", "R-late"),
        ("challenged", "R-challenged"),
        ("awaiting_assurance", "R-claimed"),
        ("due_before_next", "R-today"),
        ("due_before_next", "R-soon"),
    ]


def test_a_finding_in_two_groups_is_listed_once_under_the_first(session, report, post):
    _finding(
        report,
        post,
        "R-both",
        due_on=MEETING - timedelta(days=5),
        status=Status.IN_PROGRESS,
        challenged=True,
    )
    assert _chosen(session) == [("overdue", "R-both")]


def test_the_next_planned_session_ends_the_due_before_window(session, report, post, force, opcc):
    services.session_create(force=force, held_on=MEETING + timedelta(days=14), by=opcc)
    _finding(report, post, "R-week", due_on=MEETING + timedelta(days=7))
    _finding(report, post, "R-fortnight", due_on=MEETING + timedelta(days=14))
    assert _chosen(session) == [("due_before_next", "R-week")]


def test_causes_of_concern_only_while_the_force_is_in_engage(session, report, force):
    cause = make_finding(report=report, kind=FindingKind.CAUSE_OF_CONCERN, reference="C1")
    make_finding(
        report=report,
        kind=FindingKind.CAUSE_OF_CONCERN,
        reference="C2",
        status=Status.NO_FURTHER_ACTION,
        no_further_action_reason="Addressed.",
    )
    assert _chosen(session) == []
    period = MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2025, 12, 1)
    )
    period.causes_of_concern.add(cause, Finding.objects.get(reference="C2"))
    assert _chosen(session) == [("causes_of_concern", "C1")]


def test_s55_responses_due_by_the_next_session_and_not_yet_published(session, force, other_force):
    due = make_report(force=force, title="Due soon", published_on=MEETING - timedelta(days=30))
    make_report(force=force, title="Later", published_on=NEXT)  # last day after the next session
    make_report(
        force=force,
        title="Published",
        published_on=MEETING - timedelta(days=40),
        response_published_on=MEETING - timedelta(days=2),
    )
    make_report(force=other_force, title="Theirs", published_on=MEETING - timedelta(days=30))
    national = make_report(force=None, title="National", published_on=MEETING - timedelta(days=20))
    make_report(
        force=None, title="National, none of ours", published_on=MEETING - timedelta(days=20)
    )
    make_finding(report=national, force=force, reference="N1", due_on=NEXT + timedelta(days=90))
    assert _chosen(session) == [("s55_responses", due.title), ("s55_responses", national.title)]


def test_the_previous_sessions_actions_come_first(session, report, post, force, opcc):
    finding = _finding(report, post, "R-later", due_on=NEXT + timedelta(days=90))
    earlier = services.session_create(force=force, held_on=MEETING - timedelta(days=56), by=opcc)
    item = services.agenda_item_add(session=earlier, finding=finding, by=opcc)
    earlier.status = "agenda_issued"
    earlier.agenda_issued_at = timezone.now()
    earlier.save()
    action = services.session_action_add(
        item=item, description="Audit a sample", owner_post=post, due_on=MEETING, by=opcc
    )
    _finding(report, post, "R-late", due_on=MEETING - timedelta(days=1))
    candidates = agenda.candidates(session)
    assert (candidates[0].group, candidates[0].action) == (AgendaGroup.PREVIOUS_ACTIONS, action)
    assert _chosen(session) == [("previous_actions", "R-later"), ("overdue", "R-late")]


def test_proposing_twice_adds_nothing_twice_and_keeps_notes(session, report, post, opcc):
    _finding(report, post, "R-late", due_on=MEETING - timedelta(days=1))
    [item] = services.agenda_propose(session=session, by=opcc)
    services.agenda_item_update(item=item, by=opcc, note="Ask about the backlog.", order=5)
    _finding(report, post, "R-soon", due_on=MEETING + timedelta(days=3))
    added = services.agenda_propose(session=session, by=opcc)
    assert [a.finding.reference for a in added] == ["R-soon"]
    item.refresh_from_db()
    assert item.note == "Ask about the backlog."
    assert session.items.count() == 2
