"""HMICFRS's own record of a finding, beside Oversight's: its ID and status on the
inspectorate's monitoring portal, and Oversight's statuses told in HMICFRS's words.

HMICFRS closes most recommendations by a status change on its portal; Oversight's
status says where the work stands from the force's and the OPCC's side. The export in
HMICFRS's vocabulary lets the OPCC compare the two, line by line.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from recommendations import permissions, services
from recommendations.models import Finding, HmicfrsStatus, Status, User

# Oversight's statuses in HMICFRS's words. Work the force reports complete, or the OPCC
# has assured, waits for HMICFRS to review it.
IN_HMICFRS_TERMS: dict[str, HmicfrsStatus] = {
    Status.NOT_STARTED: HmicfrsStatus.BEING_PROGRESSED,
    Status.IN_PROGRESS: HmicfrsStatus.BEING_PROGRESSED,
    Status.REPORTED_COMPLETE: HmicfrsStatus.AWAITING_REVIEW,
    Status.ASSURED: HmicfrsStatus.AWAITING_REVIEW,
    Status.CLOSED: HmicfrsStatus.COMPLETED,
    Status.SUPERSEDED: HmicfrsStatus.SUPERSEDED,
    Status.NO_FURTHER_ACTION: HmicfrsStatus.NO_FURTHER_ACTION_NEEDED,
}

STATUS_NEEDS_DATE = "Say when you checked HMICFRS's portal."


def in_hmicfrs_terms(status: str) -> HmicfrsStatus:
    return IN_HMICFRS_TERMS[status]


@transaction.atomic
def finding_hmicfrs_record(
    *,
    finding: Finding,
    expected_version: int,
    by: User,
    hmicfrs_id: str,
    hmicfrs_status: str,
    checked_on: date | None,
) -> Finding:
    """Record HMICFRS's ID and its status for the finding as seen on its portal today."""
    if not permissions.can_edit(by, finding):
        raise PermissionDenied(services.NOT_ALLOWED)
    if hmicfrs_status and checked_on is None:
        raise ValidationError({"checked_on": STATUS_NEEDS_DATE})
    if hmicfrs_status and hmicfrs_status not in HmicfrsStatus.values:
        raise ValidationError({"hmicfrs_status": "Choose one of HMICFRS's statuses."})
    finding = services.lock_finding(finding, expected_version)
    finding.hmicfrs_id = hmicfrs_id.strip()
    finding.hmicfrs_status = hmicfrs_status
    finding.hmicfrs_status_checked_on = checked_on if hmicfrs_status else None
    label = HmicfrsStatus(hmicfrs_status).label if hmicfrs_status else "none recorded"
    services.save_finding(finding, by, f"HMICFRS status: {label}")
    return finding
