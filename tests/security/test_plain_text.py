"""Bidirectional controls and stray line breaks never reach what is stored (issue 12, item 13)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from recommendations.models import Finding, ProgressUpdate, Report, ReportKind
from recommendations.plaintext import multi_line, single_line
from tests.factories import make_finding, make_report

RLO = "\u202e"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (f"R1{RLO}6202 eud", "R16202 eud"),
        ("Title\r\nwith a break", "Title with a break"),
        ("Line\u2028separator\u2066isolated\u2069", "Line separatorisolated"),
        ("\u200fmarked\u200e", "marked"),
        ("  spaced  \n", "spaced"),
    ],
)
def test_single_line_text_loses_bidi_controls_and_line_breaks(typed, stored):
    assert single_line(typed) == stored


def test_multi_line_text_keeps_its_paragraphs_and_right_to_left_marks():
    typed = f"First paragraph.\r\n\r\nSecond{RLO} one.\rThird \u200fquote\u200e."
    assert multi_line(typed) == "First paragraph.\n\nSecond one.\nThird \u200fquote\u200e."


@pytest.mark.django_db
def test_a_report_title_is_stored_on_one_line_without_overrides(client, opcc, force):
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:report-create"),
        {
            "kind": ReportKind.PEEL,
            "title": f"PEEL\r\n2025{RLO} report",
            "force": force.pk,
            "published_on": "2025-03-04",
            "summary": f"One.\r\nTwo{RLO}.",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.title, report.summary) == ("PEEL 2025 report", "One.\nTwo.")


@pytest.mark.django_db
def test_a_findings_reference_and_text_and_an_updates_narrative_are_cleaned(client, opcc, force):
    report = make_report(force=force)
    client.force_login(opcc)
    client.post(
        reverse("recommendations:finding-create", args=[report.pk]),
        {"kind": "recommendation", "reference": f"R{RLO}9", "text": f"Do this.\r\nThen{RLO} that."},
    )
    finding = Finding.objects.get(report=report)
    assert (finding.reference, finding.text) == ("R9", "Do this.\nThen that.")
    other = make_finding(report=report, due_on=date(2026, 6, 1))
    client.post(
        reverse("recommendations:update-create", args=[other.pk]),
        {
            "version": other.version,
            "narrative": f"Work{RLO} done\r\n",
            "rag": "green",
            "as_at": "2026-05-01",
        },
    )
    assert ProgressUpdate.objects.get(finding=other).narrative == "Work done"


@pytest.mark.django_db
def test_findings_brought_in_from_a_spreadsheet_are_cleaned_as_a_form_would(opcc, force):
    from django.db import transaction

    from intake import imports, spreadsheets

    report = make_report(force=force)
    sheet = spreadsheets.read_spreadsheet(
        f'reference,kind,text\nR{RLO}1,recommendation,"Act now.\r\nThen{RLO} report."\n'.encode(),
        "findings.csv",
        published_on=report.published_on,
    )
    with transaction.atomic():
        imports.findings_import(report=report, sheet=sheet, by=opcc)
    finding = Finding.objects.get(report=report)
    assert (finding.reference, finding.text) == ("R1", "Act now.\nThen report.")
