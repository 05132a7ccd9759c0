"""Forces, the people who sign in, and HMICFRS's monitoring of each force (Scan, Engage)."""

from __future__ import annotations

from datetime import date
from typing import Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from recommendations import dates
from recommendations.choices import MonitoringPhase, Role


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


class UserQuerySet(models.QuerySet["User"]):
    def with_role(self, *roles: Role) -> Self:
        """Active people holding any of these roles."""
        return self.filter(is_active=True, groups__name__in=[r.value for r in roles]).distinct()

    def seeing_force(self, force_id: int | None) -> Self:
        """People who see that force's findings: those scoped to it, and those who work
        across all forces. A finding of no force is seen only by the latter."""
        if force_id is None:
            return self.filter(force__isnull=True)
        return self.filter(Q(force_id=force_id) | Q(force__isnull=True))

    def by_name(self) -> Self:
        return self.order_by("first_name", "last_name", "username")

    def owner_candidates(self, force_id: int | None) -> Self:
        """Who may own a finding of that force: force leads and OPCC staff who can see it."""
        return self.with_role(Role.FORCE_LEAD, Role.OPCC_STAFF).seeing_force(force_id).by_name()

    def post_holder_candidates(self, *, force_id: int | None, is_opcc: bool) -> Self:
        """Who may hold a post: an OPCC post, OPCC staff who can see its force; a force's
        post, whoever may own that force's findings."""
        if is_opcc:
            return self.opcc_lead_candidates(force_id)
        return self.owner_candidates(force_id)

    def opcc_lead_candidates(self, force_id: int | None) -> Self:
        """Who may lead on a finding of that force for the OPCC: OPCC staff who can see it."""
        return self.with_role(Role.OPCC_STAFF).seeing_force(force_id).by_name()


class PersonManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Django's user manager (create_user …) with the queryset's methods."""


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

    objects = PersonManager()

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


class MonitoringPeriodQuerySet(models.QuerySet["MonitoringPeriod"]):
    def current(self) -> Self:
        """Periods not yet ended: at most one per force (a constraint says so)."""
        return self.filter(ended_on__isnull=True)

    def current_engage(self) -> Self:
        """Forces in Engage now: the period has not ended."""
        return self.current().filter(phase=MonitoringPhase.ENGAGE)

    def engage(self) -> Self:
        return self.filter(phase=MonitoringPhase.ENGAGE)


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
    # The causes of concern are kept in the history too: which ones put a force into
    # Engage is part of the record, and they can be linked after entry.
    history = HistoricalRecords(m2m_fields=[causes_of_concern])

    objects = MonitoringPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["force", "-started_on"]
        constraints = [
            *dates.within_range("monitoring", "started_on", "ended_on"),
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

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def is_engage(self) -> bool:
        return self.phase == MonitoringPhase.ENGAGE


class PpogMeetingQuerySet(models.QuerySet["PpogMeeting"]):
    def still_counting(self) -> Self:
        """Meetings of a force still in Engage: once it leaves, its planned PPOGs lapse."""
        return self.filter(
            monitoring_period__phase=MonitoringPhase.ENGAGE,
            monitoring_period__ended_on__isnull=True,
        )

    def upcoming(self, *, today: date) -> Self:
        """Meetings from today on: today's meeting is still the next one until it is over."""
        return self.filter(meets_on__gte=today)

    def planned_after(self, day: date) -> Self:
        """Meetings after `day` with no outcome yet: they had not happened by then."""
        return self.filter(meets_on__gt=day, outcome="")


class PpogMeeting(models.Model):
    """A Police Performance Oversight Group meeting while a force is in Engage."""

    monitoring_period = models.ForeignKey(
        MonitoringPeriod, on_delete=models.CASCADE, related_name="ppog_meetings"
    )
    meets_on = models.DateField()
    notes = models.TextField(blank=True)
    # What the meeting decided or asked of the force; empty until it has met.
    outcome = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = PpogMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["meets_on"]
        verbose_name = "PPOG meeting"
        constraints = [
            *dates.within_range("ppog_meeting", "meets_on"),
            models.UniqueConstraint(
                fields=["monitoring_period", "meets_on"], name="ppog_meeting_unique_date"
            ),
        ]

    def __str__(self) -> str:
        return f"PPOG {self.meets_on:%d %B %Y}"
