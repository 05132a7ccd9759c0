"""The domain: HMICFRS reports, their findings, and the progress made on them.

Business rules that belong to one row live on the model; reusable filters live
on the querysets. Writes that touch several rows are in `services.py`.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

# The PCC must publish a response within 56 days *beginning with* the day the
# report is published (Police Act 1996 s.55), so the last day is day 0 + 55.
S55_RESPONSE_DAYS = 55


class Role(models.TextChoices):
    """Each role is a Django group whose permissions a migration creates."""

    OPCC_STAFF = "OPCC staff"
    FORCE_LEAD = "Force lead"
    VIEWER = "Viewer"
    ADMINISTRATOR = "Administrator"


# --------------------------------------------------------------------------
# Forces, users and monitoring


class Force(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    # True for the 43 territorial forces of England and Wales shipped as data;
    # seed_demo's fictional force is not one of them.
    is_territorial = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def current_monitoring(self) -> MonitoringPeriod | None:
        return self.monitoring_periods.filter(ended_on__isnull=True).first()


class User(AbstractUser):
    """A person who signs in. `force` scopes them: they then see nothing of other forces."""

    force = models.ForeignKey(
        Force,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="Leave empty for people who work across all forces (most OPCC staff).",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, role: Role) -> bool:
        return self.is_active and (
            self.is_superuser or self.groups.filter(name=role.value).exists()
        )

    @cached_property
    def role_names(self) -> list[str]:
        return sorted(group.name for group in self.groups.all())


class MonitoringPhase(models.TextChoices):
    SCAN = "scan", "Scan"
    ENGAGE = "engage", "Engage"


class MonitoringPeriod(models.Model):
    """A spell of HMICFRS monitoring: Scan by default, Engage when causes of concern need it."""

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="monitoring_periods")
    phase = models.CharField(max_length=10, choices=MonitoringPhase)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    causes_of_concern = models.ManyToManyField(
        "Finding",
        blank=True,
        related_name="monitoring_periods",
        limit_choices_to={"kind": "cause_of_concern"},
        help_text="The causes of concern that put the force into this phase.",
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["force", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(phase__in=MonitoringPhase.values), name="monitoring_phase_valid"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="monitoring_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["force"],
                condition=Q(ended_on__isnull=True),
                name="monitoring_one_current_period_per_force",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.force}: {self.get_phase_display()} from {self.started_on:%d %B %Y}"

    def days_in_phase(self, *, today: date) -> int:
        return ((self.ended_on or today) - self.started_on).days


class PpogMeeting(models.Model):
    """A Policing Performance Oversight Group meeting while a force is in Engage."""

    monitoring_period = models.ForeignKey(
        MonitoringPeriod, on_delete=models.CASCADE, related_name="ppog_meetings"
    )
    meets_on = models.DateField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["meets_on"]
        verbose_name = "PPOG meeting"
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring_period", "meets_on"], name="ppog_meeting_unique_date"
            ),
        ]

    def __str__(self) -> str:
        return f"PPOG {self.meets_on:%d %B %Y}"


# --------------------------------------------------------------------------
# Reports and graded judgments


class ReportKind(models.TextChoices):
    PEEL = "peel", "PEEL inspection"
    NCPI = "ncpi", "National child protection inspection"
    NCPI_REINSPECTION = "ncpi_reinspection", "NCPI re-inspection"
    THEMATIC = "thematic", "Thematic or national inspection"
    JOINT = "joint", "Joint inspection"
    REVISIT_LETTER = "revisit_letter", "Cause of concern revisit letter"
    OTHER = "other", "Other"


class Grade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    ADEQUATE = "adequate", "Adequate"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class Framework(models.Model):
    """An inspection framework whose graded areas change per cycle (PEEL 2023–25, NCPI …)."""

    name = models.CharField(max_length=100, unique=True)
    report_kind = models.CharField(max_length=20, choices=ReportKind)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(report_kind__in=ReportKind.values), name="framework_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AssessmentArea(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    is_graded = models.BooleanField(default=True)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "name"], name="area_unique_per_framework"),
        ]

    def __str__(self) -> str:
        return self.name


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user: User) -> Self:
        if user.force_id is None:
            return self
        # National reports (no force) are public and concern every force.
        return self.filter(Q(force_id=user.force_id) | Q(force__isnull=True))

    def s55_response_outstanding(self) -> Self:
        return self.filter(response_published_on__isnull=True)

    def s55_response_due_by(self, last_day: date) -> Self:
        """Reports whose PCC response's last day falls on or before `last_day`."""
        return self.filter(published_on__lte=last_day - timedelta(days=S55_RESPONSE_DAYS))


