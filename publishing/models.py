"""What the PCC publishes: the s.55 response to each report (its stages, its narrative,
the response to each recommendation and the final documents), the public summaries of
findings the OPCC marks publishable, and the releases of the public progress page.

The domain (`recommendations`) knows nothing of these; the dashboard, reminders and
calendar read a response's stage through `publishing.rules`.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from recommendations import dates
from recommendations.models import Finding, Force, Report


class Stage(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    COMMENTS_INVITED = "comments_invited", "Chief constable's comments invited"
    COMMENTS_RECEIVED = "comments_received", "Chief constable's comments received"
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved by the PCC"
    SENT = "sent", "Sent to the Home Secretary"
    PUBLISHED = "published", "Published"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


# A finished response is never overdue and never reminded of.
FINISHED_STAGES = (Stage.PUBLISHED, Stage.NOT_APPLICABLE)
# The narrative and the per-recommendation responses can be edited only before approval:
# what the PCC approved is what is sent and published.
EDITABLE_STAGES = (
    Stage.NOT_STARTED,
    Stage.COMMENTS_INVITED,
    Stage.COMMENTS_RECEIVED,
    Stage.DRAFT,
)
_APPROVED_OR_LATER = (Stage.APPROVED, Stage.SENT, Stage.PUBLISHED)


def document_storage_name(instance: models.Model, filename: str) -> str:
    """Server-generated name: the uploader's filename never reaches the file system."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"responses/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class S55Response(models.Model):
    """The PCC's response to one report for one force (Police Act 1996 s.55). A national
    report gets one for each force that answers it."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="s55_responses")
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="s55_responses")
    stage = models.CharField(max_length=20, choices=Stage, default=Stage.NOT_STARTED)
    comments_invited_on = models.DateField(null=True, blank=True)
    comments_due_on = models.DateField(
        null=True, blank=True, help_text="The date the chief constable is asked to reply by."
    )
    comments_received_on = models.DateField(null=True, blank=True)
    chief_constable_comments = models.TextField(blank=True)
    comments_file = models.FileField(upload_to=document_storage_name, max_length=200, blank=True)
    comments_file_name = models.CharField(max_length=255, blank=True)
    # The statement's narrative, in the order a published response reads.
    headline = models.TextField("The report and its headline conclusion", blank=True)
    pcc_view = models.TextField("The PCC's view", blank=True)
    force_progress = models.TextField(
        "What the force has done since the inspection and is doing now", blank=True
    )
    scrutiny = models.TextField("How the PCC will scrutinise progress", blank=True)
    next_steps = models.TextField("What happens next", blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_on = models.DateField("Sent to the Home Secretary on", null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    published_url = models.URLField("Published at (web address)", blank=True, max_length=500)
    not_applicable_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-report__published_on", "report__title", "force__name"]
        permissions = [
            ("approve_s55response", "Approve a s.55 response as the PCC"),
            ("supply_comments_s55response", "Supply the chief constable's comments"),
        ]
        constraints = [
            *dates.within_range(
                "s55response",
                "comments_invited_on",
                "comments_due_on",
                "comments_received_on",
                "sent_on",
                "published_on",
            ),
            models.UniqueConstraint(fields=["report", "force"], name="s55response_one_per_force"),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="s55response_stage_valid"
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.NOT_APPLICABLE) | ~Q(not_applicable_reason=""),
                name="s55response_not_applicable_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.COMMENTS_INVITED) | Q(comments_invited_on__isnull=False),
                name="s55response_invited_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.COMMENTS_RECEIVED) | Q(comments_received_on__isnull=False),
                name="s55response_received_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=_APPROVED_OR_LATER)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="s55response_approval_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=(Stage.SENT, Stage.PUBLISHED)) | Q(sent_on__isnull=False),
                name="s55response_sent_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.PUBLISHED) | Q(published_on__isnull=False),
                name="s55response_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="s55response_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"PCC response to {self.report} ({self.force})"

    @property
    def is_finished(self) -> bool:
        return self.stage in FINISHED_STAGES

    @property
    def is_editable(self) -> bool:
        return self.stage in EDITABLE_STAGES

    def narrative(self) -> list[tuple[str, str]]:
        """The statement's narrative parts, as (heading, text), in order."""
        return [
            (str(self._meta.get_field(name).verbose_name), getattr(self, name))
            for name in NARRATIVE_FIELDS
        ]

    def latest_document(self) -> ResponseDocument | None:
        return self.documents.order_by("-number").first()


NARRATIVE_FIELDS = ("headline", "pcc_view", "force_progress", "scrutiny", "next_steps")


class RecommendationResponse(models.Model):
    """The response to one recommendation: what has been or will be done, or why nothing
    will be."""

    response = models.ForeignKey(
        S55Response, on_delete=models.CASCADE, related_name="recommendation_responses"
    )
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="+")
    steps = models.TextField("Steps taken or planned", blank=True)
    no_action_reason = models.TextField("Why no action will be taken", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["response", "finding__reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "finding"], name="recommendationresponse_one_per_finding"
            ),
            models.CheckConstraint(
                condition=Q(steps="") | Q(no_action_reason=""),
                name="recommendationresponse_steps_or_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Response to {self.finding.reference}"

    @property
    def is_answered(self) -> bool:
        return bool(self.steps.strip() or self.no_action_reason.strip())


class ResponseDocument(models.Model):
    """A final version of the statement, edited outside Oversight and uploaded. Every
    version is kept; the latest is the published document."""

    response = models.ForeignKey(S55Response, on_delete=models.CASCADE, related_name="documents")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=document_storage_name, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["response", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "number"], name="responsedocument_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="responsedocument_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}: {self.original_name}"


class PublicSummary(models.Model):
    """What the public page may say about a finding. Nothing of a finding reaches the
    public page unless the OPCC writes a summary and marks it publishable: finding text,
    updates, evidence, names and assurance reasons can be OFFICIAL-SENSITIVE."""

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="+")
    summary = models.TextField("Public summary", blank=True)
    publishable = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "public summaries"
        constraints = [
            models.CheckConstraint(
                condition=Q(publishable=False) | ~Q(summary=""),
                name="publicsummary_publishable_has_summary",
            ),
        ]

    def __str__(self) -> str:
        return f"Public summary of {self.finding_id}"


class PublicRelease(models.Model):
    """One press of "publish": what the public page of a force shows until the next.
    The data is frozen here, so a half-finished edit never appears."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="public_releases")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField()

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [("publish_publicrelease", "Publish the public progress page")]
        indexes = [
            models.Index(fields=["force", "-published_at"], name="publicrelease_force_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.force} at {self.published_at:%Y-%m-%d %H:%M}"
