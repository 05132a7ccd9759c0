"""Findings (causes of concern, recommendations, areas for improvement), their themes,
due-date revisions and the actions that break them down."""

from __future__ import annotations

from datetime import date
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from recommendations import dates, rules
from recommendations.choices import (
    ActionStatus,
    ClosureBasis,
    FindingKind,
    HmicfrsStatus,
    Rag,
    Status,
)
from recommendations.models.forces import Force, User
from recommendations.models.progress import AssuranceDecision, ProgressUpdate
from recommendations.models.reports import Report


class Theme(models.Model):
    """A theme that links findings across reports (an NCPI finding echoing a PEEL one)."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def owner_label(owned: Finding | Action) -> str:
    if owned.owner_post_id is not None:
        return owned.owner_post.label
    return str(owned.owner) if owned.owner_id is not None else ""


def is_unowned(owned: Finding | Action) -> bool:
    owner = owned.owner if owned.owner_id is not None else None
    return rules.is_unowned(
        owner_id=owned.owner_id, owner_is_active=owner.is_active if owner else None
    )


class FindingQuerySet(models.QuerySet["Finding"]):
    """Reusable filters. The rules behind open, overdue, due soon … are in `rules.py`."""

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

    def led_by_or_unled(self, user: User) -> Self:
        """Findings this person leads on for the OPCC, and those no one leads on yet."""
        return self.filter(Q(opcc_lead=user) | Q(opcc_lead__isnull=True))

    def with_latest_update(self) -> Self:
        """Each finding's newest progress update (with its author), as `latest_updates`:
        a list of zero or one, in one prefetch query for all of them."""
        latest = ProgressUpdate.objects.select_related("author").order_by("-as_at", "-created_at")
        return self.prefetch_related(
            models.Prefetch("updates", queryset=latest[:1], to_attr="latest_updates")
        )

    def for_detail(self, user: User) -> Self:
        """What a finding's page shows, loaded once: the finding if `user` may see it, with
        its report, people, timeline (updates with evidence, decisions, revisions),
        actions and the recommendations under it that `user` may see."""
        return (
            self.visible_to(user)
            .select_related(
                "report",
                "force",
                "owner",
                "owner_post__holder",
                "opcc_lead",
                "parent",
                "superseded_by__report",
            )
            .prefetch_related(
                "themes",
                models.Prefetch(
                    "updates",
                    queryset=ProgressUpdate.objects.select_related("author").prefetch_related(
                        "evidence"
                    ),
                ),
                models.Prefetch(
                    "assurance_decisions",
                    queryset=AssuranceDecision.objects.select_related("decided_by"),
                ),
                "due_date_revisions__revised_by",
                "actions__owner",
                "actions__owner_post__holder",
                models.Prefetch(
                    "children", queryset=Finding.objects.visible_to(user).order_by("id")
                ),
            )
        )

    def possible_successors_of(self, finding: Finding) -> Self:
        """Findings that may supersede `finding`: of its force (or national), not itself,
        not superseded themselves."""
        return (
            self.filter(Q(force=finding.force_id) | Q(force__isnull=True))
            .exclude(pk=finding.pk)
            .exclude(status=Status.SUPERSEDED)
        )

    def related_to(self, finding: Finding) -> Self:
        """Findings of other reports sharing a theme with `finding`: the same force's and
        national ones (across all forces the themes match too many rows to be useful)."""
        return (
            self.filter(
                Q(force=finding.force_id) | Q(force__isnull=True),
                themes__in=[theme.pk for theme in finding.themes.all()],
            )
            .exclude(report=finding.report_id)
            .select_related("report")
            .distinct()
            .order_by("-report__published_on", "reference")
        )

    def matching(
        self,
        *,
        force: object = None,
        report: object = None,
        kind: str | None = None,
        theme: object = None,
        published_from: date | None = None,
        published_to: date | None = None,
    ) -> Self:
        """The filters the dashboard and the findings list share, so that a figure and the
        list it links to select the same findings. Each takes an object or its id; an empty
        one is no filter."""
        findings = self
        for lookup, value in (("force", force), ("report", report), ("kind", kind)):
            if value:
                findings = findings.filter(**{lookup: value})
        if theme:
            findings = findings.filter(themes=theme)
        if published_from:
            findings = findings.filter(report__published_on__gte=published_from)
        if published_to:
            findings = findings.filter(report__published_on__lte=published_to)
        return findings

    def open(self) -> Self:
        return self.filter(rules.open_q())

    def active(self) -> Self:
        return self.filter(rules.active_q())

    def overdue(self, *, today: date) -> Self:
        return self.filter(rules.overdue_q(today=today))

    def due_soon(self, *, today: date, days: int | None = None) -> Self:
        return self.filter(rules.due_soon_q(today=today, days=days))

    def awaiting_assurance(self) -> Self:
        return self.filter(rules.awaiting_assurance_q())

    def challenged(self) -> Self:
        return self.filter(rules.challenged_q())

    def unowned(self) -> Self:
        return self.filter(rules.unowned_q())

    def with_finished_on(self) -> Self:
        """Alias `finished_on`, the date a finished finding was finished with."""
        return self.alias(finished_on=rules.FINISHED_ON)

    def finished_between(self, start: date, end: date) -> Self:
        return self.with_finished_on().filter(rules.finished_between_q(start, end))

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
        help_text="Who owns it now: the holder of the owner post, when it has one.",
    )
    owner_post = models.ForeignKey(
        "recommendations.Post",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        help_text="The post that owns it in the force, whoever holds it.",
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
    closure_basis = models.CharField(
        max_length=10, choices=ClosureBasis, blank=True, help_text="How HMICFRS closed it."
    )
    closure_reference = models.CharField(
        max_length=200,
        blank=True,
        help_text="The letter's reference, or a note of the portal change (optional).",
    )
    # HMICFRS's own record of it: its numeric ID on the monitoring portal, and its status
    # there as last seen by the OPCC (Oversight's own status stands beside it).
    hmicfrs_id = models.CharField("HMICFRS ID", max_length=30, blank=True)
    hmicfrs_status = models.CharField(
        "HMICFRS status", max_length=30, choices=HmicfrsStatus, blank=True
    )
    hmicfrs_status_checked_on = models.DateField("HMICFRS status checked on", null=True, blank=True)
    # The OPCC's own rating, recorded when it assures or challenges: beside the force's RAG.
    opcc_rag = models.CharField("OPCC rating", max_length=5, choices=Rag, blank=True)
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
            *dates.within_range(
                "finding", "due_on", "original_due_on", "closed_on", "hmicfrs_status_checked_on"
            ),
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
                | (Q(closed_on__isnull=False) & Q(closure_basis__in=ClosureBasis.values)),
                name="finding_closed_has_date_and_basis",
            ),
            models.CheckConstraint(
                condition=Q(closure_basis="") | Q(closure_basis__in=ClosureBasis.values),
                name="finding_closure_basis_valid",
            ),
            models.CheckConstraint(
                condition=Q(hmicfrs_status="") | Q(hmicfrs_status__in=HmicfrsStatus.values),
                name="finding_hmicfrs_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(hmicfrs_status="") | Q(hmicfrs_status_checked_on__isnull=False),
                name="finding_hmicfrs_status_has_date",
            ),
            models.CheckConstraint(
                condition=Q(opcc_rag="") | Q(opcc_rag__in=Rag.values),
                name="finding_opcc_rag_valid",
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

    @property
    def short_text(self) -> str:
        first_line = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first_line if len(first_line) <= 90 else first_line[:89].rstrip() + "…"

    @property
    def is_open(self) -> bool:
        return rules.is_open(self.status)

    @property
    def is_active(self) -> bool:
        return rules.is_active(self.status)

    def is_overdue(self, *, today: date) -> bool:
        return rules.is_overdue(status=self.status, due_on=self.due_on, today=today)

    def is_due_soon(self, *, today: date, days: int | None = None) -> bool:
        return rules.is_due_soon(status=self.status, due_on=self.due_on, today=today, days=days)

    @property
    def is_challenged(self) -> bool:
        return self.challenged_at is not None

    @property
    def due_date_revisable(self) -> bool:
        """Only open findings that may carry a deadline (not causes of concern) get a new one."""
        return self.is_open and self.kind != FindingKind.CAUSE_OF_CONCERN

    @property
    def due_date_revised(self) -> bool:
        return self.due_on != self.original_due_on

    def is_owned_by(self, user: User) -> bool:
        return user.pk is not None and user.pk == self.owner_id

    @property
    def owner_label(self) -> str:
        """The owner as lists show it: the post and its holder, or the person."""
        return owner_label(self)

    @property
    def is_unowned(self) -> bool:
        """No one to remind of it (`rules.unowned_q`): its reminders go to the OPCC team."""
        return is_unowned(self)


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
            *dates.within_range("due_date_revision", "previous_due_on", "new_due_on"),
            models.CheckConstraint(condition=~Q(reason=""), name="due_date_revision_has_reason"),
            models.CheckConstraint(
                condition=Q(previous_due_on__isnull=True) | ~Q(new_due_on=F("previous_due_on")),
                name="due_date_revision_changes_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.finding.reference}: {self.previous_due_on} → {self.new_due_on}"


class ActionQuerySet(models.QuerySet["Action"]):
    def open(self) -> Self:
        return self.filter(rules.action_open_q())

    def overdue(self, *, today: date) -> Self:
        return self.filter(rules.action_overdue_q(today=today))

    def unowned(self) -> Self:
        return self.filter(rules.unowned_q())


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
    owner_post = models.ForeignKey(
        "recommendations.Post",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus, default=ActionStatus.NOT_STARTED)
    completed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["finding", "due_on", "id"]
        constraints = [
            *dates.within_range("action", "due_on", "completed_on"),
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

    @property
    def owner_label(self) -> str:
        return owner_label(self)

    @property
    def is_unowned(self) -> bool:
        return is_unowned(self)
