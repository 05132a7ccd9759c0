"""The reminder outbox: what is due to whom, grouped into one daily digest each.

PostgreSQL holds the truth; Celery and Redis only ring the doorbell
(RELIABILITY.md §A5). A scan records every reminder that has fallen due as a
`Reminder` row whose unique key (recipient, item, kind, occurrence) makes a
repeated, late or concurrent scan add nothing twice. Reminders are then grouped
into one `Digest` per recipient per day, and a digest is sent by claiming it with
a lease, sending with a stable Message-ID, and marking it sent.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from hashlib import sha256
from typing import Self

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.deconstruct import deconstructible


class ItemType(models.TextChoices):
    FINDING = "finding", "Finding"
    ACTION = "action", "Action"
    REPORT = "report", "Report"
    PPOG_MEETING = "ppog", "PPOG meeting"
    SESSION = "session", "Accountability session"


class ReminderKind(models.TextChoices):
    """What the reminder says. Preferences switch these on and off in groups."""

    DUE_SOON = "due_soon", "Deadline approaching"
    DUE_TODAY = "due_today", "Due today"
    OVERDUE = "overdue", "Overdue"
    # The schedule sets when escalation starts: the label names no number of days.
    ESCALATION = "escalation", "Overdue and escalated"
    S55_RESPONSE = "s55_response", "PCC response (s.55) due"
    NCPI_ACTION_PLAN = "ncpi_action_plan", "NCPI action plan due"
    PPOG_MEETING = "ppog_meeting", "PPOG meeting"
    ASSURANCE_BACKLOG = "assurance_backlog", "Completion claim awaiting assurance"
    # Findings of a report entered after the fact: escalated once, then listed monthly.
    HISTORIC_OVERDUE = "historic_overdue", "Overdue from a report entered after the fact (monthly)"
    # Recorded when OPCC staff issue a session's agenda (accountability), not by the scan.
    SESSION_AGENDA = "session_agenda", "Accountability session agenda issued"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Reminder(models.Model):
    """One thing one person should be told about on one occasion. Never sent on its own."""

    # A person, or (recipient empty) the OPCC team address `address` as it was when the
    # reminder was recorded: deadlines no one owns are never left unreminded.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
    )
    address = models.EmailField(blank=True)
    item_type = models.CharField(max_length=10, choices=ItemType)
    item_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20, choices=ReminderKind)
    # The business key of the occasion: the scheduled reminder date. A revised
    # due date gives new occasions, which re-arms the reminders.
    occurrence = models.DateField()
    # The deadline the reminder was about, to drop it if the deadline moves first.
    due_on = models.DateField()
    digest = models.ForeignKey(
        "Digest", on_delete=models.SET_NULL, null=True, blank=True, related_name="reminders"
    )
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recipient", "due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "item_type", "item_id", "kind", "occurrence"],
                name="reminder_once_per_occasion",
            ),
            models.UniqueConstraint(
                fields=["address", "item_type", "item_id", "kind", "occurrence"],
                condition=Q(recipient__isnull=True),
                name="reminder_once_per_occasion_to_address",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, address="")
                | (Q(recipient__isnull=True) & ~Q(address="")),
                name="reminder_person_or_address",
            ),
            models.CheckConstraint(
                condition=Q(item_type__in=ItemType.values), name="reminder_item_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=Q(digest__isnull=True, cancelled=False),
                name="reminder_undigested_idx",
            ),
        ]

    def __str__(self) -> str:
        to = self.recipient or self.address
        return f"{self.get_kind_display()} for {self.item_type} {self.item_id} to {to}"


class DigestQuerySet(models.QuerySet["Digest"]):
    def claimable(self, *, now: datetime) -> Self:
        """Pending and due for an attempt, or sending with an expired lease (its worker died)."""
        return self.filter(
            status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING), next_attempt_at__lte=now
        )

    def undelivered(self) -> Self:
        """Still to go out: waiting for an attempt, in backoff, or being sent."""
        return self.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING))

    def past_retrying(self, *, now: datetime) -> Self:
        """Waiting for another attempt after their time for retries has run out."""
        return self.filter(status=DeliveryStatus.PENDING, retry_until__lte=now)


class Digest(models.Model):
    """One email to one person (or to the OPCC team address) for one day, holding all
    their reminders."""

    # Empty for the team address's digest: its `to` is the address.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digests",
        null=True,
        blank=True,
    )
    digest_date = models.DateField()
    to = models.EmailField(help_text="The address when the digest was composed.")
    status = models.CharField(max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # For pending: when the next attempt may be made (backoff). For sending:
    # when the lease expires and another worker may take the digest over.
    next_attempt_at = models.DateTimeField()
    message_id = models.CharField(max_length=200, blank=True)
    # An earlier attempt may have reached the recipient: its worker died after
    # sending (the lease expired), or the reply to the message data never came.
    # So this send may be a duplicate.
    possible_duplicate = models.BooleanField(default=False)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Temporary failures are retried until then; after it the digest is given up
    # and its reminders go into the person's next digest.
    retry_until = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # When it failed for good, for the health check's window of recent failures.
    failed_at = models.DateTimeField(null=True, blank=True)

    objects = DigestQuerySet.as_manager()

    class Meta:
        ordering = ["-digest_date", "recipient"]
        permissions = [("view_delivery", "Can see sent reminders and delivery failures")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_date"], name="digest_one_per_recipient_per_day"
            ),
            models.UniqueConstraint(
                fields=["to", "digest_date"],
                condition=Q(recipient__isnull=True),
                name="digest_one_per_address_per_day",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="digest_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SENT) | Q(sent_at__isnull=False),
                name="digest_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status=DeliveryStatus.FAILED, failed_at__isnull=False)
                | (~Q(status=DeliveryStatus.FAILED) & Q(failed_at__isnull=True)),
                name="digest_failed_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="digest_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Digest for {self.to} on {self.digest_date}"

    @property
    def to_team(self) -> bool:
        """Sent to the OPCC team address rather than a person."""
        return self.recipient_id is None


class ReminderPreference(models.Model):
    """Which reminders a person wants. People without a row get the defaults (everything)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    digest_enabled = models.BooleanField(
        "Send me a daily digest", default=True, help_text="Turn off to receive no reminders."
    )
    muted_kinds = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Reminder preferences of {self.user}"

    def wants(self, kind: str) -> bool:
        return self.digest_enabled and kind not in self.muted_kinds


