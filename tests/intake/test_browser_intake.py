"""End to end in headless Chromium: paste a report, review the highlighted findings, drop one,
add one the engine missed from a selection in the text, bring them in. Saves
docs/screenshots/review-screen.png for the README."""

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
    # A sentence the engine took as narrative, added from a selection in the source.
    selected = page.locator("div.intake-source").evaluate(
        """(el, needle) => {
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(needle);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + needle.length);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
            node.parentElement.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
            return true;
          }
          return false;
        }""",
        "A well-run control room should be able to see demand building and move staff to meet it.",
    )
    assert selected
    adding = page.locator("#intake-add")
    expect(adding.get_by_label("Text of the finding")).to_have_value(
        "A well-run control room should be able to see demand building and move staff to meet it."
    )
    adding.get_by_label("Kind").select_option("recommendation")
    adding.get_by_label("Cause of concern it answers").select_option(index=1)  # CoC1
    adding.get_by_label("Timeframe as written").fill("Within six months")
    adding.get_by_role("button", name="Add this finding").click()
    expect(page.get_by_text("R5 added.")).to_be_visible()
    expect(cards).to_have_count(8)
    # After the htmx swap: a full-page screenshot leaves style="" on inputs, which htmx's
    # attribute settling would then try to copy (and the CSP would refuse).
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "review-screen")

    page.get_by_role("button", name="Bring in 8 findings").click()
    expect(page.get_by_role("heading", name=report.title)).to_be_visible()
    expect(page.get_by_text("8 findings brought in from pasted text")).to_be_visible()
    expect(page.get_by_role("heading", name="Causes of concern")).to_be_visible()
    expect(page.get_by_role("link", name="R1", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="R3", exact=True)).to_have_count(0)

    found = {f.reference: f for f in report.findings.select_related("parent")}
    assert sorted(found) == ["AFI1", "AFI2", "AFI3", "CoC1", "R1", "R2", "R4", "R5"]
    assert found["R5"].parent == found["CoC1"]
    assert found["R5"].due_on == date(2025, 5, 14)
    assert found["R1"].parent == found["CoC1"]
    assert found["R1"].due_on == date(2025, 2, 14)
    assert found["R4"].due_on == date(2025, 5, 31)
    assert console_errors == [], "\n".join(console_errors)
