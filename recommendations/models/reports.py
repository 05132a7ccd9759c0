"""HMICFRS reports, the inspection frameworks they grade against, and their graded judgments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from recommendations import dates
from recommendations.choices import FIVE_POINT_SCALE, Grade, ReportKind
from recommendations.models.forces import Force, User

# The PCC must publish a response within 56 days *beginning with* the day the
# report is published (Police Act 1996 s.55), so the last day is day 0 + 55.
S55_RESPONSE_DAYS = 55


def s55_last_day(published_on: date) -> date:
    """The last day on which the PCC may publish the s.55 response to a report published
    on `published_on`. Never raises: a date so far ahead that the day does not exist
    gives the last date there is."""
    try:
        return published_on + timedelta(days=S55_RESPONSE_DAYS)
    except OverflowError:
        return date.max


def s55_response_awaited(
    *, response_published_on: date | None, entered_after_the_fact: bool
) -> bool:
    """Whether the PCC's s.55 response to a report is still awaited (and counted down):
    not once published, nor for a report entered after the fact, whose response (if any)
    predates Oversight. `ReportQuerySet.s55_response_outstanding` is the same rule in SQL."""
    return not (response_published_on or entered_after_the_fact)


def _published_for_last_day(last_day: date) -> date:
    """The publication date whose s.55 last day is `last_day` (the inverse of the above)."""
    try:
        return last_day - timedelta(days=S55_RESPONSE_DAYS)
    except OverflowError:
        return date.min


SCALE_EMPTY = "Choose the grades this framework uses."
SCALE_UNKNOWN = "{grade!r} is not a grade HMICFRS uses."
GRADE_NOT_ON_SCALE = "{grade} is not on the {framework} scale."
AREA_OF_ANOTHER_FRAMEWORK = "Choose an area from the report's own inspection framework."


def grade_label(value: str) -> str:
    """A grade's name for a message, whether or not it is one HMICFRS uses."""
    return Grade(value).label if value in Grade.values else value


def five_point_scale() -> list[str]:
    """The scale a framework grades on unless it says otherwise (and did before scales were
    kept per framework)."""
    return [grade.value for grade in FIVE_POINT_SCALE]


class Framework(models.Model):
    """An inspection framework whose graded areas and grade scale change per cycle
    (PEEL 2014–2020 on four points, PEEL 2023–25 on five, NCPI …)."""

    name = models.CharField(max_length=100, unique=True)
    report_kind = models.CharField(max_length=20, choices=ReportKind)
    # The grades its judgments may take, best first: values of `Grade`. A list on the
    # framework rather than rows of their own: it is read with the framework and
    # edited with it, and the judgments' own constraint keeps every grade a known one.
    grades = models.JSONField(default=five_point_scale, verbose_name="grade scale")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(report_kind__in=ReportKind.values), name="framework_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The scale holds known grades, each once, and is put best first."""
        grades = self.grades if isinstance(self.grades, list) else []
        unknown = [g for g in grades if g not in Grade.values]
        if unknown:
            raise ValidationError({"grades": SCALE_UNKNOWN.format(grade=unknown[0])})
        if not grades:
            raise ValidationError({"grades": SCALE_EMPTY})
        self.grades = [g for g in Grade.values if g in grades]

    def grade_choices(self) -> list[tuple[str, str]]:
        """The scale as (value, label) pairs, best first."""
        return [(grade.value, grade.label) for grade in Grade if grade.value in self.grades]

    def is_on_scale(self, grade: str) -> bool:
        return grade in self.grades


class AssessmentArea(models.Model):
    """A question or area a framework assesses, graded or not (PEEL 2023–25's victim
    service assessment, and leadership in some early PEEL years, were not)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    is_graded = models.BooleanField(default=True)
    history = HistoricalRecords()

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
        """Reports whose PCC response is still to publish: not for reports entered after
        the fact, whose response (if any) predates Oversight."""
        return self.filter(response_published_on__isnull=True, entered_after_the_fact=False)

    def s55_response_due_by(self, last_day: date) -> Self:
        """Reports whose PCC response's last day falls on or before `last_day`."""
        return self.filter(published_on__lte=_published_for_last_day(last_day))

    def s55_last_day_between(self, first: date, last: date) -> Self:
        """Reports whose PCC response's last day falls from `first` to `last` inclusive."""
        return self.filter(
            published_on__gte=_published_for_last_day(first),
            published_on__lte=_published_for_last_day(last),
        )


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
    # Recorded long after publication (an OPCC entering its backlog): its s.55 response
    # is not chased, and its overdue findings are escalated once, then summarised monthly.
    entered_after_the_fact = models.BooleanField(
        default=False,
        help_text="A report published before Oversight was used, entered for the record: "
        "no s.55 reminders, and its overdue findings are summarised monthly, not weekly.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            *dates.within_range(
                "report", "published_on", "chief_constable_comments_by", "response_published_on"
            ),
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
        return s55_last_day(self.published_on)

    def response_days_left(self, *, today: date) -> int | None:
        """Days until the response's last day; negative when late; None once published,
        and for a report entered after the fact."""
        if not s55_response_awaited(
            response_published_on=self.response_published_on,
            entered_after_the_fact=self.entered_after_the_fact,
        ):
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
        if not (self.report_id and self.area_id):
            return
        framework = self.area.framework
        if self.report.framework_id != framework.pk:
            raise ValidationError({"area": AREA_OF_ANOTHER_FRAMEWORK})
        if not framework.is_on_scale(self.grade):
            message = GRADE_NOT_ON_SCALE.format(grade=grade_label(self.grade), framework=framework)
            raise ValidationError({"grade": message})