class ScanRecord(models.Model):
    """The heartbeat: when the reminder scan last completed, for the health endpoint."""

    finished_at = models.DateTimeField(db_index=True)
    today = models.DateField()
    created = models.PositiveIntegerField()
    # Items the scan could not read and went past (each is logged), so that one bad
    # row never stops everyone else's reminders, and the health check can say so.
    skipped = models.PositiveIntegerField(default=0)
    # Reminders of deadlines no one owns, found while no OPCC team address was set: they
    # reached no one, so the health check says so.
    unaddressed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"

    def __str__(self) -> str:
        return f"Scan for {self.today} at {self.finished_at:%H:%M}: {self.created} new"


def _hash(token: str) -> str:
    return sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A secret, revocable address for a person's deadlines as an iCalendar feed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    # Only a hash is stored: a database leak does not reveal working feed addresses.
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"

    @classmethod
    def issue(cls, user: models.Model) -> tuple[CalendarFeed, str]:
        """Create or replace the user's feed; returns the new secret token (shown once)."""
        token = secrets.token_urlsafe(32)
        feed, _ = cls.objects.update_or_create(user=user, defaults={"token_hash": _hash(token)})
        return feed, token

    @classmethod
    def for_token(cls, token: str) -> CalendarFeed | None:
        """The feed of a working token. Its person must be active and still hold a role:
        someone who loses every role loses the feed on their calendar's next read."""
        from recommendations.models import Role

        has_role = Exists(Group.objects.filter(user=OuterRef("user_id"), name__in=Role.values))
        return (
            cls.objects.select_related("user", "user__force")
            .filter(token_hash=_hash(token), user__is_active=True)
            .filter(has_role | Q(user__is_superuser=True))
            .first()
        )

    @staticmethod
    def url_for(token: str) -> str:
        return settings.SITE_URL + reverse("reminders:calendar-feed", args=[token])

    def touch(self, today: date) -> None:
        if self.last_used_on != today:
            CalendarFeed.objects.filter(pk=self.pk).update(last_used_on=today)


