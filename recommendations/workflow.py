"""The finding status workflow: one table of transitions, checked in one place.

not started → in progress → reported complete (needs evidence) → assured by the
OPCC, or challenged (back to in progress, reason required) → closed by HMICFRS
(date and letter reference). Any open finding can also be superseded (needs the
successor) or marked no further action (needs a reason). A cause of concern is
closed by HMICFRS letter whatever the state of its own record, because the
force's work on it is tracked through its recommendations.

This module is pure: it decides, `services.py` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from recommendations.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Finding,
    FindingKind,
    Status,
)


class Transition(StrEnum):
    START = "start"
    REPORT_COMPLETE = "report_complete"
    ASSURE = "assure"
    CHALLENGE = "challenge"
    CLOSE = "close"
    SUPERSEDE = "supersede"
    NO_FURTHER_ACTION = "no_further_action"


@dataclass(frozen=True)
class Rule:
    sources: tuple[Status, ...]
    target: Status
    permission: str
    label: str


RULES: dict[Transition, Rule] = {
    Transition.START: Rule(
        (Status.NOT_STARTED,), Status.IN_PROGRESS, "recommendations.report_progress", "Start work"
    ),
    Transition.REPORT_COMPLETE: Rule(
        ACTIVE_STATUSES,
        Status.REPORTED_COMPLETE,
        "recommendations.report_progress",
        "Report complete",
    ),
    Transition.ASSURE: Rule(
        (Status.REPORTED_COMPLETE,), Status.ASSURED, "recommendations.assure_finding", "Assure"
    ),
    Transition.CHALLENGE: Rule(
        (Status.REPORTED_COMPLETE,),
        Status.IN_PROGRESS,
        "recommendations.assure_finding",
        "Challenge",
    ),
    Transition.CLOSE: Rule(
        (Status.ASSURED,), Status.CLOSED, "recommendations.close_finding", "Close (HMICFRS)"
    ),
    Transition.SUPERSEDE: Rule(
        OPEN_STATUSES, Status.SUPERSEDED, "recommendations.close_finding", "Supersede"
    ),
    Transition.NO_FURTHER_ACTION: Rule(
        OPEN_STATUSES,
        Status.NO_FURTHER_ACTION,
        "recommendations.close_finding",
        "No further action",
    ),
}


class TransitionRefused(Exception):
    """A transition the workflow does not allow from the finding's current status."""

    def __init__(self, finding: Finding, transition: Transition) -> None:
        self.finding = finding
        self.transition = transition
        super().__init__(
            f"{finding.reference} is {finding.get_status_display().lower()}, so it cannot be "
            f"moved by “{RULES[transition].label.lower()}”."
        )


def sources_for(finding: Finding, transition: Transition) -> tuple[Status, ...]:
    if transition is Transition.CLOSE and finding.kind == FindingKind.CAUSE_OF_CONCERN:
        return OPEN_STATUSES
    return RULES[transition].sources


def is_allowed(finding: Finding, transition: Transition) -> bool:
    return finding.status in sources_for(finding, transition)


def allowed_transitions(finding: Finding) -> list[Transition]:
    return [transition for transition in Transition if is_allowed(finding, transition)]


def target_of(transition: Transition) -> Status:
    return RULES[transition].target


def check(finding: Finding, transition: Transition) -> Status:
    """Return the status the transition leads to, or raise TransitionRefused."""
    if not is_allowed(finding, transition):
        raise TransitionRefused(finding, transition)
    return RULES[transition].target
