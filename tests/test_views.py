"""The browser workflow through Django's test client: forms, errors, conflicts, files."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from recommendations.models import (
    AssessmentArea,
    AssuranceDecision,
    DueDateRevision,
    Evidence,
    Finding,
    FindingKind,
    Framework,
    ProgressUpdate,
    Report,
    Status,
)
from tests.factories import PDF_BYTES, make_finding, make_report, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(force, lead, opcc):
    report = make_report(force=force, published_on=date(2025, 1, 10))
    return make_finding(report=report, owner=lead, opcc_lead=opcc, due_on=date(2025, 6, 30))


def url(name: str, obj) -> str:
    return reverse(f"recommendations:{name}", args=[obj.pk])


def update_data(finding, **overrides):
    data = {
        "version": finding.version,
        "narrative": "Training delivered to all response officers.",
        "rag": "green",
        "as_at": "2025-06-01",
    }
    data.update(overrides)
    return data


def test_force_lead_posts_an_update_with_evidence_then_reports_complete(client, finding, lead):
    client.force_login(lead)
    response = client.post(
        url("update-create", finding),
        update_data(finding, evidence=pdf_upload("audit.pdf"), evidence_effective_on="2025-05-30"),
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Status.IN_PROGRESS
    assert Evidence.objects.get().original_name == "audit.pdf"

    response = client.post(
        url("update-create", finding), update_data(finding, reports_complete="on")
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Status.REPORTED_COMPLETE

    detail = client.get(url("finding-detail", finding))
    assert b"Reported complete" in detail.content
    assert b"audit.pdf" in detail.content
    assert b"Assure or challenge" not in detail.content  # a force lead cannot assure


def test_opcc_challenges_with_a_reason_and_the_timeline_shows_it(client, finding, lead, opcc):
    Finding.objects.filter(pk=finding.pk).update(status=Status.REPORTED_COMPLETE)
    finding.refresh_from_db()
    client.force_login(opcc)
    missing_reason = client.post(
        url("finding-assure", finding), {"version": finding.version, "outcome": "challenged"}
    )
    assert missing_reason.status_code == 400
    assert b"Give the reason for challenging" in missing_reason.content
    assert b'href="#id_reason"' in missing_reason.content  # the error summary links to the field
    assert not AssuranceDecision.objects.exists()

    response = client.post(
        url("finding-assure", finding),
        {
            "version": finding.version,
            "outcome": "challenged",
            "reason": "Only one district.",
            "opcc_rag": "amber",
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Status.IN_PROGRESS and finding.is_challenged
    detail = client.get(url("finding-detail", finding))
    assert b"Challenged by the OPCC" in detail.content
    assert b"Only one district." in detail.content


def test_a_stale_version_is_refused_with_409_showing_what_changed(client, finding, opcc):
    client.force_login(opcc)
    seen = finding.version
    first = client.post(
        url("finding-assign", finding), {"version": seen, "owner_post": "", "opcc_lead": opcc.pk}
    )
    assert first.status_code == 302
    second = client.post(
        url("update-create", finding), update_data(finding, version=seen, narrative="From old tab")
    )
    assert second.status_code == 409
    assert b"was changed by" in second.content
    assert b"What changed meanwhile" in second.content
    assert b"Force owner" in second.content or b"Owner" in second.content
    assert not ProgressUpdate.objects.exists()


def test_two_editors_of_the_same_finding_do_not_overwrite_each_other(client, finding, opcc):
    client.force_login(opcc)
    form_fields = {
        "kind": finding.kind,
        "reference": finding.reference,
        "text": finding.text,
        "version": finding.version,
    }
    first = client.post(
        url("finding-edit", finding), form_fields | {"addressee": "Chief constable"}
    )
    assert first.status_code == 302
    second = client.post(url("finding-edit", finding), form_fields | {"addressee": "The PCC"})
    assert second.status_code == 409
    assert Finding.objects.get(pk=finding.pk).addressee == "Chief constable"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rag", "purple", b"Select a valid choice"),
        ("as_at", "not-a-date", b"Enter a valid date"),
        ("narrative", "", b"This field is required"),
        ("version", "abc", b"Enter a whole number"),
    ],
)
def test_bad_update_input_gets_a_clear_error_and_writes_nothing(
    client, finding, lead, field, value, message
):
    client.force_login(lead)
    response = client.post(url("update-create", finding), update_data(finding, **{field: value}))
    assert response.status_code == 400
    assert message in response.content
    assert not ProgressUpdate.objects.exists()
    assert Finding.objects.get(pk=finding.pk).version == finding.version


def test_a_renamed_executable_is_refused_and_nothing_is_stored(client, finding, lead, settings):
    client.force_login(lead)
    fake_pdf = SimpleUploadedFile("audit.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    response = client.post(
        url("update-create", finding),
        update_data(finding, evidence=fake_pdf, evidence_effective_on="2025-05-30"),
    )
    assert response.status_code == 400
    assert b"audit.pdf" in response.content
    assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def test_an_oversized_file_is_refused(client, finding, lead, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    client.force_login(lead)
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2048, "application/pdf")
    response = client.post(
        url("update-create", finding),
        update_data(finding, evidence=big, evidence_effective_on="2025-05-30"),
    )
    assert response.status_code == 400
    assert b"limit" in response.content
    assert not Evidence.objects.exists()


def test_evidence_needs_an_effective_date(client, finding, lead):
    client.force_login(lead)
    response = client.post(
        url("update-create", finding), update_data(finding, evidence=pdf_upload())
    )
    assert response.status_code == 400
    assert b"Give the date the evidence is effective from" in response.content


def test_reporting_complete_without_evidence_is_refused(client, finding, lead):
    client.force_login(lead)
    response = client.post(
        url("update-create", finding), update_data(finding, reports_complete="on")
    )
    assert response.status_code == 400
    assert b"Attach evidence" in response.content
    assert Finding.objects.get(pk=finding.pk).status == Status.NOT_STARTED


def test_evidence_download_is_an_attachment_that_is_never_sniffed(client, finding, lead, viewer):
    client.force_login(lead)
    client.post(
        url("update-create", finding),
        update_data(
            finding,
            evidence=pdf_upload("../../etc/audit report.pdf"),
            evidence_effective_on="2025-05-30",
        ),
    )
    evidence = Evidence.objects.get()
    client.force_login(viewer)
    response = client.get(url("evidence-download", evidence))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "\r" not in response["Content-Disposition"] and "\n" not in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_revising_the_due_date_keeps_the_original(client, finding, opcc):
    client.force_login(opcc)
    missing = client.post(
        url("finding-due-date", finding), {"version": finding.version, "new_due_on": "2025-09-30"}
    )
    assert missing.status_code == 400
    response = client.post(
        url("finding-due-date", finding),
        {"version": finding.version, "new_due_on": "2025-09-30", "reason": "Board delayed."},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.original_due_on, finding.due_on) == (date(2025, 6, 30), date(2025, 9, 30))
    assert DueDateRevision.objects.get().reason == "Board delayed."
    detail = client.get(url("finding-detail", finding))
    assert b"Due date revised from 30 Jun 2025 to 30 Sep 2025" in detail.content


def test_closing_and_superseding_through_the_forms(client, finding, opcc):
    successor = make_finding(report=finding.report)
    client.force_login(opcc)
    response = client.post(
        url("finding-supersede", finding), {"version": finding.version, "successor": successor.pk}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.superseded_by) == (Status.SUPERSEDED, successor)
    Finding.objects.filter(pk=successor.pk).update(status=Status.ASSURED)
    successor.refresh_from_db()
    response = client.post(
        url("finding-close", successor),
        {
            "version": successor.version,
            "closed_on": "2025-10-01",
            "basis": "letter",
            "reference": "HMI/1",
        },
    )
    assert response.status_code == 302
    assert Finding.objects.get(pk=successor.pk).status == Status.CLOSED


def test_a_tampered_successor_from_another_force_is_refused(client, finding, opcc, other_force):
    foreign = make_finding(report=make_report(force=other_force))
    client.force_login(make_scoped_opcc(finding.force))
    response = client.post(
        url("finding-supersede", finding), {"version": finding.version, "successor": foreign.pk}
    )
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert Finding.objects.get(pk=finding.pk).status == Status.NOT_STARTED


def make_scoped_opcc(force):
    from recommendations.models import Role
    from tests.factories import make_user

    return make_user(Role.OPCC_STAFF, force=force)


def test_a_tampered_finding_id_of_another_force_is_404(client, outsider, finding):
    client.force_login(outsider)
    response = client.post(url("update-create", finding), update_data(finding))
    assert response.status_code == 404
    assert not ProgressUpdate.objects.exists()


def test_create_a_report_with_judgments_then_a_finding(client, opcc, force):
    client.force_login(opcc)
    framework = Framework.objects.get(name="PEEL 2023–25")
    response = client.post(
        reverse("recommendations:report-create"),
        {
            "kind": "peel",
            "title": "PEEL 2025: test force",
            "force": force.pk,
            "framework": framework.pk,
            "published_on": "2025-04-01",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get(title="PEEL 2025: test force")
    area = AssessmentArea.objects.filter(framework=framework, is_graded=True).first()
    response = client.post(
        url("report-edit", report),
        {
            "kind": "peel",
            "title": report.title,
            "force": force.pk,
            "framework": framework.pk,
            "published_on": "2025-04-01",
            f"area_{area.pk}": "inadequate",
        },
    )
    assert response.status_code == 302
    assert report.judgments.get().grade == "inadequate"
    detail = client.get(url("report-detail", report))
    assert b"Inadequate" in detail.content
    assert b"26 May 2025" in detail.content  # s.55: 1 April + 55 days

    response = client.post(
        reverse("recommendations:finding-create", kwargs={"report_pk": report.pk}),
        {"kind": "cause_of_concern", "reference": "CoC1", "text": "The force does not do X"},
    )
    assert response.status_code == 302
    coc = Finding.objects.get(reference="CoC1")
    response = client.post(
        reverse("recommendations:finding-create", kwargs={"report_pk": report.pk}),
        {
            "kind": "recommendation",
            "reference": "coc1",
            "text": "Duplicate number",
            "parent": coc.pk,
        },
    )
    assert response.status_code == 200
    assert b"already has a finding numbered" in response.content
    response = client.post(
        reverse("recommendations:finding-create", kwargs={"report_pk": report.pk}),
        {
            "kind": "cause_of_concern",
            "reference": "CoC2",
            "text": "A cause of concern with a deadline",
            "due_on": "2025-10-01",
        },
    )
    assert b"carries no deadline" in response.content
    assert report.findings.count() == 1


def test_findings_list_filters_live_in_the_url(client, opcc, force):
    today = timezone.localdate()
    report = make_report(force=force)
    overdue = make_finding(report=report, due_on=today - timedelta(days=2), text="Missing children")
    make_finding(report=report, due_on=today + timedelta(days=200), text="Missing children later")
    make_finding(report=report, kind=FindingKind.AREA_FOR_IMPROVEMENT, text="Stop and search")
    client.force_login(opcc)
    response = client.get(
        reverse("recommendations:finding-list"), {"overdue": "on", "q": "missing"}
    )
    assert list(response.context["page"].object_list) == [overdue]
    assert b"<strong>1</strong> finding" in response.content
    assert b"overdue=on" in response.content  # export links carry the filters
    partial = client.get(
        reverse("recommendations:finding-list"),
        {"kind": "area_for_improvement"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert b"<html" not in partial.content
    assert b"Stop and search" in partial.content


def test_export_respects_the_filters(client, opcc, force):
    report = make_report(force=force)
    make_finding(report=report, text="=cmd|' /C calc'!A0")
    make_finding(report=report, kind=FindingKind.AREA_FOR_IMPROVEMENT, text="Not exported")
    client.force_login(opcc)
    response = client.get(reverse("recommendations:finding-export-csv"), {"kind": "recommendation"})
    body = response.content.decode("utf-8-sig")
    assert "Not exported" not in body
    assert "'=cmd" in body
    xlsx = client.get(reverse("recommendations:finding-export-xlsx"))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_closed_finding_offers_no_update_form(client, finding, lead):
    Finding.objects.filter(pk=finding.pk).update(
        status=Status.CLOSED,
        closed_on=date(2025, 1, 1),
        closure_basis="letter",
        closure_reference="L",
    )
    client.force_login(lead)
    assert client.get(url("update-create", finding)).status_code == 403
    assert b"Add progress update" not in client.get(url("finding-detail", finding)).content


def test_assure_page_explains_when_the_finding_is_not_awaiting_assurance(client, finding, opcc):
    client.force_login(opcc)
    response = client.get(url("finding-assure", finding))
    assert response.status_code == 409
    assert b"cannot be moved" in response.content


def test_cached_filter_choices_never_widen_what_a_scoped_user_can_filter_by(
    client, force, other_force, viewer
):
    mine = make_report(force=force, title="Our own report")
    theirs = make_report(force=other_force, title="Another force's report")
    client.force_login(viewer)
    page = client.get(reverse("recommendations:finding-list"))
    assert b"Our own report" in page.content and b"Another force" not in page.content
    # Even a hand-made URL with the other force's report is refused by validation.
    tampered = client.get(reverse("recommendations:finding-list"), {"report": theirs.pk})
    assert not tampered.context["form"].is_valid()
    assert "report" in tampered.context["form"].errors
    assert (
        client.get(reverse("recommendations:finding-list"), {"report": mine.pk})
        .context["form"]
        .is_valid()
    )


def test_the_chief_constables_office_home_shows_its_forces_overdue_and_due_soon(
    client, viewer, force, lead
):
    report = make_report(force=force, published_on=date(2025, 1, 10))
    today = timezone.localdate()
    late = make_finding(report=report, owner=lead, due_on=today - timedelta(days=3))
    soon = make_finding(report=report, owner=lead, due_on=today + timedelta(days=5))
    client.force_login(viewer)
    response = client.get(reverse("recommendations:home"))
    assert list(response.context["overdue"]) == [late]
    assert list(response.context["due_soon"]) == [soon]
    assert f"in {force}" in response.content.decode()


def test_my_work_tells_two_findings_of_the_same_reference_apart(client, lead, force):
    today = timezone.localdate()
    for title, published in (("PEEL 2023", date(2023, 5, 1)), ("NCPI 2024", date(2024, 9, 1))):
        report = make_report(force=force, title=title, published_on=published)
        make_finding(report=report, reference="R1", owner=lead, due_on=today - timedelta(days=1))
    client.force_login(lead)
    page = client.get(reverse("recommendations:home")).content.decode()
    assert 'R1<span class="visually-hidden"> of PEEL 2023</span>' in page
    assert 'R1<span class="visually-hidden"> of NCPI 2024</span>' in page
    assert "(May 2023)" in page and "(Sep 2024)" in page


def test_a_finding_is_superseded_only_by_one_of_its_force_or_a_national_one(
    client, opcc, force, other_force
):
    from django.core.exceptions import ValidationError

    from recommendations import services

    old = make_finding(report=make_report(force=force), due_on=date(2026, 6, 1))
    same_force = make_finding(report=make_report(force=force), due_on=date(2026, 9, 1))
    national = make_finding(report=make_report(force=None), due_on=date(2026, 9, 1))
    elsewhere = make_finding(report=make_report(force=other_force), due_on=date(2026, 9, 1))
    client.force_login(opcc)
    offered = client.get(url("finding-supersede", old)).context["form"].fields["successor"]
    assert set(offered.queryset) == {same_force, national}
    with pytest.raises(ValidationError):
        services.finding_supersede(
            finding=old, expected_version=old.version, successor=elsewhere, by=opcc
        )
    old.refresh_from_db()
    assert old.status == Status.NOT_STARTED


def test_the_engage_panel_says_hmicfrs_decides_exit(client, opcc):
    from django.template.loader import get_template

    source = get_template("dashboards/_engage.html").template.source
    assert "returns to Scan once all are closed" not in source
    assert "HMICFRS decides when the force leaves Engage" in source
