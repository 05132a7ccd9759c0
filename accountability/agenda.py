"""The agenda's selection rules: which findings, responses and actions a session of a
force should look at, and under which group.

Every rule is the domain's own (`recommendations.rules` through the finding queryset,
`publishing.rules` for the s.55 responses): a finding is "overdue" on the agenda exactly
when it is overdue on the dashboard. Dates are the meeting's: overdue by the day of the
meeting, due between the meeting and the next one.

Each subject appears once, under the first group it qualifies for, in the order the
meeting takes them: the previous session's actions first (follow-up), then overdue,
challenged, awaiting assurance, due before the next session, causes of concern of a force
in Engage, and s.55 responses due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from accountability.models import AgendaGroup, Session, SessionAction
from publishing import rules as publishing_rules
from recommendations.models import Action, Finding, MonitoringPeriod, Report

# When no later session of the force is planned, the next is taken to be this far on.
DEFAULT_INTERVAL = timedelta(weeks=8)


@dataclass(frozen=True)
class Candidate:
    group: AgendaGroup
    finding: Finding | None = None
    report: Report | None = None
    action: Action | None = None

    @property
    def key(self) -> tuple[str, int]:
        if self.action is not None:
            return ("action", self.action.pk)
        if self.finding is not None:
            return ("finding", self.finding.pk)
        return ("report", self.report.pk)  # type: ignore[union-attr]


def next_session_on(session: Session) -> date:
    """The date of the force's next session after this one, or DEFAULT_INTERVAL on."""
    later = (
        Session.objects.of_force(session.force_id)
        .filter(held_on__gt=session.held_on)
        .order_by("held_on")
        .values_list("held_on", flat=True)
        .first()
    )
    return later or session.held_on + DEFAULT_INTERVAL


def previous_session(session: Session) -> Session | None:
    return (
        Session.objects.of_force(session.force_id)
        .filter(Q(held_on__lt=session.held_on) | Q(held_on=session.held_on, pk__lt=session.pk))
        .order_by("-held_on", "-pk")
        .first()
    )


def candidates(session: Session) -> list[Candidate]:
    """What the session should look at, grouped and in the meeting's order."""
    on = session.held_on
    until = next_session_on(session)
    findings = Finding.objects.filter(force_id=session.force_id).order_by("due_on", "reference")
    chosen: list[Candidate] = []
    seen: set[int] = set()

    def take(group: AgendaGroup, rows: object) -> None:
        for finding in rows:
            if finding.pk not in seen:
                seen.add(finding.pk)
                chosen.append(Candidate(group, finding=finding))

    previous = previous_session(session)
    if previous is not None:
        links = SessionAction.objects.filter(session=previous).select_related("action__finding")
        chosen += [
            Candidate(AgendaGroup.PREVIOUS_ACTIONS, finding=link.action.finding, action=link.action)
            for link in links.order_by("action__due_on", "pk")
        ]
    take(AgendaGroup.OVERDUE, findings.overdue(today=on))
    take(AgendaGroup.CHALLENGED, findings.challenged())
    take(AgendaGroup.AWAITING_ASSURANCE, findings.awaiting_assurance())
    # Due from the meeting up to (not on) the next one: that one will see those.
    days = max((until - on).days - 1, 0)
    take(AgendaGroup.DUE_BEFORE_NEXT, findings.due_soon(today=on, days=days))
    engage = MonitoringPeriod.objects.current_engage().filter(force_id=session.force_id).first()
    if engage is not None:
        take(
            AgendaGroup.CAUSES_OF_CONCERN,
            engage.causes_of_concern.open().order_by("reference"),
        )
    reports = publishing_rules.outstanding(
        Report.objects.filter(Q(force_id=session.force_id) | Q(force__isnull=True))
    ).s55_response_due_by(until)
    # A national report is the force's to answer only when it tracks findings of it.
    reports = reports.filter(
        Q(force_id=session.force_id) | Q(findings__force_id=session.force_id)
    ).distinct()
    chosen += [
        Candidate(AgendaGroup.S55_RESPONSES, report=report)
        for report in reports.order_by("published_on", "pk")
    ]
    return chosen
