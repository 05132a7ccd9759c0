"""Performance and accountability sessions: the meetings where the PCC holds the Chief
Constable to account.

A session (of one force, on one date) goes planned → agenda issued → held → minutes
approved. Its agenda is a list of items, each about a finding, an s.55 response still
due (a report), or an action from the previous session. The OPCC asks questions per
item, the holders of the force's posts answer them in writing before the meeting, and
the meeting's record per item says what was said and what the OPCC decided. Actions
agreed at a session are ordinary `recommendations.Action`s, linked back here by
`SessionAction`, so My work, reminders, the calendar and the dashboard see them as any
other action. The domain (recommendations) knows nothing of this app.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from recommendations import dates
from recommendations.models import Action, Finding, Force, Post, Report, User


class SessionKind(models.TextChoices):
    ACCOUNTABILITY_BOARD = "accountability_board", "Accountability board"
    SCRUTINY_PANEL = "scrutiny_panel", "Scrutiny panel"
    PPOG_PREPARATION = "ppog_preparation", "PPOG preparation"
    POLICE_AND_CRIME_PANEL = "police_and_crime_panel", "Police and crime panel"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    AGENDA_ISSUED = "agenda_issued", "Agenda issued"
    HELD = "held", "Held"
    MINUTES_APPROVED = "minutes_approved", "Minutes approved"


# The agenda can be changed (and questions asked) until the meeting is held.
AGENDA_OPEN = (SessionStatus.PLANNED, SessionStatus.AGENDA_ISSUED)
# What was said and decided is recorded during or after the meeting, until the minutes
# are approved: from then on they are the record.
RECORD_OPEN = (SessionStatus.AGENDA_ISSUED, SessionStatus.HELD)


class AgendaGroup(models.TextChoices):
    """The agenda's groups, in the order the meeting takes them."""

    PREVIOUS_ACTIONS = "previous_actions", "Actions from the previous session"
    OVERDUE = "overdue", "Overdue"
    CHALLENGED = "challenged", "Challenged by the OPCC"
    AWAITING_ASSURANCE = "awaiting_assurance", "Reported complete, awaiting assurance"
    DUE_BEFORE_NEXT = "due_before_next", "Due before the next session"
    CAUSES_OF_CONCERN = "causes_of_concern", "Causes of concern (Engage)"
    S55_RESPONSES = "s55_responses", "PCC responses (s.55) due"
    OTHER = "other", "Added by the OPCC"


GROUP_ORDER = {group.value: position for position, group in enumerate(AgendaGroup)}


class Decision(models.TextChoices):
    ASSURED = "assured", "Assured"
    CHALLENGED = "challenged", "Challenged"
    MORE_EVIDENCE = "more_evidence", "More evidence needed"
    ESCALATE = "escalate", "Escalate to the PCC"
    NO_CHANGE = "no_change", "No change"


class SessionQuerySet(models.QuerySet["Session"]):
    def visible_to(self, user: User) -> Self:
        if user.force_id is None:
            return self
        return self.filter(force_id=user.force_id)

    def of_force(self, force_id: int) -> Self:
        return self.filter(force_id=force_id)


