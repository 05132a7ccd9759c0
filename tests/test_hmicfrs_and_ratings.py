"""HMICFRS's own record beside Oversight's, the OPCC's rating beside the force's, and reports
entered after the fact (issue 16, items 5 to 7)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse

from recommendations import hmicfrs
from recommendations.models import Finding, HmicfrsStatus, Report, Status
from tests.factories import make_finding, make_report

pytestmark = pytest.mark.django_db


def test_hmicfrs_status_is_recorded_beside_oversights_with_the_date_checked(client, opcc, force):
    finding = make_finding(report=make_report(force=force), due_on=date(2026, 6, 1))
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:finding-hmicfrs", args=[finding.pk]),
        {
            "version": finding.version,
            "hmicfrs_id": "40123",
            "hmicfrs_status": "being_progressed",
            "checked_on": "2026-11-30",
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.hmicfrs_id, finding.hmicfrs_status, finding.status) == (
        "40123",
        HmicfrsStatus.BEING_PROGRESSED,
        Status.NOT_STARTED,
    )
    assert finding.hmicfrs_status_checked_on == date(2026, 11, 30)
    page = client.get(finding.get_absolute_url()).content.decode()
    assert "ID 40123; Being progressed on its portal (checked 30 Nov 2026)" in page


def test_a_status_without_the_date_it_was_checked_is_refused(opcc, force):
    finding = make_finding(report=make_report(force=force))
    with pytest.raises(ValidationError):
        hmicfrs.finding_hmicfrs_record(
            finding=finding,
            expected_version=1,
            by=opcc,
            hmicfrs_id="1",
            hmicfrs_status="completed",
            checked_on=None,
        )
    assert Finding.objects.get(pk=finding.pk).hmicfrs_status == ""


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Status.NOT_STARTED, "Being progressed"),
        (Status.ASSURED, "Awaiting review"),
        (Status.CLOSED, "Completed"),
        (Status.NO_FURTHER_ACTION, "No further action needed"),
        (Status.SUPERSEDED, "Superseded"),
    ],
)
def test_every_oversight_status_has_hmicfrss_word_for_it(status, words):
    assert hmicfrs.in_hmicfrs_terms(status).label == words


def test_a_closure_by_portal_status_change_needs_no_letter(client, opcc, force):
    finding = make_finding(report=make_report(force=force), due_on=date(2026, 6, 1))
    Finding.objects.filter(pk=finding.pk).update(status=Status.ASSURED)
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:finding-close", args=[finding.pk]),
        {"version": finding.version, "basis": "portal", "closed_on": "2026-11-20"},
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert (finding.status, finding.closure_basis, finding.closure_reference) == (
        Status.CLOSED,
        "portal",
        "",
    )
    export = client.get(reverse("recommendations:finding-export-csv")).content.decode("utf-8-sig")
    assert "Completed" in export and "Status change on HMICFRS's monitoring portal" in export


def _ratings(finding: Finding) -> str:
    return Template("{% load oversight %}{{ finding|ratings }}").render(
        Context({"finding": finding})
    )


def test_a_challenged_finding_never_shows_the_forces_rating_alone(client, opcc, force):
    finding = make_finding(report=make_report(force=force), due_on=date(2026, 6, 1))
    Finding.objects.filter(pk=finding.pk).update(
        status=Status.REPORTED_COMPLETE, rag="green", version=1
    )
    client.force_login(opcc)
    refused = client.post(
        reverse("recommendations:finding-assure", args=[finding.pk]),
        {"version": 1, "outcome": "challenged", "reason": "Only one district."},
    )
    assert refused.status_code == 400  # no OPCC rating given
    client.post(
        reverse("recommendations:finding-assure", args=[finding.pk]),
        {"version": 1, "outcome": "challenged", "reason": "Only one district.", "opcc_rag": "red"},
    )
    finding.refresh_from_db()
    shown = _ratings(finding)
    assert "Green" in shown and "OPCC: " in shown and "Red" in shown
    # One challenged before the OPCC rated findings still says the OPCC's view.
    finding.opcc_rag = ""
    assert "OPCC: challenged" in _ratings(finding)
    listed = client.get(reverse("recommendations:finding-list")).content.decode()
    assert "OPCC: " in listed


def test_a_report_entered_after_the_fact_is_not_chased_for_its_s55_response(client, opcc, force):
    old = make_report(force=force, published_on=date(2019, 3, 1), entered_after_the_fact=True)
    current = make_report(force=force, published_on=date(2026, 11, 1))
    outstanding = set(Report.objects.s55_response_outstanding())
    assert current in outstanding and old not in outstanding
    assert old.response_days_left(today=date(2026, 12, 4)) is None
    client.force_login(opcc)
    page = client.get(old.get_absolute_url()).content.decode()
    assert "Not tracked: entered after the fact" in page
    assert "Overdue by" not in page


@pytest.mark.parametrize(
    ("due_on", "today", "words"),
    [
        (date(2026, 12, 3), date(2026, 12, 4), "1 day"),
        (date(2025, 12, 4), date(2026, 12, 4), "365 days"),
        (date(2019, 3, 31), date(2026, 12, 4), "7 years 8 months"),
        (date(2025, 11, 30), date(2026, 12, 4), "1 year"),
    ],
)
def test_long_overdue_is_told_in_months_and_years(due_on, today, words):
    rendered = Template("{% load oversight %}{{ due_on|overdue_for:today }}").render(
        Context({"due_on": due_on, "today": today})
    )
    assert rendered == words
