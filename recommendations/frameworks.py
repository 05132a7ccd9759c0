"""Writes to the inspection frameworks: a framework, its assessed areas and its grade scale.

Frameworks are shared by every report graded against them, so a change may never
leave a recorded judgment without its area, its grade on the scale, or its area
graded. The framework and its areas are saved together or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction

from recommendations import permissions
from recommendations.models import AssessmentArea, Framework, Grade, GradedJudgment, User

NOT_ALLOWED = (
    "Inspection frameworks are shared by every force's reports: OPCC staff who work "
    "across all forces add and change them."
)
AREAS_REQUIRED = "List the areas the framework assesses: at least one."
AREA_NAMED_TWICE = "“{name}” is listed twice: give each area once."
AREA_OF_ANOTHER_FRAMEWORK = "An area of another framework cannot be changed here."
AREA_STILL_GRADED = (
    "“{name}” is graded on {reports}: it stays graded while those judgments are recorded."
)
AREA_IN_USE = "“{name}” is graded on {reports}: it cannot be removed."
GRADE_IN_USE = (
    "Reports already hold “{grade}” judgments under this framework: keep it on the scale, "
    "or change those reports first."
)
KIND_IN_USE = (
    "{reports} of another kind are graded against this framework: its kind cannot change "
    "while they are."
)
NAME_TAKEN = "A framework or area of that name was saved a moment ago: check the list."


@dataclass(frozen=True)
class AreaRow:
    """An area as the form gives it, in order: `area` is the one it edits, if any."""

    name: str
    is_graded: bool
    area: AssessmentArea | None = None


def _reports(count: int) -> str:
    return f"{count} report{'s' if count != 1 else ''}"


def _attribute(obj: models.Model, by: User) -> None:
    """Tell django-simple-history who made the change, for writes outside a request."""
    obj._history_user = by  # type: ignore[attr-defined]


def _check_areas(framework: Framework, rows: Sequence[AreaRow]) -> None:
    if not rows:
        raise ValidationError(AREAS_REQUIRED)
    twice = [name for name, n in Counter(r.name.casefold() for r in rows).items() if n > 1]
    if twice:
        name = next(r.name for r in rows if r.name.casefold() == twice[0])
        raise ValidationError(AREA_NAMED_TWICE.format(name=name))
    for row in rows:
        if row.area is not None and row.area.framework_id != framework.pk:
            raise ValidationError(AREA_OF_ANOTHER_FRAMEWORK)


def _check_judgments_kept(
    framework: Framework, rows: Sequence[AreaRow], judgments: models.QuerySet[GradedJudgment]
) -> None:
    """Every judgment recorded under the framework keeps its area, graded, and its grade."""
    kept = {row.area.pk: row for row in rows if row.area is not None}
    graded_on = Counter(judgments.values_list("area_id", flat=True))
    areas = AssessmentArea.objects.in_bulk(graded_on)
    for area_id, count in graded_on.items():
        row = kept.get(area_id)
        if row is None:
            name = areas[area_id].name
            raise ValidationError(AREA_IN_USE.format(name=name, reports=_reports(count)))
        if not row.is_graded:
            raise ValidationError(AREA_STILL_GRADED.format(name=row.name, reports=_reports(count)))
    dropped = set(judgments.values_list("grade", flat=True)) - set(framework.grades)
    if dropped:
        first = next(grade for grade in Grade if grade.value in dropped)
        raise ValidationError({"grades": GRADE_IN_USE.format(grade=first.label)})


def _clear_names_taken_back(framework: Framework, rows: Sequence[AreaRow]) -> None:
    """Areas renamed to a name another area holds until its own rename (two swapped, say)
    would collide on the way: those first take a placeholder, unrecorded, as the final
    saves record the change."""
    names = dict(framework.areas.values_list("pk", "name"))
    for row in rows:
        if row.area is not None and row.name != names[row.area.pk] and row.name in names.values():
            AssessmentArea.objects.filter(pk=row.area.pk).update(name=f"(renaming {row.area.pk})")


@transaction.atomic
def framework_save(*, framework: Framework, areas: Sequence[AreaRow], by: User) -> Framework:
    """Save a framework with its areas in the order given. Areas of the framework that
    are not among `areas` are removed, unless a report is graded on them."""
    if not permissions.can_manage_frameworks(by):
        raise PermissionDenied(NOT_ALLOWED)
    framework.full_clean()
    _check_areas(framework, areas)
    if framework.pk is not None:
        # Locked, as report_save locks it to grade: a report graded meanwhile cannot slip
        # past the checks below.
        Framework.objects.select_for_update().get(pk=framework.pk)
        judgments = GradedJudgment.objects.filter(area__framework=framework)
        _check_judgments_kept(framework, areas, judgments)
        other_kind = framework.reports.exclude(kind=framework.report_kind).count()
        if other_kind:
            raise ValidationError({"report_kind": KIND_IN_USE.format(reports=_reports(other_kind))})
    try:
        with transaction.atomic():
            _attribute(framework, by)
            framework.save()
            kept = {row.area.pk for row in areas if row.area is not None}
            for gone in framework.areas.exclude(pk__in=kept):
                _attribute(gone, by)
                gone.delete()
            _clear_names_taken_back(framework, areas)
            for position, row in enumerate(areas, start=1):
                area = row.area or AssessmentArea(framework=framework)
                area.name, area.is_graded, area.position = row.name, row.is_graded, position
                _attribute(area, by)
                area.save()
    except IntegrityError as exc:
        raise ValidationError(NAME_TAKEN) from exc
    return framework
