"""Writes with more than one row or a rule to enforce. Views and commands call these.

Every write that changes a finding takes the version the caller saw
(`expected_version`) and refuses if someone else saved in between, so a second
editor never silently overwrites the first (RELIABILITY.md §C1). The finding row
is locked with SELECT … FOR UPDATE for the check and the save, and saved through
the ORM so that django-simple-history records who changed what.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from oversight.storage import STORE_ERRORS, STORE_UNAVAILABLE, quietly
from recommendations import permissions, plaintext, uploads, workflow
from recommendations.history import changes_since
from recommendations.models import (
    AssessmentArea,
    AssuranceDecision,
    AssuranceOutcome,
    ClosureBasis,
    DueDateRevision,
    Evidence,
    Finding,
    FindingKind,
    Framework,
    GradedJudgment,
    Post,
    ProgressUpdate,
    Rag,
    Report,
    Status,
    User,
)
from recommendations.models.reports import GRADE_NOT_ON_SCALE, grade_label
from recommendations.workflow import Transition

PARENT_MUST_BE_CAUSE_OF_CONCERN = "A recommendation can only sit under a cause of concern."
ONLY_RECOMMENDATIONS_HAVE_PARENT = "Only a recommendation sits under a cause of concern."
PARENT_MUST_BE_IN_SAME_REPORT = "The cause of concern must come from the same report."
CAUSE_OF_CONCERN_HAS_NO_DEADLINE = "A cause of concern carries no deadline of its own."
REVISION_NEEDS_REASON = "Say why the due date is changing: the original date is kept."
DUE_DATE_OF_FINISHED_FINDING = "This finding is finished with, so its due date no longer moves."
REVISION_NEEDS_NEW_DATE = "The new due date is the same as the current one."
COMPLETION_NEEDS_EVIDENCE = "Attach evidence before reporting a finding complete."
CHALLENGE_NEEDS_REASON = "Give the reason for challenging the force's claim."
CLOSURE_NEEDS_DATE_AND_BASIS = (
    "Give the date HMICFRS closed it, and whether by letter or on its monitoring portal."
)
CHALLENGE_NEEDS_RATING = "Give the OPCC's own rating (red, amber or green) with the challenge."
SUCCESSOR_REQUIRED = "Choose the finding that supersedes this one."
SUCCESSOR_OF_ANOTHER_FORCE = (
    "Choose a finding of the same force (or a national one) that has not itself been superseded."
)
SUCCESSOR_NOT_SELF = "A finding cannot supersede itself."
NO_FURTHER_ACTION_NEEDS_REASON = "Say why no further action is needed."
OWNER_NOT_ELIGIBLE = (
    "{person} cannot own this finding: the owner must be a force lead or OPCC staff member "
    "who can see its force."
)
OPCC_LEAD_NOT_ELIGIBLE = (
    "{person} cannot lead on this finding: the OPCC lead must be OPCC staff who can see its force."
)
REFERENCE_TAKEN = (
    "This report already has a finding numbered {ref}: it was saved a moment ago, "
    "perhaps by a second click."
)
REPORT_TAKEN = (
    "This report is already recorded (same force, kind, title and publication date): "
    "it was saved a moment ago, perhaps by a second click."
)
OWNER_POST_NOT_ELIGIBLE = (
    "“{post}” cannot own this finding: choose a post of its force, or an OPCC post."
)
NOT_ALLOWED = "You do not have permission to do that to this finding."
JUDGMENT_AREA_NOT_GRADED = "Grade only the graded areas of the report's own framework."


class StaleVersion(Exception):
    """Someone saved the finding after the caller loaded it."""

    def __init__(self, current: Finding, expected_version: int) -> None:
        self.current = current
        self.expected_version = expected_version
        latest = current.history.select_related("history_user").first()
        self.changed_by = latest.history_user if latest and latest.history_user else None
        self.changed_at = timezone.localtime(latest.history_date) if latest else None
        self.changes = changes_since(current, expected_version)
        who = self.changed_by or "someone else"
        when = f" at {self.changed_at:%H:%M on %-d %B %Y}" if self.changed_at else ""
        super().__init__(
            f"{current.reference} was changed by {who}{when} after you opened it. "
            "Your changes were not saved: review the latest version below and try again."
        )


@dataclass(frozen=True)
class EvidenceFile:
    file: UploadedFile
    effective_on: date
    description: str = ""


def _attribute(obj: models.Model, by: User | None, reason: str = "") -> None:
    """Tell django-simple-history who made the change, for writes outside a request."""
    obj._history_user = by  # type: ignore[attr-defined]
    if reason:
        obj._change_reason = reason  # type: ignore[attr-defined]


def lock_finding(finding: Finding, expected_version: int) -> Finding:
    """The finding locked for this transaction; StaleVersion if saved since the caller saw it."""
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if locked.version != expected_version:
        raise StaleVersion(locked, expected_version)
    return locked


def save_finding(finding: Finding, by: User | None, reason: str = "") -> None:
    """Save a locked finding as a new version, attributed to `by` in its history."""
    finding.version += 1
    _attribute(finding, by, reason)
    finding.save()


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(NOT_ALLOWED)


def finding_shape_errors(
    *, kind: str, parent_kind: str | None, has_due_date: bool
) -> dict[str, str]:
    """The rules on a finding's shape, as field → message (empty when it is sound).

    Only a recommendation sits under a parent, and the parent is a cause of concern;
    a cause of concern carries no deadline. The database holds the same rules as
    constraints; forms and imports show these messages rather than repeat the rules.
    """
    errors = {}
    if parent_kind is not None:
        if kind != FindingKind.RECOMMENDATION:
            errors["parent"] = ONLY_RECOMMENDATIONS_HAVE_PARENT
        elif parent_kind != FindingKind.CAUSE_OF_CONCERN:
            errors["parent"] = PARENT_MUST_BE_CAUSE_OF_CONCERN
    if kind == FindingKind.CAUSE_OF_CONCERN and has_due_date:
        errors["due_on"] = CAUSE_OF_CONCERN_HAS_NO_DEADLINE
    return errors


def _validate_shape(
    *, kind: str, report: Report, parent: Finding | None, due_on: date | None
) -> None:
    errors = finding_shape_errors(
        kind=kind, parent_kind=parent.kind if parent else None, has_due_date=due_on is not None
    )
    if errors:
        raise ValidationError(errors)
    if parent is not None and parent.report_id != report.pk:
        raise ValidationError({"parent": PARENT_MUST_BE_IN_SAME_REPORT})


def _take_owner_from_post(fields: dict[str, object], force_id: int | None) -> None:
    """An owner post names the owner: its holder (or nobody while it is vacant)."""
    if "owner_post" not in fields:
        return
    post = fields["owner_post"]
    if (
        post is not None
        and not Post.objects.active().for_force(force_id).filter(pk=post.pk).exists()
    ):
        raise ValidationError({"owner_post": OWNER_POST_NOT_ELIGIBLE.format(post=post)})
    fields["owner"] = post.holder if post is not None else None


def _validate_people(*, force_id: int | None, owner: object, opcc_lead: object) -> None:
    """Only people who may see a finding can own it or lead on it: they are emailed its
    reference and title."""
    errors = {}
    if isinstance(owner, User) and not (
        User.objects.owner_candidates(force_id).filter(pk=owner.pk).exists()
    ):
        errors["owner"] = OWNER_NOT_ELIGIBLE.format(person=owner)
    if isinstance(opcc_lead, User) and not (
        User.objects.opcc_lead_candidates(force_id).filter(pk=opcc_lead.pk).exists()
    ):
        errors["opcc_lead"] = OPCC_LEAD_NOT_ELIGIBLE.format(person=opcc_lead)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def finding_create(
    *,
    report: Report,
    kind: FindingKind | str,
    reference: str,
    text: str,
    created_by: User | None,
    parent: Finding | None = None,
    due_on: date | None = None,
    themes: Iterable[models.Model] = (),
    **fields: object,
) -> Finding:
    if created_by is not None:
        _require(permissions.can_add_finding_to(created_by, report))
    _validate_shape(kind=kind, report=report, parent=parent, due_on=due_on)
    fields.setdefault("force", report.force)
    force = fields["force"]
    _take_owner_from_post(fields, force.pk if force else None)
    _validate_people(
        force_id=force.pk if force else None,
        owner=fields.get("owner"),
        opcc_lead=fields.get("opcc_lead"),
    )
    finding = Finding(
        report=report,
        kind=kind,
        reference=reference.strip(),
        text=text.strip(),
        parent=parent,
        due_on=due_on,
        original_due_on=due_on,
        **fields,
    )
    finding.full_clean(exclude=["themes"])
    _attribute(finding, created_by, "Created")
    try:
        with transaction.atomic():
            finding.save()
    except IntegrityError as exc:
        # full_clean checked every constraint; a twin submitted at the same moment (a
        # double click) can still take the reference between that check and this save.
        raise ValidationError({"reference": REFERENCE_TAKEN.format(ref=finding.reference)}) from exc
    finding.themes.set(themes)
    return finding


# Fields an ordinary edit may change. Status, due date and version move only
# through their own services; force and report never change after creation.
EDITABLE_FIELDS = (
    "kind",
    "reference",
    "text",
    "parent",
    "addressee",
    "timeframe",
    "owner",
    "owner_post",
    "opcc_lead",
    "rag",
)


@transaction.atomic
def finding_update(
    *,
    finding: Finding,
    expected_version: int,
    changed_by: User,
    themes: Iterable[models.Model] | None = None,
    **changes: object,
) -> Finding:
    _require(permissions.can_edit(changed_by, finding))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    finding = lock_finding(finding, expected_version)
    _take_owner_from_post(changes, finding.force_id)
    for name, value in changes.items():
        setattr(finding, name, value)
    _validate_shape(
        kind=finding.kind, report=finding.report, parent=finding.parent, due_on=finding.due_on
    )
    if "owner" in changes or "opcc_lead" in changes:
        _validate_people(
            force_id=finding.force_id,
            # A post's holder was checked when they took the post.
            owner=None if "owner_post" in changes else changes.get("owner"),
            opcc_lead=changes.get("opcc_lead"),
        )
    finding.full_clean(exclude=["themes"])
    save_finding(finding, changed_by)
    if themes is not None:
        finding.themes.set(themes)
    return finding


@transaction.atomic
def finding_revise_due_date(
    *, finding: Finding, expected_version: int, new_due_on: date, reason: str, revised_by: User
) -> DueDateRevision:
    """Move the deadline, keeping the original date and recording why (UK practice for slips)."""
    _require(permissions.can_edit(revised_by, finding))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": REVISION_NEEDS_REASON})
    finding = lock_finding(finding, expected_version)
    if finding.kind == FindingKind.CAUSE_OF_CONCERN:
        raise ValidationError({"new_due_on": CAUSE_OF_CONCERN_HAS_NO_DEADLINE})
    if not finding.due_date_revisable:
        raise ValidationError({"new_due_on": DUE_DATE_OF_FINISHED_FINDING})
    if new_due_on == finding.due_on:
        raise ValidationError({"new_due_on": REVISION_NEEDS_NEW_DATE})
    revision = DueDateRevision.objects.create(
        finding=finding,
        previous_due_on=finding.due_on,
        new_due_on=new_due_on,
        reason=reason,
        revised_by=revised_by,
    )
    if finding.original_due_on is None:
        # A finding with no deadline gets its first one: that is the original.
        finding.original_due_on = new_due_on
    finding.due_on = new_due_on
    save_finding(finding, revised_by, f"Due date revised: {reason}")
    return revision


def _move(finding: Finding, transition: Transition, by: User, reason: str = "") -> None:
    """Apply a workflow transition to a locked finding (not saved)."""
    finding.status = workflow.check(finding, transition)
    finding.status_changed_at = timezone.now()
    if finding.status != Status.IN_PROGRESS:
        finding.challenged_at = None


@transaction.atomic
def finding_transition_start(*, finding: Finding, expected_version: int, by: User) -> Finding:
    _require(permissions.can_apply(by, finding, Transition.START))
    finding = lock_finding(finding, expected_version)
    _move(finding, Transition.START, by)
    save_finding(finding, by, "Work started")
    return finding


@transaction.atomic
def progress_update_add(
    *,
    finding: Finding,
    expected_version: int,
    author: User,
    narrative: str,
    rag: Rag | str,
    as_at: date,
    evidence: Iterable[EvidenceFile] = (),
    reports_complete: bool = False,
) -> ProgressUpdate:
    """Post an update (with any evidence). The first update starts work; it may claim completion."""
    _require(permissions.can_report_progress(author, finding))
    evidence = list(evidence)
    finding = lock_finding(finding, expected_version)
    if reports_complete:
        workflow.check(finding, Transition.REPORT_COMPLETE)
        if not evidence and not Evidence.objects.filter(update__finding=finding).exists():
            raise ValidationError(COMPLETION_NEEDS_EVIDENCE)
    update = ProgressUpdate(
        finding=finding,
        narrative=narrative.strip(),
        rag=rag,
        as_at=as_at,
        author=author,
        reports_complete=reports_complete,
    )
    update.full_clean()
    _attribute(update, author)
    update.save()
    stored: list[Evidence] = []
    try:
        for item in evidence:
            stored.append(evidence_attach(update=update, item=item, uploaded_by=author))
    except BaseException:
        # The rows roll back with the transaction; the files must go too.
        for row in stored:
            with quietly():
                row.file.delete(save=False)
        raise

    if reports_complete:
        _move(finding, Transition.REPORT_COMPLETE, author)
    elif finding.status == Status.NOT_STARTED:
        _move(finding, Transition.START, author)
    finding.rag = update.rag
    save_finding(finding, author, "Progress update")
    return update


def evidence_attach(*, update: ProgressUpdate, item: EvidenceFile, uploaded_by: User) -> Evidence:
    """Store one file under a server-generated name and record it against the update."""
    # The browser's name and type are its own: NUL and control characters out of the name,
    # and the type from the checked extension (a client may send text/html or 500 bytes).
    original_name = plaintext.single_line((item.file.name or "").replace("\x00", ""))[:255]
    evidence = Evidence(
        update=update,
        original_name=original_name or "evidence",
        content_type=uploads.stored_content_type(original_name),
        size=item.file.size,
        effective_on=item.effective_on,
        description=item.description,
        uploaded_by=uploaded_by,
    )
    storage = evidence.file.storage
    name = evidence.file.field.generate_filename(evidence, original_name or "evidence")
    try:
        try:
            evidence.file.name = storage.save(name, item.file)
        except STORE_ERRORS as exc:
            raise ValidationError(STORE_UNAVAILABLE, code="store_unavailable") from exc
        _attribute(evidence, uploaded_by)
        evidence.save()
    except BaseException:
        # A failed write can leave a partial file behind under the generated name.
        with quietly():
            storage.delete(evidence.file.name or name)
        raise
    return evidence


@transaction.atomic
def finding_assure(
    *,
    finding: Finding,
    expected_version: int,
    decided_by: User,
    reason: str = "",
    opcc_rag: Rag | str = Rag.GREEN,
) -> AssuranceDecision:
    """Accept the force's completion claim, with the OPCC's own rating (green unless said)."""
    _require(permissions.can_apply(decided_by, finding, Transition.ASSURE))
    finding = lock_finding(finding, expected_version)
    _move(finding, Transition.ASSURE, decided_by)
    decision = _record_decision(
        finding, AssuranceOutcome.ACCEPTED, reason, decided_by, opcc_rag or Rag.GREEN
    )
    save_finding(finding, decided_by, "Assured by OPCC")
    return decision


@transaction.atomic
def finding_challenge(
    *,
    finding: Finding,
    expected_version: int,
    decided_by: User,
    reason: str,
    opcc_rag: Rag | str,
) -> AssuranceDecision:
    """Refuse the force's completion claim: back to in progress, with the reason and the
    OPCC's own rating on record, so the force's rating never stands alone."""
    _require(permissions.can_apply(decided_by, finding, Transition.CHALLENGE))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": CHALLENGE_NEEDS_REASON})
    if opcc_rag not in Rag.values:
        raise ValidationError({"opcc_rag": CHALLENGE_NEEDS_RATING})
    finding = lock_finding(finding, expected_version)
    _move(finding, Transition.CHALLENGE, decided_by)
    finding.challenged_at = finding.status_changed_at
    decision = _record_decision(finding, AssuranceOutcome.CHALLENGED, reason, decided_by, opcc_rag)
    save_finding(finding, decided_by, f"Challenged: {reason}")
    return decision


def _record_decision(
    finding: Finding, outcome: AssuranceOutcome, reason: str, decided_by: User, opcc_rag: str
) -> AssuranceDecision:
    claim = finding.updates.filter(reports_complete=True).order_by("-created_at").first()
    decision = AssuranceDecision(
        finding=finding,
        update=claim,
        outcome=outcome,
        reason=reason.strip(),
        decided_by=decided_by,
        opcc_rag=opcc_rag,
    )
    _attribute(decision, decided_by)
    decision.save()
    finding.opcc_rag = opcc_rag
    return decision


@transaction.atomic
def finding_close(
    *,
    finding: Finding,
    expected_version: int,
    closed_by: User,
    closed_on: date,
    basis: ClosureBasis | str = ClosureBasis.LETTER,
    reference: str = "",
) -> Finding:
    """Record that HMICFRS has closed the finding: by letter (causes of concern) or by a
    status change on its monitoring portal (most recommendations). The date and the basis
    are required; the reference is optional."""
    _require(permissions.can_apply(closed_by, finding, Transition.CLOSE))
    reference = reference.strip()
    if not closed_on or basis not in ClosureBasis.values:
        raise ValidationError(CLOSURE_NEEDS_DATE_AND_BASIS)
    finding = lock_finding(finding, expected_version)
    _move(finding, Transition.CLOSE, closed_by)
    finding.closed_on = closed_on
    finding.closure_basis = basis
    finding.closure_reference = reference
    how = ClosureBasis(basis).label
    save_finding(
        finding, closed_by, f"Closed by HMICFRS: {how}" + (f" {reference}" if reference else "")
    )
    return finding


@transaction.atomic
def finding_supersede(
    *, finding: Finding, expected_version: int, successor: Finding | None, by: User
) -> Finding:
    _require(permissions.can_apply(by, finding, Transition.SUPERSEDE))
    if successor is None:
        raise ValidationError({"successor": SUCCESSOR_REQUIRED})
    if successor.pk == finding.pk:
        raise ValidationError({"successor": SUCCESSOR_NOT_SELF})
    if not Finding.objects.possible_successors_of(finding).filter(pk=successor.pk).exists():
        raise ValidationError({"successor": SUCCESSOR_OF_ANOTHER_FORCE})
    finding = lock_finding(finding, expected_version)
    _move(finding, Transition.SUPERSEDE, by)
    finding.superseded_by = successor
    save_finding(finding, by, f"Superseded by {successor.reference}")
    return finding


@transaction.atomic
def finding_mark_no_further_action(
    *, finding: Finding, expected_version: int, reason: str, by: User
) -> Finding:
    _require(permissions.can_apply(by, finding, Transition.NO_FURTHER_ACTION))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": NO_FURTHER_ACTION_NEEDS_REASON})
    finding = lock_finding(finding, expected_version)
    _move(finding, Transition.NO_FURTHER_ACTION, by)
    finding.no_further_action_reason = reason
    save_finding(finding, by, "No further action")
    return finding


@transaction.atomic
def report_save(*, report: Report, grades: dict[int, str], by: User) -> Report:
    """Save a report and its graded judgments together (an empty grade removes the judgment).

    Each grade must be on the report's framework's scale, for one of its graded areas;
    judgments of another framework (the report's framework was changed) are removed.
    """
    if report.pk is not None:
        _require(permissions.can_change_report(by, Report.objects.get(pk=report.pk)))
    allowed = permissions.can_change_report if report.pk else permissions.can_add_report
    _require(allowed(by, report))
    _attribute(report, by)
    report.full_clean()
    if report.framework_id is not None and any(grades.values()):
        # framework_save takes the same lock: a scale or area changed meanwhile is seen
        # here, and a judgment recorded here is seen there.
        Framework.objects.select_for_update().filter(pk=report.framework_id).first()
    areas = AssessmentArea.objects.select_related("framework").in_bulk(
        [area_id for area_id, grade in grades.items() if grade]
    )
    for area_id, grade in grades.items():
        if grade:
            _check_judgment(report, areas.get(area_id), grade)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise ValidationError(REPORT_TAKEN) from exc
    GradedJudgment.objects.filter(report=report).exclude(
        area__framework_id=report.framework_id
    ).delete()
    for area_id, grade in grades.items():
        if grade:
            GradedJudgment.objects.update_or_create(
                report=report, area_id=area_id, defaults={"grade": grade}
            )
        else:
            GradedJudgment.objects.filter(report=report, area_id=area_id).delete()
    return report


def _check_judgment(report: Report, area: AssessmentArea | None, grade: str) -> None:
    if area is None or area.framework_id != report.framework_id or not area.is_graded:
        raise ValidationError(JUDGMENT_AREA_NOT_GRADED)
    if not area.framework.is_on_scale(grade):
        raise ValidationError(
            GRADE_NOT_ON_SCALE.format(grade=grade_label(grade), framework=area.framework)
        )