class Session(models.Model):
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField("Date")
    kind = models.CharField(
        max_length=30, choices=SessionKind, default=SessionKind.ACCOUNTABILITY_BOARD
    )
    title = models.CharField(
        max_length=200, blank=True, help_text="Optional, e.g. “Quarterly board: child protection”."
    )
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=SessionStatus, default=SessionStatus.PLANNED)
    attendee_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="people attending"
    )
    attendee_posts = models.ManyToManyField(
        Post, blank=True, related_name="+", verbose_name="posts attending"
    )
    other_attendees = models.TextField(
        blank=True, help_text="Anyone else attending, one a line (name and role)."
    )
    agenda_issued_at = models.DateTimeField(null=True, blank=True)
    agenda_issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            *dates.within_range("session", "held_on"),
            models.CheckConstraint(
                condition=Q(kind__in=SessionKind.values), name="session_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=SessionStatus.PLANNED) | Q(agenda_issued_at__isnull=False),
                name="session_issued_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.MINUTES_APPROVED)
                | Q(minutes_approved_at__isnull=False),
                name="session_approved_has_time",
            ),
        ]
        indexes = [models.Index(fields=["force", "held_on"], name="session_force_date_idx")]

    def __str__(self) -> str:
        return f"{self.name}, {self.held_on:%-d %B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("accountability:session-detail", args=[self.pk])

    @property
    def name(self) -> str:
        return self.title or f"{self.get_kind_display()}: {self.force}"

    @property
    def agenda_open(self) -> bool:
        return self.status in AGENDA_OPEN

    @property
    def record_open(self) -> bool:
        return self.status in RECORD_OPEN

    @property
    def answers_open(self) -> bool:
        """The force answers in writing once the agenda is issued, until the meeting."""
        return self.status == SessionStatus.AGENDA_ISSUED


class AgendaItem(models.Model):
    """One thing on the agenda: a finding, an s.55 response still due (its report), or an
    action from the previous session (with its finding)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="items")
    group = models.CharField(max_length=20, choices=AgendaGroup)
    order = models.PositiveSmallIntegerField(default=0)
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="agenda_items"
    )
    note = models.TextField("OPCC's note", blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["session", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group__in=AgendaGroup.values), name="agenda_item_group_valid"
            ),
            # Exactly one subject: a finding (an action's item carries its finding) or a report.
            models.CheckConstraint(
                condition=Q(finding__isnull=False, report__isnull=True)
                | Q(finding__isnull=True, report__isnull=False, action__isnull=True),
                name="agenda_item_one_subject",
            ),
            models.UniqueConstraint(
                fields=["session", "finding"],
                condition=Q(action__isnull=True, finding__isnull=False),
                name="agenda_item_finding_once",
            ),
            models.UniqueConstraint(
                fields=["session", "report"],
                condition=Q(report__isnull=False),
                name="agenda_item_report_once",
            ),
            models.UniqueConstraint(
                fields=["session", "action"],
                condition=Q(action__isnull=False),
                name="agenda_item_action_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.subject}"

    @property
    def subject(self) -> str:
        if self.action_id is not None:
            return f"Action on {self.finding.reference}: {self.action}"
        if self.finding_id is not None:
            return str(self.finding)
        return f"s.55 response: {self.report.title}"

    @property
    def force_post(self) -> Post | None:
        """The post that answers for this item in the force: the action's or finding's owner."""
        if self.action_id is not None and self.action.owner_post_id is not None:
            return self.action.owner_post
        if self.finding_id is not None:
            return self.finding.owner_post
        return None


class Question(models.Model):
    """A question the OPCC puts to the force about one item, for a post to answer."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField()
    to_post = models.ForeignKey(
        Post,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="session_questions",
        verbose_name="for the post",
        help_text="Whose holder answers it in writing. Empty: asked at the meeting.",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "asked_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="question_has_text")]

    def __str__(self) -> str:
        return self.text[:80]


class Answer(models.Model):
    """The force's written answer to a question, by the holder of the post asked."""

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="answer")
    text = models.TextField()
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="answer_has_text")]

    def __str__(self) -> str:
        return self.text[:80]


class ItemRecord(models.Model):
    """What the meeting said about an item and what the OPCC decided."""

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="record")
    said = models.TextField("What was said")
    decision = models.CharField(max_length=20, choices=Decision)
    # How the decision reached the finding: through the workflow (assured or challenged
    # there too), or recorded here only, and why.
    workflow_applied = models.BooleanField(default=False)
    workflow_note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values), name="item_record_decision_valid"
            ),
            models.CheckConstraint(condition=~Q(said=""), name="item_record_has_said"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.item}"


class SessionAction(models.Model):
    """An action agreed at a session: an ordinary action of the finding, linked back here."""

    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="session_link")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="actions")
    item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "id"]

    def __str__(self) -> str:
        return f"{self.session}: {self.action}"
