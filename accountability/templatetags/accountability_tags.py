"""What the domain's pages show of sessions, without the domain knowing of them: a
finding's page lists the sessions that discussed it, My work the session actions and
questions waiting for the person. Each is a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Prefetch

from accountability.models import AgendaItem, Question, SessionKind, SessionStatus
from recommendations.models import Action, Finding, User

register = template.Library()


@register.inclusion_tag("accountability/_finding_sessions.html")
def finding_sessions(finding: Finding) -> dict[str, Any]:
    """Each session that had the finding on its agenda, with its questions, the force's
    answers and the decision. The session is of the finding's force, so whoever sees the
    finding sees it."""
    questions = Question.objects.select_related("to_post", "answer__post")
    items = (
        AgendaItem.objects.filter(finding=finding)
        .select_related("session", "record", "action")
        .prefetch_related(Prefetch("questions", queryset=questions), "actions__action")
        .order_by("-session__held_on", "order")
    )
    return {"items": list(items)}


@register.inclusion_tag("accountability/_my_work.html", takes_context=True)
def my_session_work(context: dict[str, Any]) -> dict[str, Any]:
    """Open actions from sessions that the person owns, and questions put to posts they
    hold that wait for a written answer."""
    user: User = context["user"]
    if not user.has_perm("accountability.view_session"):
        return {"actions": [], "questions": []}
    actions = (
        Action.objects.open()
        .filter(owner=user, session_link__isnull=False)
        .select_related("finding", "session_link__session")
        .order_by("due_on", "pk")[:50]
    )
    questions = []
    if user.has_perm("accountability.add_answer"):
        questions = list(
            Question.objects.filter(
                to_post__holder=user,
                item__session__status=SessionStatus.AGENDA_ISSUED,
                answer__isnull=True,
            )
            .select_related("item__session", "to_post")
            .order_by("item__session__held_on", "pk")[:50]
        )
    return {"actions": list(actions), "questions": questions, "today": context.get("today")}


@register.inclusion_tag("accountability/_dashboard_panel.html")
def dashboard_sessions(board: Any) -> dict[str, Any]:
    """The dashboard's sessions panel: the coming sessions and the open actions agreed at
    sessions, for the force in view, from the names the dashboard has already loaded
    (`dashboards.scope.load_names`), so it costs no query of its own."""
    scope = board.scope
    force_id = scope.force_id

    def in_view(row: Any) -> bool:
        return force_id is None or row.force_id == force_id

    sessions = [
        {
            "pk": row.pk,
            "day": row.day,
            "kind": SessionKind(row.label).label,
            "force": scope.force_name(row.force_id),
        }
        for row in scope.names.sessions
        if in_view(row)
    ]
    actions = [row for row in scope.names.session_actions if in_view(row)]
    overdue = [row for row in actions if row.day is not None and row.day < scope.today]
    return {
        "sessions": sessions[:5],
        "open_actions": len(actions),
        "overdue_actions": overdue[:10],
        "overdue_count": len(overdue),
        "one_force": force_id is not None,
    }
