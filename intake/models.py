"""What bringing a report in keeps in the database: reviews in progress, and HMICFRS letters.

- `ReviewDraft`: a review the person has not finished, owned by them, one per report.
  It lives in the database rather than the session, so signing out and in again or
  opening a second tab keeps it; it expires `DRAFT_LIFETIME` after its last change.
- `Letter`: an HMICFRS letter (accelerated cause of concern, revisit, closure) as
  recorded, its text kept as the evidence for what it changed.
- `LetterOutcome`: what the letter did to one tracked finding (closed it, added a
  revisit note, or created it), with the text the letter restated and the match score.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q

from recommendations.models import Finding, Force, Report

DRAFT_LIFETIME = timedelta(days=14)


class DraftKind(models.TextChoices):
    FINDINGS = "findings", "Findings from a report"
    LETTER = "letter", "HMICFRS letter"


class ReviewDraftQuerySet(models.QuerySet["ReviewDraft"]):
    def current(self, *, now: datetime) -> Self:
        """Drafts changed within the last `DRAFT_LIFETIME`; older ones are expired."""
        return self.filter(updated_at__gt=now - DRAFT_LIFETIME)

    def expired(self, *, now: datetime) -> Self:
        return self.filter(updated_at__lte=now - DRAFT_LIFETIME)

    def owned_by(self, user: object) -> Self:
        return self.filter(owner=user)


class ReviewDraft(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=DraftKind, default=DraftKind.FINDINGS)
    source = models.CharField(max_length=300, blank=True)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewDraftQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            # One review per person per report: a new paste replaces the old one, as the
            # session did; another person's review of the same report is their own.
            models.UniqueConstraint(
                fields=["owner", "report"], name="intake_reviewdraft_one_per_owner_report"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DraftKind.values), name="intake_reviewdraft_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.report_id} by {self.owner_id}"

    def expires_at(self) -> datetime:
        return self.updated_at + DRAFT_LIFETIME


class LetterKind(models.TextChoices):
    ACCELERATED = "accelerated", "Accelerated cause of concern"
    REVISIT = "revisit", "Revisit letter"
    CLOSURE = "closure", "Closure letter"


class Letter(models.Model):
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="letters")
    force = models.ForeignKey(
        Force, on_delete=models.PROTECT, null=True, blank=True, related_name="letters"
    )
    kind = models.CharField(max_length=12, choices=LetterKind)
    sent_on = models.DateField(help_text="The letter's date.")
    issued_on = models.DateField(
        null=True, blank=True, help_text="When the restated findings were first issued."
    )
    reference = models.CharField(max_length=100, blank=True)
    text = models.TextField(help_text="The letter as brought in, kept as evidence.")
    assessment = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LetterKind.values), name="intake_letter_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | Q(issued_on__lte=models.F("sent_on")),
                name="intake_letter_issued_before_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.sent_on:%-d %B %Y}"


class OutcomeAction(models.TextChoices):
    CLOSED = "closed", "Closed by HMICFRS"
    REVISIT_NOTE = "revisit_note", "HMICFRS revisit note"
    CREATED = "created", "Created from the letter"


class LetterOutcome(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="outcomes")
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="letter_outcomes")
    action = models.CharField(max_length=12, choices=OutcomeAction)
    restated_text = models.TextField(blank=True, help_text="The finding as the letter gives it.")
    note = models.TextField(blank=True, help_text="The inspectorate's assessment, as written.")
    score = models.FloatField(null=True, blank=True, help_text="Text similarity of the match.")

    class Meta:
        ordering = ["letter", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "finding", "action"], name="intake_letteroutcome_once"
            ),
            models.CheckConstraint(
                condition=Q(action__in=OutcomeAction.values),
                name="intake_letteroutcome_action_valid",
            ),
            models.CheckConstraint(
                condition=~Q(action=OutcomeAction.REVISIT_NOTE) | ~Q(note=""),
                name="intake_letteroutcome_note_has_text",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="intake_letteroutcome_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: finding {self.finding_id}"
