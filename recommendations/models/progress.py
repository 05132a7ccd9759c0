"""Progress updates from the force, the evidence behind them, and the OPCC's assurance."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from recommendations import dates
from recommendations.choices import AssuranceOutcome, Rag


class ProgressUpdate(models.Model):
    finding = models.ForeignKey(
        "recommendations.Finding", on_delete=models.CASCADE, related_name="updates"
    )
    narrative = models.TextField()
    rag = models.CharField("RAG", max_length=5, choices=Rag)
    as_at = models.DateField(help_text="The date the update describes.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="progress_updates"
    )
    reports_complete = models.BooleanField(
        default=False, help_text="The force claims the finding is complete."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["finding", "-as_at", "-created_at"]
        get_latest_by = ["as_at", "created_at"]
        constraints = [
            *dates.within_range("update", "as_at"),
            models.CheckConstraint(condition=Q(rag__in=Rag.values), name="update_rag_valid"),
            models.CheckConstraint(condition=~Q(narrative=""), name="update_has_narrative"),
        ]
        indexes = [models.Index(fields=["finding", "-as_at"], name="update_finding_as_at_idx")]

    def __str__(self) -> str:
        return f"{self.finding.reference} as at {self.as_at}"


def evidence_storage_name(instance: Evidence, filename: str) -> str:
    """Server-generated name: the uploader's filename never reaches the file system."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_storage_name, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    effective_on = models.DateField(
        help_text="The date the evidence speaks for, not when it was uploaded."
    )
    description = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["update", "uploaded_at"]
        verbose_name_plural = "evidence"
        constraints = [*dates.within_range("evidence", "effective_on")]

    def __str__(self) -> str:
        return self.original_name


class AssuranceDecision(models.Model):
    """The OPCC's verdict on a force's claim that a finding is complete."""

    finding = models.ForeignKey(
        "recommendations.Finding", on_delete=models.CASCADE, related_name="assurance_decisions"
    )
    update = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assurance_decisions",
        help_text="The update that reported completion.",
    )
    outcome = models.CharField(max_length=12, choices=AssuranceOutcome)
    opcc_rag = models.CharField(
        "OPCC rating", max_length=5, choices=Rag, blank=True, help_text="The OPCC's own rating."
    )
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["finding", "decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=AssuranceOutcome.values), name="assurance_outcome_valid"
            ),
            models.CheckConstraint(
                condition=~Q(outcome=AssuranceOutcome.CHALLENGED) | ~Q(reason=""),
                name="assurance_challenge_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.decided_by} on {self.decided_at:%d %B %Y}"
