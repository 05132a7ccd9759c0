"""National reports concern every force: staff scoped to one force read them, but only staff
who work across all forces change them or add findings to them. And only people who can see a
finding may own it or lead on it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from recommendations import services
from recommendations.models import Finding, Post, Report, ReportKind, Role, User
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db

WHO = ("viewer", "lead", "outsider", "opcc", "administrator", "scoped_opcc")


@pytest.fixture
def scoped_opcc(force):
    """OPCC staff who work on the test force only."""
    return make_user(Role.OPCC_STAFF, force=force, username="scoped-opcc")


@pytest.fixture
def national(db) -> Report:
    return make_report(
        force=None, kind=ReportKind.THEMATIC, title="A national thematic report", summary="Kept"
    )


def client_for(request, who: str) -> Client:
    client = Client()
    client.force_login(request.getfixturevalue(who))
    return client


NATIONAL_MATRIX = {
    "report-detail": dict.fromkeys(WHO, 200),
    "report-edit": {
        "viewer": 403,
        "lead": 403,
        "outsider": 403,
        "opcc": 200,
        "administrator": 200,
        "scoped_opcc": 403,
    },
    "finding-create": {
        "viewer": 403,
        "lead": 403,
        "outsider": 403,
        "opcc": 200,
        "administrator": 200,
        "scoped_opcc": 403,
    },
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(NATIONAL_MATRIX))
def test_national_report_pages_by_user(request, national, name, who):
    key = "report_pk" if name == "finding-create" else "pk"
    url = reverse(f"recommendations:{name}", kwargs={key: national.pk})
    assert client_for(request, who).get(url).status_code == NATIONAL_MATRIX[name][who]


def test_scoped_staff_cannot_take_a_national_report_for_their_force(
    request, national, force, scoped_opcc
):
    client = client_for(request, "scoped_opcc")
    response = client.post(
        reverse("recommendations:report-edit", args=[national.pk]),
        {
            "kind": ReportKind.THEMATIC,
            "title": "Rewritten",
            "force": force.pk,
            "published_on": "2025-03-04",
        },
    )
    assert response.status_code == 403
    national.refresh_from_db()
    assert (national.force_id, national.title) == (None, "A national thematic report")


def test_scoped_staff_cannot_add_findings_to_a_national_report(national, scoped_opcc):
    with pytest.raises(PermissionDenied):
        services.finding_create(
            report=national,
            kind="recommendation",
            reference="R1",
            text="All forces should review their approach.",
            created_by=scoped_opcc,
        )
    response = Client()
    response.force_login(scoped_opcc)
    posted = response.post(
        reverse("recommendations:finding-create", args=[national.pk]),
        {"kind": "recommendation", "reference": "R1", "text": "All forces should act."},
    )
    assert posted.status_code == 403
    assert not Finding.objects.filter(report=national).exists()


def test_scoped_staff_record_reports_for_their_own_force_only(client, scoped_opcc, force):
    client.force_login(scoped_opcc)
    url = reverse("recommendations:report-create")
    fields = {"kind": ReportKind.THEMATIC, "title": "Made national", "published_on": "2025-03-04"}
    response = client.post(url, fields)  # no force: national
    assert response.status_code == 200
    assert "force" in response.context["form"].errors
    assert not Report.objects.filter(title="Made national").exists()
    response = client.post(url, {**fields, "force": force.pk})
    assert response.status_code == 302
    assert Report.objects.get(title="Made national").force == force


def test_scoped_staff_cannot_turn_their_force_report_into_a_national_one(
    client, scoped_opcc, force
):
    report = make_report(force=force, title="Our own report")
    with pytest.raises(PermissionDenied):
        report.force = None
        services.report_save(report=report, grades={}, by=scoped_opcc)
    report.refresh_from_db()
    assert report.force == force


def test_staff_of_all_forces_still_edit_national_reports(client, opcc, national):
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:report-edit", args=[national.pk]),
        {"kind": ReportKind.THEMATIC, "title": "Retitled", "published_on": "2025-03-04"},
    )
    assert response.status_code == 302
    national.refresh_from_db()
    assert (national.force_id, national.title) == (None, "Retitled")


# ---------------------------------------------------------------- owners and OPCC leads


def test_only_people_who_see_the_force_are_offered_as_owner_or_lead(
    client, opcc, force, other_force, outsider, lead
):
    finding = make_finding(report=make_report(force=force), due_on=date(2026, 6, 1))
    ours = Post.objects.create(title="ACC Crime", force=force)
    theirs = Post.objects.create(title="ACC Crime", force=other_force)
    client.force_login(opcc)
    form = client.get(reverse("recommendations:finding-assign", args=[finding.pk])).context["form"]
    assert outsider not in form.fields["opcc_lead"].queryset
    assert opcc in form.fields["opcc_lead"].queryset
    assert set(form.fields["owner_post"].queryset) == {ours}
    assert theirs not in form.fields["owner_post"].queryset
    assert lead in User.objects.owner_candidates(force.pk)
    assert outsider not in User.objects.owner_candidates(force.pk)


def test_a_lead_scoped_to_another_force_is_refused_by_form_and_service(
    client, opcc, force, outsider
):
    finding = make_finding(report=make_report(force=force), due_on=date(2026, 6, 1))
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:finding-assign", args=[finding.pk]),
        {"version": finding.version, "opcc_lead": outsider.pk},
    )
    assert response.status_code == 400
    with pytest.raises(ValidationError) as refused:
        services.finding_update(
            finding=finding, expected_version=finding.version, changed_by=opcc, opcc_lead=outsider
        )
    assert "opcc_lead" in refused.value.message_dict
    with pytest.raises(ValidationError):
        make_finding(report=finding.report, opcc_lead=outsider)
    finding.refresh_from_db()
    assert finding.opcc_lead is None


def test_a_finding_of_no_force_is_owned_only_by_people_of_all_forces(national, opcc, lead):
    with pytest.raises(ValidationError) as refused:
        services.finding_create(
            report=national,
            kind="recommendation",
            reference="R9",
            text="All forces should act.",
            created_by=opcc,
            owner=lead,
        )
    assert "owner" in refused.value.message_dict