@deconstructible
class StandardSchedule:
    """A schedule field's default: the value in `Policy`, where the standard schedule's
    numbers are written once."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self) -> str | int:
        from reminders.policy import Policy

        value = getattr(Policy.standard(), self.name)
        return listed(value) if isinstance(value, tuple) else value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StandardSchedule) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def listed(days: tuple[int, ...]) -> str:
    """Days as the schedule form shows them: 28,14,7,1."""
    return ",".join(str(day) for day in days)


def _days(text: str) -> tuple[int, ...]:
    return tuple(
        sorted({int(part) for part in text.replace(" ", "").split(",") if part}, reverse=True)
    )


class ReminderSchedule(models.Model):
    """The reminder policy, editable by OPCC staff (Reminders → Schedule). One row;
    without it the standard schedule (`Policy.standard()`) applies, and a new row starts
    from it."""

    before_days = models.CharField(
        max_length=50,
        default=StandardSchedule("before_days"),
        help_text="Days before a deadline, comma-separated.",
    )
    overdue_every_days = models.PositiveSmallIntegerField(
        default=StandardSchedule("overdue_every_days")
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        default=StandardSchedule("escalate_after_days")
    )
    s55_before_days = models.CharField(max_length=50, default=StandardSchedule("s55_before_days"))
    ppog_before_days = models.CharField(max_length=50, default=StandardSchedule("ppog_before_days"))
    assurance_backlog_days = models.PositiveSmallIntegerField(
        default=StandardSchedule("assurance_backlog_days")
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Always true: the unique constraint on it keeps the table to one row.
    singleton = models.BooleanField(default=True, editable=False)

    class Meta:
        verbose_name = "reminder schedule"
        constraints = [
            models.CheckConstraint(
                condition=Q(overdue_every_days__gte=1), name="schedule_overdue_interval_positive"
            ),
            models.CheckConstraint(condition=Q(singleton=True), name="schedule_singleton_true"),
            models.UniqueConstraint(fields=["singleton"], name="schedule_one_row"),
        ]

    def __str__(self) -> str:
        return "Reminder schedule"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        for name in ("before_days", "s55_before_days", "ppog_before_days"):
            try:
                days = _days(getattr(self, name))
            except ValueError as exc:
                raise ValidationError({name: "Use whole numbers separated by commas."}) from exc
            if any(d < 0 or d > 365 for d in days):
                raise ValidationError({name: "Each number must be between 0 and 365."})

    def as_kwargs(self) -> dict[str, object]:
        return {
            "before_days": _days(self.before_days),
            "overdue_every_days": self.overdue_every_days,
            "escalate_after_days": self.escalate_after_days,
            "s55_before_days": _days(self.s55_before_days),
            "ppog_before_days": _days(self.ppog_before_days),
            "assurance_backlog_days": self.assurance_backlog_days,
        }


class TeamAddress(models.Model):
    """The OPCC team's shared mailbox, set by OPCC staff (Reminders → Team address). One
    row; without it OVERSIGHT_TEAM_ADDRESS applies (`reminders.team.address()`)."""

    address = models.EmailField(
        "Team email address",
        blank=True,
        help_text="Reminders of deadlines no one owns go here, and the monthly summary of "
        "historic reports' overdue findings that have no OPCC lead.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Always true: the unique constraint on it keeps the table to one row.
    singleton = models.BooleanField(default=True, editable=False)

    class Meta:
        verbose_name = "OPCC team address"
        verbose_name_plural = "OPCC team address"
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="team_address_singleton_true"),
            models.UniqueConstraint(fields=["singleton"], name="team_address_one_row"),
        ]

    def __str__(self) -> str:
        return self.address or "OPCC team address (not set)"
