"""End to end in headless Chromium: paste a report, review the highlighted findings, drop one,
bring the rest in. Saves docs/screenshots/review-screen.png for the README."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from recommendations.management.commands._seed.seeder import DEMO_FORCE_NAME
from recommendations.models import Force, Report, ReportKind
from tests.intake.conftest import PUBLISHED
from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_paste_review_drop_and_bring_in(page: Page, demo, console_errors, peel_text):
    base = demo.url
    report = Report.objects.create(
        kind=ReportKind.PEEL,
        title="PEEL 2025–27: an inspection of Northmoor Constabulary (illustrative)",
        force=Force.objects.get(name=DEMO_FORCE_NAME),
        published_on=PUBLISHED,
    )
    sign_in(page, base, "opcc")
    page.goto(f"{base}{report.get_absolute_url()}")
    page.get_by_role("link", name="Bring findings in").click()
    expect(page.get_by_label("Publication date")).to_have_value("2024-11-14")
    page.get_by_label("Paste the report's text").fill(peel_text)
    page.get_by_role("button", name="Find the findings").click()

    expect(page.get_by_role("heading", name="Review the findings")).to_be_visible()
    cards = page.locator("article.intake-card")
    expect(cards).to_have_count(8)
    source = page.get_by_role("region", name="The report's text")
    expect(source.locator("mark").first).to_be_visible()
    assert source.locator("mark").count() >= 8
    expect(source.get_by_role("link", name="CoC1")).to_be_visible()

    # Working on a finding highlights where it came from (static/js/intake.js).
    r1 = page.locator(
        "article.intake-card", has=page.get_by_role("heading", name="R1 Recommendation")
    )
    r1.get_by_label("Reference").focus()
    expect(source.locator("mark.is-active").first).to_be_visible()

    # Drop R3 (in place, through htmx).
    page.get_by_role("button", name="Drop R3").click()
    expect(page.get_by_text("R3 dropped: it will not be brought in.")).to_be_visible()
    expect(cards).to_have_count(7)
    expect(page.get_by_role("button", name="Restore R3")).to_be_visible()
    # After the htmx swap: a full-page screenshot leaves style="" on inputs, which htmx's
    # attribute settling would then try to copy (and the CSP would refuse).
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "review-screen")

    page.get_by_role("button", name="Bring in 7 findings").click()
    expect(page.get_by_role("heading", name=report.title)).to_be_visible()
    expect(page.get_by_text("7 findings brought in from pasted text")).to_be_visible()
    expect(page.get_by_role("heading", name="Causes of concern")).to_be_visible()
    expect(page.get_by_role("link", name="R1", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="R3", exact=True)).to_have_count(0)

    found = {f.reference: f for f in report.findings.select_related("parent")}
    assert sorted(found) == ["AFI1", "AFI2", "AFI3", "CoC1", "R1", "R2", "R4"]
    assert found["R1"].parent == found["CoC1"]
    assert found["R1"].due_on == date(2025, 2, 14)
    assert found["R4"].due_on == date(2025, 5, 31)
    assert console_errors == [], "\n".join(console_errors)
