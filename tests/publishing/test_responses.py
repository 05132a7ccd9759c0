"""The PCC's s.55 response: its stages and what each refuses, the per-recommendation
answers, and how the tracker, reminders and calendar read its stage."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from publishing import rules, services
from publishing.models import RecommendationResponse, S55Response, Stage
from publishing.services import StageDetails
from recommendations import services as domain
from recommendations.models import Report
from reminders import calendar
from reminders import services as reminders
from reminders.models import Reminder
from tests.factories import make_report

pytestmark = pytest.mark.django_db

ON = date(2026, 2, 1)


def _draft(response, opcc, answers=None):
    return services.response_edit(
        response=response,
        expected_version=response.version,
        by=opcc,
        narrative={"headline": "Para one.\r\n\r\nPara two\u202e."},
        answers=answers or {},
    )


def _approved(report, recommendations, opcc, pcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    response = services.response_move(response=response, to=Stage.DRAFT, by=opcc)
    _draft(response, opcc, {f.pk: (f"Steps for {f.reference}.", "") for f in recommendations})
    return services.response_move(response=response, to=Stage.APPROVED, by=pcc)


def test_starting_a_response_prefills_each_recommendation_from_owner_and_latest_update(
    report, recommendations, afi, lead, opcc
):
    first = recommendations[0]
    domain.progress_update_add(
        finding=first,
        expected_version=first.version,
        author=lead,
        narrative="Training plan agreed.",
        rag="amber",
        as_at=date(2026, 1, 20),
    )
    response = services.response_start(report=report, force=report.force, by=opcc)
    rows = {r.finding.reference: r for r in response.recommendation_responses.all()}
    assert set(rows) == {"R1", "R2"}  # areas for improvement need no response
    assert "Training plan agreed." in rows["R1"].steps
    assert str(lead) in rows["R1"].steps
    assert services.response_start(report=report, force=report.force, by=opcc) == response


def test_text_is_plain_with_paragraphs_and_no_bidi_overrides(report, recommendations, opcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    response = _draft(response, opcc)
    assert response.headline == "Para one.\n\nPara two."
    assert response.version == 2


def test_a_stale_edit_is_refused_and_changes_nothing(report, recommendations, opcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    _draft(response, opcc)
    with pytest.raises(ValidationError) as caught:
        services.response_edit(
            response=response,
            expected_version=1,
            by=opcc,
            narrative={"headline": "Overwrite"},
            answers={},
        )
    assert caught.value.code == "stale"
    assert S55Response.objects.get(pk=response.pk).headline == "Para one.\n\nPara two."


def test_approval_is_blocked_while_a_recommendation_has_no_response(
    report, recommendations, opcc, pcc
):
    response = services.response_start(report=report, force=report.force, by=opcc)
    response = services.response_move(response=response, to=Stage.DRAFT, by=opcc)
    RecommendationResponse.objects.filter(response=response).update(steps="")
    _draft(response, opcc, {recommendations[0].pk: ("", "The force already does this.")})
    with pytest.raises(ValidationError) as caught:
        services.response_move(response=response, to=Stage.APPROVED, by=pcc)
    assert caught.value.code == "unanswered"
    assert "R2 has neither" in caught.value.messages[0]
    assert S55Response.objects.get(pk=response.pk).stage == Stage.DRAFT


def test_only_the_pcc_approves(report, recommendations, opcc, pcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    response = services.response_move(response=response, to=Stage.DRAFT, by=opcc)
    with pytest.raises(PermissionDenied):
        services.response_move(response=response, to=Stage.APPROVED, by=opcc)
    approved = services.response_move(response=response, to=Stage.APPROVED, by=pcc)
    assert approved.approved_by == pcc and approved.approved_at is not None


def test_the_stages_in_order_and_what_each_refuses(report, recommendations, lead, opcc, pcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    with pytest.raises(ValidationError, match="cannot be moved"):
        services.response_move(response=response, to=Stage.PUBLISHED, by=opcc)
    with pytest.raises(ValidationError, match="date"):
        services.response_move(response=response, to=Stage.COMMENTS_INVITED, by=opcc)
    with pytest.raises(ValidationError, match="before the report"):
        services.response_move(
            response=response,
            to=Stage.COMMENTS_INVITED,
            by=opcc,
            details=StageDetails(on=date(2025, 12, 1)),
        )
    response = services.response_move(
        response=response, to=Stage.COMMENTS_INVITED, by=opcc, details=StageDetails(on=ON)
    )
    with pytest.raises(ValidationError, match="comments"):
        services.response_move(
            response=response, to=Stage.COMMENTS_RECEIVED, by=lead, details=StageDetails(on=ON)
        )
    # The force lead brings the chief constable's comments, but drafts nothing.
    response = services.response_move(
        response=response,
        to=Stage.COMMENTS_RECEIVED,
        by=lead,
        details=StageDetails(on=ON, comments="We accept the findings."),
    )
    with pytest.raises(PermissionDenied):
        services.response_move(response=response, to=Stage.DRAFT, by=lead)
    response = services.response_move(response=response, to=Stage.DRAFT, by=opcc)
    _draft(response, opcc, {f.pk: ("Steps.", "") for f in recommendations})
    response = services.response_move(response=response, to=Stage.APPROVED, by=pcc)
    with pytest.raises(ValidationError, match="reopen it as a draft"):
        _draft(response, opcc)
    response = services.response_move(
        response=response, to=Stage.SENT, by=opcc, details=StageDetails(on=ON)
    )
    with pytest.raises(ValidationError, match="web address"):
        services.response_move(
            response=response, to=Stage.PUBLISHED, by=opcc, details=StageDetails(on=ON)
        )
    response = services.response_move(
        response=response,
        to=Stage.PUBLISHED,
        by=opcc,
        details=StageDetails(on=ON, url="https://pcc.example/response"),
    )
    assert response.stage == Stage.PUBLISHED
    report.refresh_from_db()
    assert report.response_published_on == ON  # the domain's record follows
    assert services.ALLOWED[Stage.PUBLISHED] == ()


def test_reopening_an_approved_response_drops_the_approval(report, recommendations, opcc, pcc):
    response = _approved(report, recommendations, opcc, pcc)
    response = services.response_move(response=response, to=Stage.DRAFT, by=opcc)
    assert response.approved_by is None and response.approved_at is None


def test_not_applicable_needs_a_reason(report, opcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    with pytest.raises(ValidationError, match="does not apply"):
        services.response_move(response=response, to=Stage.NOT_APPLICABLE, by=opcc)
    response = services.response_move(
        response=response,
        to=Stage.NOT_APPLICABLE,
        by=opcc,
        details=StageDetails(reason="Published before we used Oversight."),
    )
    assert response.is_finished


def test_a_user_of_another_force_cannot_start_or_draft(report, outsider, opcc):
    with pytest.raises(PermissionDenied):
        services.response_start(report=report, force=report.force, by=outsider)
    response = services.response_start(report=report, force=report.force, by=opcc)
    with pytest.raises(PermissionDenied):
        _draft(response, outsider)


def test_a_national_report_has_a_response_per_force_and_stays_outstanding_until_all_settle(
    force, other_force, opcc
):
    national = make_report(force=None, published_on=date(2026, 1, 5))
    mine = services.response_start(report=national, force=force, by=opcc)
    theirs = services.response_start(report=national, force=other_force, by=opcc)
    assert mine != theirs
    services.response_move(
        response=mine, to=Stage.NOT_APPLICABLE, by=opcc, details=StageDetails(reason="Covered.")
    )
    assert rules.outstanding(Report.objects.filter(pk=national.pk)).exists()
    services.response_move(
        response=theirs, to=Stage.NOT_APPLICABLE, by=opcc, details=StageDetails(reason="Covered.")
    )
    assert not rules.outstanding(Report.objects.filter(pk=national.pk)).exists()


def _not_applicable(report, opcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    return services.response_move(
        response=response,
        to=Stage.NOT_APPLICABLE,
        by=opcc,
        details=StageDetails(reason="Entered for the record."),
    )


def test_a_not_applicable_response_is_never_reminded_and_its_reminders_are_cancelled(force, opcc):
    today = date(2026, 3, 2)
    report = make_report(force=force, published_on=today - timedelta(days=55 - 7))
    reminders.reminders_scan(today=today)
    assert Reminder.objects.filter(kind="s55_response", recipient=opcc).count() == 1
    _not_applicable(report, opcc)
    reminders.digests_compose(today=today)
    assert Reminder.objects.get(kind="s55_response", recipient=opcc).cancelled
    other = make_report(force=force, published_on=today - timedelta(days=55 - 7), title="Other")
    _not_applicable(other, opcc)
    reminders.reminders_scan(today=today)
    assert not Reminder.objects.filter(kind="s55_response", item_id=other.pk).exists()


def test_a_settled_response_leaves_the_calendar(force, opcc):
    today = date(2026, 3, 2)
    report = make_report(force=force, published_on=today - timedelta(days=20))
    uid = f"s55-{report.pk}"
    window = {"since": today, "until": today + timedelta(days=60)}
    assert uid in calendar.dated_items(opcc, **window)
    _not_applicable(report, opcc)
    assert uid not in calendar.dated_items(opcc, **window)


def test_the_dashboard_tracker_shows_stages_and_never_counts_a_settled_response_overdue(
    client, force, opcc, settings
):
    from django.utils import timezone

    today = timezone.localdate()
    late = make_report(force=force, published_on=today - timedelta(days=90), title="Late one")
    settled = make_report(force=force, published_on=today - timedelta(days=90), title="Settled")
    _not_applicable(settled, opcc)
    drafting = services.response_start(report=late, force=force, by=opcc)
    services.response_move(response=drafting, to=Stage.DRAFT, by=opcc)
    client.force_login(opcc)
    rows = {
        r.report.title: r
        for r in client.get(reverse("dashboards:dashboard")).context["board"].s55.rows
    }
    assert rows["Late one"].days_left < 0 and rows["Late one"].stage_label == "Draft"
    assert rows["Settled"].days_left is None
    page = client.get(reverse("dashboards:dashboard")).content.decode()
    assert "s.55 not applicable" in page


def test_the_docx_opens_and_holds_each_recommendations_response(
    client, report, recommendations, opcc, pcc
):
    from docx import Document

    response = _approved(report, recommendations, opcc, pcc)
    client.force_login(opcc)
    got = client.get(reverse("publishing:statement-docx", args=[response.pk]))
    assert got.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(got.content)).paragraphs)
    assert "Steps for R1." in text and "Steps for R2." in text
    assert "Recommendation R1" in text and "The PCC's view" in text
    assert "Para one." in text and "Para two." in text


def test_the_pdf_has_the_statements_headings(client, report, recommendations, opcc, pcc):
    from pypdf import PdfReader

    response = _approved(report, recommendations, opcc, pcc)
    client.force_login(opcc)
    got = client.get(reverse("publishing:statement-pdf", args=[response.pk]))
    assert got["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(got.content)).pages)
    for heading in (
        "The report and its headline conclusion",
        "What happens next",
        "Response to each recommendation",
        "Recommendation R2",
    ):
        assert heading in text


def test_an_uploaded_final_version_is_checked_and_every_version_is_kept(
    report, recommendations, opcc
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import pdf_upload

    response = services.response_start(report=report, force=report.force, by=opcc)
    with pytest.raises(ValidationError):
        services.response_document_add(
            response=response,
            upload=SimpleUploadedFile("final.pdf", b"MZ\x90\x00 not a pdf"),
            by=opcc,
        )
    services.response_document_add(response=response, upload=pdf_upload("v1.pdf"), by=opcc)
    services.response_document_add(response=response, upload=pdf_upload("v2.pdf"), by=opcc)
    assert [d.number for d in response.documents.all()] == [2, 1]
    assert response.latest_document().original_name == "v2.pdf"


def test_the_editor_saves_through_the_page(client, report, recommendations, opcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    client.force_login(opcc)
    url = reverse("publishing:response-edit", args=[response.pk])
    data = {"version": response.version, "headline": "<b>Bold</b> claim"}
    data |= {f"steps_{f.pk}": "Done." for f in recommendations}
    data[f"reason_{recommendations[0].pk}"] = "And a reason."
    page = client.post(url, data)
    assert page.status_code == 200
    assert "not both" in page.content.decode()
    data.pop(f"reason_{recommendations[0].pk}")
    assert client.post(url, data).status_code == 302
    response.refresh_from_db()
    assert response.headline == "<b>Bold</b> claim"  # kept as text, escaped when shown
    shown = client.get(reverse("publishing:response-detail", args=[response.pk])).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt;" in shown


def test_inviting_comments_records_the_date_asked_for_on_the_report(report, opcc):
    response = services.response_start(report=report, force=report.force, by=opcc)
    services.response_move(
        response=response,
        to=Stage.COMMENTS_INVITED,
        by=opcc,
        details=StageDetails(on=ON, comments_due_on=ON + timedelta(days=14)),
    )
    report.refresh_from_db()
    assert report.chief_constable_comments_by == ON + timedelta(days=14)


def test_publishing_writes_are_on_the_audit_trail(report, opcc):
    from audit.models import AuditEvent

    services.response_start(report=report, force=report.force, by=opcc)
    assert AuditEvent.objects.filter(object_type="publishing.S55Response").exists()


def test_a_force_lead_brings_the_comments_as_a_file_and_readers_download_it(
    client, report, recommendations, lead, viewer, opcc
):
    from tests.factories import pdf_upload

    response = services.response_start(report=report, force=report.force, by=opcc)
    response = services.response_move(
        response=response, to=Stage.COMMENTS_INVITED, by=opcc, details=StageDetails(on=ON)
    )
    client.force_login(lead)
    url = reverse("publishing:response-stage", args=[response.pk, Stage.COMMENTS_RECEIVED])
    got = client.post(
        url,
        {"version": response.version, "on": "2026-02-03", "comments_file": pdf_upload("cc.pdf")},
    )
    assert got.status_code == 302
    response.refresh_from_db()
    assert response.stage == Stage.COMMENTS_RECEIVED and response.comments_file_name == "cc.pdf"
    # The force lead supplies comments but does not draft.
    edit = reverse("publishing:response-edit", args=[response.pk])
    assert client.get(edit).status_code == 403
    client.force_login(viewer)
    download = client.get(reverse("publishing:comments-file", args=[response.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
