"""End to end in headless Chromium: the daily workflow of OPCC staff, force leads and viewers.

These tests also save the README's screenshots to docs/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from recommendations.models import Finding, Status
from tests.support.browser import shot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_update_report_complete_and_assure_across_three_roles(
    page: Page, demo, console_errors, tmp_path
):
    base = demo.url
    overdue = Finding.objects.get(report__kind="peel", reference="R3")
    assert overdue.status == Status.IN_PROGRESS

    # 1. OPCC staff find the overdue recommendation through the filters.
    sign_in(page, base, "opcc")
    shot(page, "my-work")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Findings").click()
    page.get_by_label("Kind").select_option("recommendation")
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"overdue=on"))
    expect(page).to_have_url(re.compile(r"kind=recommendation"))
    results = page.locator("#results")
    expect(results.get_by_role("link", name="R3", exact=True)).to_be_visible()
    shot(page, "findings-list")
    results.get_by_role("link", name="R3", exact=True).click()
    expect(page.get_by_role("heading", name="Recommendation R3")).to_be_visible()

    # ... and add an update with a PDF.
    page.get_by_role("link", name="Add progress update").click()
    page.get_by_label("Narrative").fill("OPCC visit: training records checked on site.")
    page.get_by_label("Amber").check()
    evidence = tmp_path / "site-visit-notes.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("Evidence", exact=True).set_input_files(str(evidence))
    page.get_by_label("Evidence is effective from").fill("2026-11-20")
    shot(page, "progress-update-form")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_text("Progress update added to R3.")).to_be_visible()
    expect(page.get_by_role("link", name="site-visit-notes.pdf")).to_be_visible()
    sign_out(page)

    # 2. The force lead who owns it reports it complete.
    sign_in(page, base, "forcelead")
    page.goto(f"{base}/findings/{overdue.pk}/")
    page.get_by_role("link", name="Add progress update").click()
    page.get_by_label("Narrative").fill("All response officers trained; register attached.")
    page.get_by_label("Green").check()
    page.get_by_label("Report this finding as complete").check()
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_text("Progress update added to R3.")).to_be_visible()
    expect(page.locator("#finding-status .status-badge")).to_have_text("Reported complete")
    expect(page.get_by_role("link", name="Assure or challenge")).to_have_count(0)
    sign_out(page)

    # 3. OPCC staff assure it; the timeline shows all three entries.
    sign_in(page, base, "opcc")
    # My work names each reference with its report, so two R3s can be told apart.
    expect(page.get_by_role("link", name=re.compile(r"^R3 of ")).first).to_be_visible()
    page.goto(f"{base}/findings/{overdue.pk}/")
    page.get_by_role("link", name="Assure or challenge").click()
    page.get_by_label("Accepted").check()
    page.get_by_label("Reason").fill("Training register verified against HR records.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("#finding-status .status-badge")).to_have_text("Assured by OPCC")
    timeline = page.locator(".timeline")
    expect(timeline.get_by_role("heading", name=re.compile("^Assured by the OPCC"))).to_be_visible()
    expect(timeline.get_by_role("heading", name=re.compile("^Reported complete"))).to_be_visible()
    expect(timeline.get_by_text("OPCC visit: training records checked on site.")).to_be_visible()
    shot(page, "finding-detail")

    page.goto(f"{base}{overdue.report.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Graded judgments (PEEL 2023–25)")).to_be_visible()
    shot(page, "report-detail")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    shot(page, "reports-list")
    assert console_errors == []


def test_a_viewer_sees_no_edit_controls_and_a_forged_post_is_refused(page: Page, demo):
    base = demo.url
    finding = Finding.objects.get(report__kind="peel", reference="R4")
    before = (finding.status, finding.version)
    sign_in(page, base, "viewer")
    page.goto(f"{base}/findings/{finding.pk}/")
    expect(page.get_by_role("heading", name="Recommendation R4")).to_be_visible()
    for control in ("Add progress update", "Assure or challenge", "Record HMICFRS closure"):
        expect(page.get_by_role("link", name=control)).to_have_count(0)
    expect(page.get_by_role("button", name="More actions")).to_have_count(0)

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{base}/findings/{finding.pk}/assure/",
        form={"csrfmiddlewaretoken": token, "version": str(finding.version), "outcome": "accepted"},
        headers={"Referer": f"{base}/findings/{finding.pk}/"},
    )
    assert response.status == 403
    finding.refresh_from_db()
    assert (finding.status, finding.version) == before


def test_keyboard_only_progress_update(page: Page, demo):
    base = demo.url
    finding = Finding.objects.get(report__kind="peel", reference="R6")
    sign_in(page, base, "forcelead2")
    page.goto(f"{base}/findings/{finding.pk}/updates/new/")

    # The skip link is the first stop and takes focus to the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")

    narrative = page.get_by_label("Narrative")
    while not narrative.evaluate("el => el === document.activeElement"):
        page.keyboard.press("Tab")
    page.keyboard.type("Two more investigators started this week.")
    page.keyboard.press("Tab")  # into the RAG radio group
    page.keyboard.press("Space")  # choose the first option (Red)
    page.keyboard.press("ArrowDown")  # move to Amber
    expect(page.get_by_label("Amber")).to_be_checked()
    # Focus is visible: the focused element draws an outline.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    submit = page.get_by_role("button", name="Save update")
    while not submit.evaluate("el => el === document.activeElement"):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Progress update added to R6.")).to_be_visible()
    assert finding.updates.filter(narrative__startswith="Two more investigators").exists()


def test_errors_are_summarised_and_linked_to_their_fields(page: Page, demo):
    base = demo.url
    finding = Finding.objects.get(report__kind="peel", reference="R6")
    sign_in(page, base, "forcelead2")
    page.goto(f"{base}/findings/{finding.pk}/updates/new/")
    page.get_by_role("button", name="Save update").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    summary.get_by_role("link", name=re.compile("Narrative")).click()
    expect(page.get_by_label("Narrative")).to_be_focused()