class Report(models.Model):
    kind = models.CharField(max_length=20, choices=ReportKind)
    title = models.CharField(max_length=300)
    force = models.ForeignKey(
        Force,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        help_text="Leave empty for a national or thematic report.",
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    published_on = models.DateField()
    url = models.URLField(blank=True, max_length=500)
    summary = models.TextField(blank=True)
    # The PCC's response under Police Act 1996 s.55.
    chief_constable_comments_by = models.DateField(
        null=True, blank=True, help_text="The date the chief constable's comments were invited by."
    )
    response_published_on = models.DateField(null=True, blank=True)
    response_url = models.URLField(blank=True, max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReportKind.values), name="report_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["force", "kind", "title", "published_on"], name="report_unique_publication"
            ),
            models.CheckConstraint(
                condition=Q(response_published_on__isnull=True)
                | Q(response_published_on__gte=F("published_on")),
                name="report_response_after_publication",
            ),
        ]
        indexes = [
            models.Index(fields=["force", "published_on"], name="report_force_published_idx"),
            models.Index(fields=["kind", "published_on"], name="report_kind_published_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("recommendations:report-detail", args=[self.pk])

    @property
    def response_due_on(self) -> date:
        """The last day on which the PCC's s.55 response may be published."""
        return self.published_on + timedelta(days=S55_RESPONSE_DAYS)

    def response_days_left(self, *, today: date) -> int | None:
        """Days until the response's last day; negative when late; None once published."""
        if self.response_published_on:
            return None
        return (self.response_due_on - today).days

    def response_published_late(self) -> bool:
        return bool(
            self.response_published_on and self.response_published_on > self.response_due_on
        )


class GradedJudgment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="judgments")
    area = models.ForeignKey(AssessmentArea, on_delete=models.PROTECT, related_name="judgments")
    grade = models.CharField(max_length=25, choices=Grade)

    class Meta:
        ordering = ["report", "area__position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__in=Grade.values), name="judgment_grade_valid"
            ),
            models.UniqueConstraint(fields=["report", "area"], name="judgment_one_per_area"),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.get_grade_display()}"

    def clean(self) -> None:
        if self.report_id and self.area_id and self.report.framework_id != self.area.framework_id:
            raise ValidationError(
                {"area": "Choose an area from the report's own inspection framework."}
            )


# --------------------------------------------------------------------------
# Findings


