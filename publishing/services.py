"""Writes to what the PCC publishes: starting and drafting a response, moving it through
its stages, keeping uploaded final versions, public summaries and releases.

Each write is one transaction: a refused change raises ValidationError (messages are
module constants) and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from publishing import access
from publishing.models import (
    NARRATIVE_FIELDS,
    PublicRelease,
    PublicSummary,
    RecommendationResponse,
    ResponseDocument,
    S55Response,
    Stage,
)
from recommendations import plaintext, uploads
from recommendations.models import Finding, FindingKind, Force, ProgressUpdate, Report, User

STALE = (
    "Someone else changed this response while you were editing it. Nothing was saved: "
    "reload the page to see their changes."
)
NOT_EDITABLE = "The response is {stage}: reopen it as a draft to change it."
NOT_ALLOWED = "A response that is {stage} cannot be moved to “{to}”."
UNANSWERED = (
    "The response cannot be approved while {refs} {verb} neither steps taken or planned "
    "nor a reason why no action will be taken."
)
BOTH_ANSWERS = "Give either the steps taken or planned, or why no action will be taken, not both."
DATE_NEEDED = "Enter the date."
REASON_NEEDED = "Say why s.55 does not apply to this report."
COMMENTS_NEEDED = "Enter the chief constable's comments or upload them as a file."
PUBLICATION_NEEDED = "Give the web address where the response is published, or upload it first."
BEFORE_REPORT = "The date cannot be before the report was published."
FORCE_NOT_ANSWERING = "This report is another force's: only that force answers it."
SUMMARY_NEEDED = "Write a public summary before marking {reference} publishable."

# Which stage may follow which. The PCC may invite the chief constable's comments
# first, or go straight to a draft; an approved response can be reopened as a draft
# (the approval is then dropped); "not applicable" can be undone.
ALLOWED: dict[Stage, tuple[Stage, ...]] = {
    Stage.NOT_STARTED: (Stage.COMMENTS_INVITED, Stage.DRAFT, Stage.NOT_APPLICABLE),
    Stage.COMMENTS_INVITED: (Stage.COMMENTS_RECEIVED, Stage.DRAFT, Stage.NOT_APPLICABLE),
    Stage.COMMENTS_RECEIVED: (Stage.DRAFT, Stage.NOT_APPLICABLE),
    Stage.DRAFT: (Stage.APPROVED, Stage.NOT_APPLICABLE),
    Stage.APPROVED: (Stage.SENT, Stage.DRAFT),
    Stage.SENT: (Stage.PUBLISHED,),
    Stage.PUBLISHED: (),
    Stage.NOT_APPLICABLE: (Stage.NOT_STARTED,),
}


@dataclass(frozen=True)
class StageDetails:
    """What a move to a stage records; each stage reads the fields it needs."""

    on: date | None = None
    comments_due_on: date | None = None
    comments: str = ""
    comments_file: UploadedFile | None = None
    url: str = ""
    reason: str = ""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _lock(response: S55Response, expected_version: int | None) -> S55Response:
    locked = S55Response.objects.select_for_update().select_related("report").get(pk=response.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(STALE, code="stale")
    return locked


def recommendations_of(response: S55Response) -> QuerySet[Finding]:
    """The recommendations the response answers: those of its report tracked by its force
    (a national report's findings carry the force that tracks them)."""
    return Finding.objects.filter(
        report_id=response.report_id, force_id=response.force_id, kind=FindingKind.RECOMMENDATION
    ).order_by("reference")


def _prefill(finding: Finding, latest: ProgressUpdate | None) -> str:
    """A first draft of the steps: who owns it in the force and the latest update."""
    lines = []
    owner = finding.owner_post.title if finding.owner_post else ""
    if not owner and finding.owner:
        owner = str(finding.owner)
    if owner:
        lines.append(f"Owner in the force: {owner}.")
    if latest is not None:
        lines.append(f"Progress as at {latest.as_at:%-d %B %Y}:\n{latest.narrative}")
    return "\n\n".join(lines)


def _add_missing_recommendations(response: S55Response) -> int:
    have = set(response.recommendation_responses.values_list("finding_id", flat=True))
    missing = list(
        recommendations_of(response).exclude(pk__in=have).select_related("owner", "owner_post")
    )
    latest: dict[int, ProgressUpdate] = {}
    updates = ProgressUpdate.objects.filter(finding__in=missing).order_by(
        "finding_id", "-as_at", "-created_at"
    )
    for update in updates:
        latest.setdefault(update.finding_id, update)
    RecommendationResponse.objects.bulk_create(
        RecommendationResponse(
            response=response, finding=finding, steps=_prefill(finding, latest.get(finding.pk))
        )
        for finding in missing
    )
    return len(missing)


@transaction.atomic
def response_start(*, report: Report, force: Force, by: User) -> S55Response:
    """The response to `report` for `force`, created with a draft answer for each of its
    recommendations, or the existing one (recommendations added since get theirs)."""
    _require(access.can_start(by, report, force))
    if report.force_id not in (None, force.pk):
        raise ValidationError(FORCE_NOT_ANSWERING, code="other_force")
    response, _ = S55Response.objects.get_or_create(report=report, force=force)
    if response.is_editable:
        _add_missing_recommendations(response)
    return response


@transaction.atomic
def response_edit(
    *,
    response: S55Response,
    expected_version: int,
    by: User,
    narrative: dict[str, str],
    answers: dict[int, tuple[str, str]],
) -> S55Response:
    """Save the narrative and the answers ({finding id: (steps, no-action reason)})."""
    _require(access.can_draft(by, response))
    response = _lock(response, expected_version)
    if not response.is_editable:
        raise ValidationError(
            NOT_EDITABLE.format(stage=response.get_stage_display().lower()), code="not_editable"
        )
    for name in NARRATIVE_FIELDS:
        if name in narrative:
            setattr(response, name, plaintext.multi_line(narrative[name]).strip())
    response.version += 1  # the row is locked: no lost increment
    response.save()
    rows = {row.finding_id: row for row in response.recommendation_responses.all()}
    for finding_id, (steps, reason) in answers.items():
        row = rows.get(finding_id)
        if row is None:
            continue
        steps, reason = plaintext.multi_line(steps).strip(), plaintext.multi_line(reason).strip()
        if steps and reason:
            raise ValidationError(BOTH_ANSWERS, code="both")
        if (row.steps, row.no_action_reason) != (steps, reason):
            row.steps, row.no_action_reason = steps, reason
            row.save()
    response.refresh_from_db()
    return response


def _unanswered(response: S55Response) -> list[str]:
    return [
        row.finding.reference
        for row in response.recommendation_responses.select_related("finding")
        if not row.is_answered
    ]


def _not_before_report(day: date | None, response: S55Response) -> date:
    if day is None:
        raise ValidationError(DATE_NEEDED, code="date")
    if day < response.report.published_on:
        raise ValidationError(BEFORE_REPORT, code="before_report")
    return day


def _check_upload(upload: UploadedFile) -> tuple[str, str]:
    """The evidence checks (type, size, content, zip bombs, antivirus): the stored name
    and content type."""
    content_type = uploads.validate_evidence_upload(
        upload, max_bytes=settings.OVERSIGHT_RESPONSE_MAX_MB * uploads.MB
    )
    name = plaintext.single_line((upload.name or "").replace("\x00", ""))[:255]
    return name or "document", content_type


@transaction.atomic
def response_move(
    *,
    response: S55Response,
    to: Stage,
    by: User,
    expected_version: int | None = None,
    details: StageDetails = StageDetails(),  # frozen, so safe to share
) -> S55Response:
    """Move the response to stage `to`, recording what that stage needs."""
    if to == Stage.APPROVED:
        _require(access.can_approve(by, response))
    elif to == Stage.COMMENTS_RECEIVED:
        _require(access.can_supply_comments(by, response))
    else:
        _require(access.can_draft(by, response))
    response = _lock(response, expected_version)
    current = Stage(response.stage)
    if to not in ALLOWED[current]:
        raise ValidationError(
            NOT_ALLOWED.format(stage=current.label.lower(), to=to.label), code="not_allowed"
        )
    if to == Stage.COMMENTS_INVITED:
        response.comments_invited_on = _not_before_report(details.on, response)
        response.comments_due_on = details.comments_due_on
        report = response.report
        if details.comments_due_on and report.force_id == response.force_id:
            # The report's page shows the date the comments were asked for by.
            report.chief_constable_comments_by = details.comments_due_on
            report.save(update_fields=["chief_constable_comments_by"])
    elif to == Stage.COMMENTS_RECEIVED:
        _record_comments(response, details)
    elif to == Stage.APPROVED:
        unanswered = _unanswered(response)
        if unanswered:
            verb = "has" if len(unanswered) == 1 else "have"
            raise ValidationError(
                UNANSWERED.format(refs=", ".join(unanswered), verb=verb), code="unanswered"
            )
        response.approved_by, response.approved_at = by, timezone.now()
    elif to == Stage.DRAFT and current == Stage.APPROVED:
        response.approved_by = response.approved_at = None
    elif to == Stage.SENT:
        response.sent_on = _not_before_report(details.on, response)
    elif to == Stage.PUBLISHED:
        _record_publication(response, details)
    elif to == Stage.NOT_APPLICABLE:
        reason = plaintext.multi_line(details.reason).strip()
        if not reason:
            raise ValidationError(REASON_NEEDED, code="reason")
        response.not_applicable_reason = reason
    elif to == Stage.NOT_STARTED:
        response.not_applicable_reason = ""
    response.stage = to
    response.version += 1  # the row is locked: no lost increment
    response.save()
    if to == Stage.DRAFT:
        _add_missing_recommendations(response)
    response.refresh_from_db()
    return response


def _record_comments(response: S55Response, details: StageDetails) -> None:
    comments = plaintext.multi_line(details.comments).strip()
    if not comments and details.comments_file is None:
        raise ValidationError(COMMENTS_NEEDED, code="comments")
    response.comments_received_on = _not_before_report(details.on, response)
    response.chief_constable_comments = comments
    if details.comments_file is not None:
        name, _ = _check_upload(details.comments_file)
        response.comments_file_name = name
        response.comments_file.save(name, details.comments_file, save=False)


def _record_publication(response: S55Response, details: StageDetails) -> None:
    url = details.url.strip()
    if not url and not response.documents.exists():
        raise ValidationError(PUBLICATION_NEEDED, code="publication")
    response.published_on = _not_before_report(details.on, response)
    response.published_url = url
    report = response.report
    if report.force_id == response.force_id:
        # The domain's own record of the response (the report's page and exports read it)
        # follows the force's response; a national report has one per force instead.
        report.response_published_on = response.published_on
        report.response_url = url or report.response_url
        report.save(update_fields=["response_published_on", "response_url"])


@transaction.atomic
def response_document_add(
    *, response: S55Response, upload: UploadedFile, by: User
) -> ResponseDocument:
    """Keep an uploaded final version: after the evidence checks, as the next version."""
    _require(access.can_draft(by, response))
    response = _lock(response, None)
    if response.stage == Stage.NOT_APPLICABLE:
        raise ValidationError(
            NOT_EDITABLE.format(stage=response.get_stage_display().lower()), code="not_editable"
        )
    name, content_type = _check_upload(upload)
    number = (
        response.documents.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    document = ResponseDocument(
        response=response,
        number=number,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    document.file.save(name, upload, save=False)
    document.save()
    return document


@transaction.atomic
def public_summaries_save(
    *, report: Report, force: Force, by: User, summaries: dict[int, tuple[str, bool]]
) -> int:
    """Save the public summary and publishable mark of findings of `report` tracked by
    `force` ({finding id: (summary, publishable)}). Returns how many changed."""
    _require(access.can_publish_page_of(by, force))
    findings = {
        f.pk: f for f in Finding.objects.filter(report=report, force=force, pk__in=summaries)
    }
    existing = {s.finding_id: s for s in PublicSummary.objects.filter(finding__in=findings)}
    changed = 0
    for finding_id, (summary, publishable) in summaries.items():
        finding = findings.get(finding_id)
        if finding is None:
            continue
        summary = plaintext.multi_line(summary).strip()
        if publishable and not summary:
            raise ValidationError(
                SUMMARY_NEEDED.format(reference=finding.reference), code="summary"
            )
        row = existing.get(finding_id) or PublicSummary(finding=finding)
        if row.pk and (row.summary, row.publishable) == (summary, publishable):
            continue
        if not row.pk and not summary and not publishable:
            continue
        row.summary, row.publishable, row.updated_by = summary, publishable, by
        row.save()
        changed += 1
    return changed


@transaction.atomic
def public_release_publish(*, force: Force, by: User) -> PublicRelease:
    """Freeze what the public page of `force` shows, as of now."""
    from publishing import public

    _require(access.can_publish_page_of(by, force))
    now = timezone.now()
    return PublicRelease.objects.create(
        force=force, published_by=by, published_at=now, data=public.snapshot(force, now=now)
    )
