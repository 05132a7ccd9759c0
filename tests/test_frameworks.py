"""Inspection frameworks as data: shipped frameworks, each with its own grade scale, and
frameworks changed by OPCC staff without leaving a recorded judgment stranded (issue 16,
item 4)."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from recommendations import frameworks, services
from recommendations.forms import JudgmentsForm
from recommendations.frameworks import AreaRow
from recommendations.models import (
    AssessmentArea,
    Framework,
    GradedJudgment,
    ReportKind,
    Role,
)
from recommendations.reference_data import load_reference_data
from tests.factories import make_report, make_user

pytestmark = pytest.mark.django_db

FOUR = ["outstanding", "good", "requires_improvement", "inadequate"]
FIVE = ["outstanding", "good", "adequate", "requires_improvement", "inadequate"]


def graded_areas(name: str) -> list[str]:
    return list(
        AssessmentArea.objects.filter(framework__name=name, is_graded=True)
        .order_by("position")
        .values_list("name", flat=True)
    )


def state() -> tuple:
    return (
        tuple(Framework.objects.order_by("pk").values_list("pk", "name", "report_kind", "grades")),
        tuple(
            AssessmentArea.objects.order_by("pk").values_list(
                "pk", "framework_id", "name", "position", "is_graded"
            )
        ),
        tuple(GradedJudgment.objects.order_by("pk").values_list("pk", "area_id", "grade")),
    )


# ---------------------------------------------------------------- shipped data


def test_pre_2021_peel_grades_three_pillars_on_four_points():
    peel = Framework.objects.get(name="PEEL 2014–2020")
    assert (peel.report_kind, peel.grades) == ("peel", FOUR)
    assert graded_areas("PEEL 2014–2020") == ["Effectiveness", "Efficiency", "Legitimacy"]
    assert peel.areas.get(name="Leadership").is_graded is False


def test_peel_2023_25_has_nine_graded_areas_including_recording_data_about_crime():
    areas = graded_areas("PEEL 2023–25")
    assert len(areas) == 9
    assert "Recording data about crime" in areas
    assert Framework.objects.get(name="PEEL 2023–25").grades == FIVE
    assert not AssessmentArea.objects.get(name="Victim service assessment").is_graded


def test_peel_2021_22_and_ncpi_grade_on_five_points():
    assert Framework.objects.get(name="PEEL 2021/22").grades == FIVE
    ncpi = Framework.objects.get(name__startswith="National child protection inspection")
    assert (ncpi.report_kind, ncpi.grades) == ("ncpi", FIVE)
    assert graded_areas(ncpi.name) == [
        "Leadership",
        "Partnership working",
        "Initial response",
        "Risk assessment and referral",
        "Investigation",
    ]


def test_reloading_reference_data_never_takes_a_grade_in_use_off_a_scale(force):
    """Someone graded a 2014–2020 report "Adequate" before scales existed: it stays valid."""
    peel = Framework.objects.get(name="PEEL 2014–2020")
    Framework.objects.filter(pk=peel.pk).update(grades=FIVE)
    report = make_report(force=force, framework=peel, published_on=date(2017, 3, 1))
    GradedJudgment.objects.create(
        report=report, area=peel.areas.get(name="Efficiency"), grade="adequate"
    )
    load_reference_data(apps)
    assert Framework.objects.get(pk=peel.pk).grades == FIVE
    GradedJudgment.objects.all().delete()
    load_reference_data(apps)
    assert Framework.objects.get(pk=peel.pk).grades == FOUR


# ---------------------------------------------------------------- the scale on the model


def test_a_scale_is_kept_best_first_and_holds_only_known_grades():
    framework = Framework(name="X", report_kind=ReportKind.OTHER, grades=["inadequate", "good"])
    framework.full_clean()
    assert framework.grades == ["good", "inadequate"]
    for bad in ([], ["brilliant"]):
        with pytest.raises(ValidationError):
            Framework(name="Y", report_kind=ReportKind.OTHER, grades=bad).full_clean()


def test_a_judgment_off_its_frameworks_scale_is_invalid(force):
    peel = Framework.objects.get(name="PEEL 2014–2020")
    report = make_report(force=force, framework=peel)
    judgment = GradedJudgment(
        report=report, area=peel.areas.get(name="Legitimacy"), grade="adequate"
    )
    with pytest.raises(ValidationError, match="Adequate is not on the PEEL 2014–2020 scale"):
        judgment.full_clean()


# ---------------------------------------------------------------- grading a report


def test_a_pre_2021_report_is_offered_and_takes_only_four_point_grades(force, opcc):
    peel = Framework.objects.get(name="PEEL 2014–2020")
    report = make_report(force=force, framework=peel, published_on=date(2017, 3, 1))
    form = JudgmentsForm(report=report)
    assert len(form.fields) == 3
    for field in form.fields.values():
        assert [value for value, _label in field.choices] == ["", *FOUR]
    grades = dict(
        zip((a.pk for a in form.areas), ["good", "requires_improvement", "good"], strict=True)
    )
    services.report_save(report=report, grades=grades, by=opcc)
    assert sorted(report.judgments.values_list("grade", flat=True)) == [
        "good",
        "good",
        "requires_improvement",
    ]


def test_a_grade_off_the_scale_is_refused_and_nothing_is_saved(force, opcc):
    peel = Framework.objects.get(name="PEEL 2014–2020")
    report = make_report(force=force, framework=peel, published_on=date(2017, 3, 1))
    areas = list(peel.areas.filter(is_graded=True))
    before = state()
    with pytest.raises(ValidationError, match="Adequate is not on the PEEL 2014–2020 scale"):
        services.report_save(
            report=report, grades={areas[0].pk: "good", areas[1].pk: "adequate"}, by=opcc
        )
    assert state() == before


def test_a_grade_for_an_ungraded_area_or_another_framework_is_refused(force, opcc):
    peel = Framework.objects.get(name="PEEL 2014–2020")
    report = make_report(force=force, framework=peel)
    leadership = peel.areas.get(name="Leadership")
    elsewhere = AssessmentArea.objects.get(
        name="Investigating crime", framework__name="PEEL 2023–25"
    )
    for area in (leadership, elsewhere):
        with pytest.raises(ValidationError, match="Grade only the graded areas"):
            services.report_save(report=report, grades={area.pk: "good"}, by=opcc)
    assert not GradedJudgment.objects.exists()


def test_a_2023_25_report_holds_all_nine_judgments(force, opcc):
    framework = Framework.objects.get(name="PEEL 2023–25")
    report = make_report(force=force, framework=framework, published_on=date(2025, 4, 1))
    form = JudgmentsForm(report=report)
    assert len(form.fields) == 9
    services.report_save(report=report, grades={a.pk: "adequate" for a in form.areas}, by=opcc)
    assert report.judgments.count() == 9
    assert report.judgments.filter(area__name="Recording data about crime").exists()


def test_changing_a_reports_framework_drops_the_old_frameworks_judgments(force, opcc):
    old = Framework.objects.get(name="PEEL 2023–25")
    report = make_report(force=force, framework=old)
    services.report_save(
        report=report, grades={old.areas.filter(is_graded=True).first().pk: "good"}, by=opcc
    )
    report.framework = Framework.objects.get(name="PEEL 2021/22")
    services.report_save(report=report, grades={}, by=opcc)
    assert not report.judgments.exists()


# ---------------------------------------------------------------- frameworks by OPCC staff


def rows(*names: str, ungraded: tuple[str, ...] = ()) -> list[AreaRow]:
    return [AreaRow(name=n, is_graded=n not in ungraded) for n in names]


def test_opcc_staff_add_a_framework_with_ordered_areas_and_its_scale(opcc):
    framework = frameworks.framework_save(
        framework=Framework(name="PEEL 2025–27", report_kind="peel", grades=FIVE),
        areas=rows(
            "Victim service assessment",
            "Investigating crime",
            ungraded=("Victim service assessment",),
        ),
        by=opcc,
    )
    assert list(
        framework.areas.order_by("position").values_list("name", "position", "is_graded")
    ) == [
        ("Victim service assessment", 1, False),
        ("Investigating crime", 2, True),
    ]
    assert framework.history.first().history_user == opcc


@pytest.mark.parametrize("who", ["viewer", "lead", "outsider"])
def test_only_opcc_staff_of_all_forces_change_frameworks(request, who):
    before = state()
    with pytest.raises(PermissionDenied):
        frameworks.framework_save(
            framework=Framework(name="Mine", report_kind="peel", grades=FIVE),
            areas=rows("A"),
            by=request.getfixturevalue(who),
        )
    assert state() == before


def test_a_scoped_opcc_officer_cannot_change_a_shared_framework(force):
    scoped = make_user(Role.OPCC_STAFF, force=force)
    framework = Framework.objects.get(name="PEEL 2023–25")
    with pytest.raises(PermissionDenied):
        frameworks.framework_save(framework=framework, areas=rows("A"), by=scoped)


@pytest.fixture
def graded_report(force, opcc):
    """A 2023–25 report graded "Adequate" on Investigating crime."""
    framework = Framework.objects.get(name="PEEL 2023–25")
    report = make_report(force=force, framework=framework)
    area = framework.areas.get(name="Investigating crime")
    services.report_save(report=report, grades={area.pk: "adequate"}, by=opcc)
    return report


def existing_rows(framework: Framework, **changes: dict) -> list[AreaRow]:
    result = []
    for area in framework.areas.order_by("position"):
        change = changes.get(area.name, {})
        if change is None:
            continue
        result.append(
            AreaRow(
                name=change.get("name", area.name),
                is_graded=change.get("is_graded", area.is_graded),
                area=area,
            )
        )
    return result


@pytest.mark.parametrize(
    ("grades", "changes", "message"),
    [
        (FOUR, {}, "Reports already hold “Adequate” judgments"),
        (FIVE, {"Investigating crime": None}, "“Investigating crime” is graded on 1 report"),
        (
            FIVE,
            {"Investigating crime": {"is_graded": False}},
            "it stays graded while those judgments are recorded",
        ),
    ],
)
def test_a_change_that_would_strand_a_judgment_is_refused_and_changes_nothing(
    opcc, graded_report, grades, changes, message
):
    framework = Framework.objects.get(name="PEEL 2023–25")
    framework.grades = grades
    before = state()
    with pytest.raises(ValidationError) as refusal:
        frameworks.framework_save(
            framework=framework, areas=existing_rows(framework, **changes), by=opcc
        )
    assert message in " ".join(refusal.value.messages)
    assert state() == before


def test_a_framework_in_use_keeps_its_kind(opcc, graded_report):
    framework = Framework.objects.get(name="PEEL 2023–25")
    framework.report_kind = ReportKind.NCPI
    with pytest.raises(ValidationError, match="1 report of another kind"):
        frameworks.framework_save(framework=framework, areas=existing_rows(framework), by=opcc)


def test_areas_can_be_renamed_reordered_removed_and_added(opcc):
    framework = frameworks.framework_save(
        framework=Framework(name="Local", report_kind="other", grades=FOUR),
        areas=rows("A", "B", "C"),
        by=opcc,
    )
    a, b, c = framework.areas.order_by("position")
    frameworks.framework_save(
        framework=framework,
        areas=[
            AreaRow("B", True, area=a),  # names swapped: no collision on the way
            AreaRow("A", True, area=b),
            AreaRow("D", False),
        ],
        by=opcc,
    )
    assert list(framework.areas.order_by("position").values_list("pk", "name", "is_graded")) == [
        (a.pk, "B", True),
        (b.pk, "A", True),
        (framework.areas.get(name="D").pk, "D", False),
    ]
    assert not AssessmentArea.objects.filter(pk=c.pk).exists()


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        ([], "at least one"),
        (rows("Leadership", "leadership"), "“Leadership” is listed twice"),
    ],
)
def test_a_framework_needs_distinct_areas(opcc, areas, message):
    before = state()
    with pytest.raises(ValidationError, match=message):
        frameworks.framework_save(
            framework=Framework(name="New", report_kind="peel", grades=FIVE), areas=areas, by=opcc
        )
    assert state() == before


def test_an_area_of_another_framework_is_refused(opcc):
    framework = Framework.objects.get(name="PEEL 2021/22")
    stranger = AssessmentArea.objects.get(name="Effectiveness")
    with pytest.raises(ValidationError, match="another framework"):
        frameworks.framework_save(
            framework=framework, areas=[AreaRow("Effectiveness", True, area=stranger)], by=opcc
        )