class Theme(models.Model):
    """A theme that links findings across reports (an NCPI finding echoing a PEEL one)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FindingKind(models.TextChoices):
    CAUSE_OF_CONCERN = "cause_of_concern", "Cause of concern"
    RECOMMENDATION = "recommendation", "Recommendation"
    AREA_FOR_IMPROVEMENT = "area_for_improvement", "Area for improvement"


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    REPORTED_COMPLETE = "reported_complete", "Reported complete"
    ASSURED = "assured", "Assured by OPCC"
    CLOSED = "closed", "Closed by HMICFRS"
    SUPERSEDED = "superseded", "Superseded"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


# The force still has work to do: these can be overdue and get reminders.
ACTIVE_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)
# Not finished with: active, or waiting for the OPCC's assurance or HMICFRS's closure.
OPEN_STATUSES = (*ACTIVE_STATUSES, Status.REPORTED_COMPLETE, Status.ASSURED)
FINISHED_STATUSES = (Status.CLOSED, Status.SUPERSEDED, Status.NO_FURTHER_ACTION)


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class FindingQuerySet(models.QuerySet["Finding"]):
    """The one definition of open, overdue and due soon.

    Every page, export and reminder filters through these methods.
    """

    def visible_to(self, user: User) -> Self:
        if user.force_id is None:
            return self
        return self.filter(force_id=user.force_id)

    def involving(self, user: User) -> Self:
        """Findings the user owns, leads for the OPCC, or holds an action on."""
        return self.filter(
            Q(owner=user)
            | Q(opcc_lead=user)
            | Q(pk__in=Action.objects.filter(owner=user).values("finding_id"))
        )

    def open(self) -> Self:
        return self.filter(status__in=OPEN_STATUSES)

    def with_latest_update(self) -> Self:
        """Each finding's newest progress update (with its author), as `latest_updates`:
        a list of zero or one, in one prefetch query for all of them."""
        latest = ProgressUpdate.objects.select_related("author").order_by("-as_at", "-created_at")
        return self.prefetch_related(
            models.Prefetch("updates", queryset=latest[:1], to_attr="latest_updates")
        )

    def active(self) -> Self:
        return self.filter(status__in=ACTIVE_STATUSES)

    def overdue(self, *, today: date) -> Self:
        """Due before `today` (a Europe/London date) with work outstanding.

        A finding due today is not overdue yet.
        """
        return self.active().filter(due_on__lt=today)

    def due_soon(self, *, today: date, days: int | None = None) -> Self:
        """Due from `today` to `today + days` inclusive with work outstanding."""
        if days is None:
            days = settings.OVERSIGHT_DUE_SOON_DAYS
        return self.active().filter(due_on__gte=today, due_on__lte=today + timedelta(days=days))

    def awaiting_assurance(self) -> Self:
        return self.filter(status=Status.REPORTED_COMPLETE)

    def challenged(self) -> Self:
        return self.filter(status=Status.IN_PROGRESS, challenged_at__isnull=False)

    def causes_of_concern(self) -> Self:
        return self.filter(kind=FindingKind.CAUSE_OF_CONCERN)

    def recommendations(self) -> Self:
        return self.filter(kind=FindingKind.RECOMMENDATION)


class Finding(models.Model):
    """A cause of concern, recommendation or area for improvement in one report."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="findings")
    # Denormalised from the report (or, for a national report, the force
    # tracking it) so that force scoping and dashboards filter one table.
    force = models.ForeignKey(
        Force, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    kind = models.CharField(max_length=25, choices=FindingKind)
    reference = models.CharField(max_length=30, help_text='As numbered in the report, e.g. "R3".')
    text = models.TextField()
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The cause of concern this recommendation answers.",
    )
    addressee = models.CharField(
        max_length=200, blank=True, help_text="Who it is addressed to, e.g. chief constables."
    )
    timeframe = models.CharField(
        max_length=200, blank=True, help_text='The timeframe as written, e.g. "Within six months".'
    )
    original_due_on = models.DateField(null=True, blank=True, editable=False)
    due_on = models.DateField(null=True, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="findings")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_findings",
        help_text="The senior owner in the force.",
    )
    opcc_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_findings",
        verbose_name="OPCC lead",
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.NOT_STARTED)
    rag = models.CharField("RAG", max_length=5, choices=Rag, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Set when the OPCC challenges a completion claim; cleared when the force reports again.
    challenged_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
    )
    closed_on = models.DateField(null=True, blank=True)
    closure_reference = models.CharField(
        max_length=200, blank=True, help_text="The HMICFRS letter that closed it."
    )
    no_further_action_reason = models.TextField(blank=True)
    # Optimistic lock: every edit must name the version it was made against.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[themes], excluded_fields=["updated_at"])
    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["report", "id"]
        permissions = [
            ("assure_finding", "Can assure or challenge a finding's completion"),
            ("close_finding", "Can record HMICFRS closure, supersession or no further action"),
            ("report_progress", "Can post progress updates and evidence on owned findings"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FindingKind.values), name="finding_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="finding_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(rag="") | Q(rag__in=Rag.values), name="finding_rag_valid"
            ),
            models.UniqueConstraint(
                fields=["report", "reference"], name="finding_unique_reference"
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="finding_reference_not_blank"),
            models.CheckConstraint(condition=~Q(text=""), name="finding_text_not_blank"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(kind=FindingKind.RECOMMENDATION),
                name="finding_only_recommendations_have_parent",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("pk")),
                name="finding_not_own_parent",
            ),
            models.CheckConstraint(
                condition=~Q(kind=FindingKind.CAUSE_OF_CONCERN) | Q(due_on__isnull=True),
                name="finding_cause_of_concern_has_no_deadline",
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(original_due_on__isnull=False),
                name="finding_due_date_keeps_original",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.SUPERSEDED, superseded_by__isnull=False)
                | (~Q(status=Status.SUPERSEDED) & Q(superseded_by__isnull=True)),
                name="finding_superseded_has_successor",
            ),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | ~Q(superseded_by=F("pk")),
                name="finding_not_superseded_by_itself",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CLOSED)
                | (Q(closed_on__isnull=False) & ~Q(closure_reference="")),
                name="finding_closed_has_date_and_letter",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.NO_FURTHER_ACTION) | ~Q(no_further_action_reason=""),
                name="finding_no_further_action_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(challenged_at__isnull=True) | Q(status=Status.IN_PROGRESS),
                name="finding_challenge_only_in_progress",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="finding_version_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="finding_status_due_idx"),
            models.Index(fields=["force", "status", "due_on"], name="finding_force_status_due_idx"),
            models.Index(fields=["kind", "status"], name="finding_kind_status_idx"),
            models.Index(fields=["owner", "status"], name="finding_owner_status_idx"),
            models.Index(fields=["opcc_lead", "status"], name="finding_lead_status_idx"),
            models.Index(fields=["rag"], name="finding_rag_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.short_text}"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:finding-detail", args=[self.pk])

    @classmethod
    def from_db(cls, db: str | None, field_names: list[str], values: list[Any]) -> Finding:
        finding = super().from_db(db, field_names, values)
        finding._note_force()
        return finding

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._note_force()

    def _note_force(self) -> None:
        """Remember the force as stored: a save that moves the finding to another force
        must tell the dashboard's per-force counts of both (recommendations/freshness.py),
        which also notes it again after each save."""
        if "force_id" in self.__dict__:  # not deferred
            self.force_id_when_loaded = self.force_id

    @property
    def short_text(self) -> str:
        first_line = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first_line if len(first_line) <= 90 else first_line[:89].rstrip() + "…"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_overdue(self, *, today: date) -> bool:
        """Agrees with FindingQuerySet.overdue: a finding due today is not overdue yet."""
        return self.is_active and self.due_on is not None and self.due_on < today

    def is_due_soon(self, *, today: date, days: int | None = None) -> bool:
        if days is None:
            days = settings.OVERSIGHT_DUE_SOON_DAYS
        return (
            self.is_active
            and self.due_on is not None
            and today <= self.due_on <= today + timedelta(days=days)
        )

    @property
    def is_challenged(self) -> bool:
        return self.challenged_at is not None

    @property
    def due_date_revised(self) -> bool:
        return self.due_on != self.original_due_on

    def is_owned_by(self, user: User) -> bool:
        return user.pk is not None and user.pk == self.owner_id


class DueDateRevision(models.Model):
    """A slipped deadline: the original stays on the finding; each revision says why."""

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="due_date_revisions"
    )
    previous_due_on = models.DateField(null=True)
    new_due_on = models.DateField()
    reason = models.TextField()
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["finding", "revised_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="due_date_revision_has_reason"),
            models.CheckConstraint(
                condition=Q(previous_due_on__isnull=True) | ~Q(new_due_on=F("previous_due_on")),
                name="due_date_revision_changes_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.finding.reference}: {self.previous_due_on} → {self.new_due_on}"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


class ActionQuerySet(models.QuerySet["Action"]):
    def open(self) -> Self:
        return self.exclude(status=ActionStatus.COMPLETE)

    def overdue(self, *, today: date) -> Self:
        return self.open().filter(due_on__lt=today)


class Action(models.Model):
    """An optional breakdown of a finding into the steps the force is taking."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_actions",
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus, default=ActionStatus.NOT_STARTED)
    completed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["finding", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="action_status_valid"
            ),
            models.CheckConstraint(condition=~Q(description=""), name="action_has_description"),
            models.CheckConstraint(
                condition=Q(status=ActionStatus.COMPLETE, completed_on__isnull=False)
                | (~Q(status=ActionStatus.COMPLETE) & Q(completed_on__isnull=True)),
                name="action_completed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["owner", "status", "due_on"], name="action_owner_idx")]

    def __str__(self) -> str:
        return self.description[:80]


# --------------------------------------------------------------------------
# Progress, evidence and assurance


class ProgressUpdate(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="updates")
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

    def __str__(self) -> str:
        return self.original_name


class AssuranceOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    CHALLENGED = "challenged", "Challenged"


class AssuranceDecision(models.Model):
    """The OPCC's verdict on a force's claim that a finding is complete."""

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="assurance_decisions"
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
