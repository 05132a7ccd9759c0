"""The inspection framework pages: OPCC staff who work across all forces add and change
frameworks; everyone reads them; a report is then graded on its framework's scale."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from recommendations.models import AssessmentArea, Framework, GradedJudgment
from tests.factories import make_report

pytestmark = pytest.mark.django_db

LIST = reverse("recommendations:framework-list")
CREATE = reverse("recommendations:framework-create")


def edit_url(framework: Framework) -> str:
    return reverse("recommendations:framework-edit", args=[framework.pk])


def areas_data(rows: list[dict], initial: int = 0) -> dict[str, str]:
    data = {
        "areas-TOTAL_FORMS": str(len(rows)),
        "areas-INITIAL_FORMS": str(initial),
        "areas-MIN_NUM_FORMS": "0",
        "areas-MAX_NUM_FORMS": "200",
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                value = "on"
            if value is not False and value is not None:
                data[f"areas-{n}-{key}"] = str(value)
    return data


def test_opcc_staff_add_a_framework_and_a_report_is_graded_on_its_scale(client, opcc, force):
    client.force_login(opcc)
    page = client.get(CREATE)
    assert page.status_code == 200
    assert len(page.context["areas"].forms) == 10

    response = client.post(
        CREATE,
        {
            "name": "HMIC legitimacy 2016 (local)",
            "report_kind": "peel",
            "grades": ["outstanding", "good", "requires_improvement", "inadequate"],
        }
        | areas_data(
            [
                {"name": "Fairness and respect", "is_graded": True},
                {"name": "Ethical behaviour", "is_graded": True},
                {"name": "Context", "is_graded": False},
                {"name": "", "is_graded": True},  # a blank row is ignored
            ]
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    framework = Framework.objects.get(name="HMIC legitimacy 2016 (local)")
    assert list(framework.areas.values_list("name", "position", "is_graded")) == [
        ("Fairness and respect", 1, True),
        ("Ethical behaviour", 2, True),
        ("Context", 3, False),
    ]
    assert "HMIC legitimacy 2016 (local)" in client.get(LIST).text

    report = make_report(force=force, framework=framework, published_on=date(2016, 12, 8))
    form_page = client.get(reverse("recommendations:report-edit", args=[report.pk]))
    judgments = form_page.context["judgments"]
    assert len(judgments.fields) == 2
    assert "Adequate" not in form_page.text
    area = framework.areas.get(name="Ethical behaviour")
    report_data = {
        "kind": "peel",
        "title": report.title,
        "force": force.pk,
        "framework": framework.pk,
        "published_on": "2016-12-08",
    }
    refused = client.post(
        reverse("recommendations:report-edit", args=[report.pk]),
        report_data | {f"area_{area.pk}": "adequate"},
    )
    assert refused.status_code == 200
    assert not GradedJudgment.objects.exists()
    response = client.post(
        reverse("recommendations:report-edit", args=[report.pk]),
        report_data | {f"area_{area.pk}": "requires_improvement"},
    )
    assert response.status_code == 302
    assert report.judgments.get().grade == "requires_improvement"


def test_editing_reorders_renames_and_removes_areas(client, opcc):
    framework = Framework.objects.get(name="PEEL 2014–2020")
    areas = list(framework.areas.order_by("position"))
    client.force_login(opcc)
    page = client.get(edit_url(framework))
    assert len(page.context["areas"].forms) == len(areas) + 3
    rows = [
        {"area_id": areas[0].pk, "name": "Effectiveness", "is_graded": True, "order": 3},
        {"area_id": areas[1].pk, "name": "Efficiency", "is_graded": True, "order": 1},
        {"area_id": areas[2].pk, "name": "Legitimacy", "is_graded": True, "order": 2},
        {"area_id": areas[3].pk, "name": "Leadership", "is_graded": False, "remove": True},
        {"name": "Leadership (2016)", "is_graded": False},
    ]
    response = client.post(
        edit_url(framework),
        {"name": framework.name, "report_kind": "peel", "grades": framework.grades}
        | areas_data(rows, initial=4),
    )
    assert response.status_code == 302
    assert list(framework.areas.order_by("position").values_list("name", flat=True)) == [
        "Efficiency",
        "Legitimacy",
        "Effectiveness",
        "Leadership (2016)",
    ]


def test_a_refusal_is_shown_on_the_form_and_nothing_changes(client, opcc, force):
    framework = Framework.objects.get(name="PEEL 2014–2020")
    report = make_report(force=force, framework=framework)
    area = framework.areas.get(name="Efficiency")
    GradedJudgment.objects.create(report=report, area=area, grade="good")
    before = list(AssessmentArea.objects.filter(framework=framework).values_list())
    client.force_login(opcc)
    rows = [
        {"area_id": a.pk, "name": a.name, "is_graded": a.is_graded, "remove": a == area}
        for a in framework.areas.order_by("position")
    ]
    response = client.post(
        edit_url(framework),
        {"name": framework.name, "report_kind": "peel", "grades": framework.grades}
        | areas_data(rows, initial=len(rows)),
    )
    assert response.status_code == 400
    assert "“Efficiency” is graded on 1 report: it cannot be removed." in response.text
    assert list(AssessmentArea.objects.filter(framework=framework).values_list()) == before


def test_a_framework_needs_a_name_a_scale_and_an_area(client, opcc):
    client.force_login(opcc)
    response = client.post(CREATE, {"name": "", "report_kind": "peel"} | areas_data([]))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"name", "grades"} <= set(errors)
    response = client.post(
        CREATE, {"name": "Empty", "report_kind": "peel", "grades": ["good"]} | areas_data([])
    )
    assert response.status_code == 400
    assert "at least one" in response.text
    assert not Framework.objects.filter(name__in=["", "Empty"]).exists()


@pytest.mark.parametrize("who", ["viewer", "lead", "outsider"])
def test_others_read_the_list_but_cannot_add_or_change(request, client, who):
    client.force_login(request.getfixturevalue(who))
    page = client.get(LIST)
    assert page.status_code == 200
    assert "Add a framework" not in page.text
    assert "PEEL 2014–2020" in page.text
    assert client.get(CREATE).status_code == 403
    before = Framework.objects.count()
    response = client.post(
        CREATE,
        {"name": "Sneaky", "report_kind": "peel", "grades": ["good"]}
        | areas_data([{"name": "A", "is_graded": True}]),
    )
    assert response.status_code == 403
    assert Framework.objects.count() == before
