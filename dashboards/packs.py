"""The performance and accountability session pack: the dashboard, and what the session works on.

Overdue and at-risk items with their latest update and owner, completion claims
awaiting assurance, and the decisions the figures call for.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.figures import Dashboard, dashboard
from dashboards.scope import Scope
from recommendations.models import Finding, Status

PACK_LIST_LIMIT = 50


@dataclass(frozen=True)
class Decision:
    text: str
    link: str = ""


@dataclass(frozen=True)
class Pack:
    dashboard: Dashboard
    overdue: list[Finding]
    awaiting_assurance: list[Finding]
    decisions: list[Decision]


def build(scope: Scope) -> Pack:
    """The dashboard plus the item lists a performance and accountability session works through."""
    board = dashboard(scope, at_risk_limit=PACK_LIST_LIMIT, for_pack=True)
    today = scope.today
    findings = (
        scope.findings()
        .select_related("report", "owner", "owner_post__holder", "force")
        .with_latest_update()
    )
    overdue = list(findings.overdue(today=today).order_by("due_on", "pk")[:PACK_LIST_LIMIT])
    awaiting = list(
        findings.awaiting_assurance().order_by("status_changed_at", "pk")[:PACK_LIST_LIMIT]
    )
    return Pack(
        dashboard=board,
        overdue=overdue,
        awaiting_assurance=awaiting,
        decisions=_decisions(board, awaiting),
    )


def _decisions(board: Dashboard, awaiting: list[Finding]) -> list[Decision]:
    """What the session is asked to decide, derived from the figures."""
    scope, counts = board.scope, board.counts
    decisions = []
    if counts["awaiting_assurance"]:
        oldest = min((f.status_changed_at for f in awaiting if f.status_changed_at), default=None)
        waited = f" (the oldest has waited since {oldest:%-d %B %Y})" if oldest else ""
        decisions.append(
            Decision(
                f"Assure or challenge {_n(counts['awaiting_assurance'], 'completion claim')} "
                f"from the force{waited}.",
                scope.link(status=Status.REPORTED_COMPLETE),
            )
        )
    unowned = next((row for row in board.breakdowns.owners if row.label == "No owner"), None)
    if unowned and unowned.overdue.value:
        decisions.append(
            Decision(
                f"Name an owner for {_n(unowned.overdue.value, 'overdue finding')} that "
                "nobody in the force owns.",
                unowned.overdue.link,
            )
        )
    if board.forecast.at_risk:
        decisions.append(
            Decision(
                f"Agree a recovery plan, or a revised date with a reason, for "
                f"{_n(board.forecast.at_risk, 'recommendation')} projected to miss the "
                "deadline at the current rate of closure."
            )
        )
    if counts["overdue"]:
        decisions.append(
            Decision(
                f"Hold the force to account for {_n(counts['overdue'], 'overdue finding')}: "
                "ask for revised dates and reasons where deadlines have slipped.",
                scope.link(overdue="on"),
            )
        )
    for row in board.s55.rows:
        if row.days_left is not None and row.days_left <= 28:
            when = (
                f"{-row.days_left} days late"
                if row.days_left < 0
                else f"by {row.due_on:%-d %B %Y} ({_n(row.days_left, 'day')} left)"
            )
            decisions.append(
                Decision(
                    f"Publish the PCC's response to “{row.report.title}” (s.55): {when}.",
                    row.report.get_absolute_url(),
                )
            )
    if board.engage and board.engage.next_ppog:
        decisions.append(
            Decision(
                f"Agree the update for the PPOG on {board.engage.next_ppog:%-d %B %Y} on "
                + _n(board.engage.causes_open, "open cause of concern", "open causes of concern")
                + "."
            )
        )
    return decisions


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"
