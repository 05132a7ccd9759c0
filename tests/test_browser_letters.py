"""End to end in headless Chromium: paste an HMICFRS closure letter, see which kind it is
and the tracked findings proposed with their scores, confirm the matches, record it, and
find the cause of concern closed by HMICFRS. Saves docs/screenshots/letter-review.png."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from intake.models import Letter, OutcomeAction
from recommendations.management.commands._seed.seeder import DEMO_FORCE_NAME
from recommendations.models import ClosureBasis, Finding, Force, Status
from tests.intake.letters import CLOSURE, tracked_custody_findings
from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_paste_a_closure_letter_confirm_the_matches_and_the_cause_is_closed(
    page: Page, demo, console_errors
):
    base = demo.url
    world = tracked_custody_findings(Force.objects.get(name=DEMO_FORCE_NAME))
    report = world["report"]
    sign_in(page, base, "opcc")
    page.goto(f"{base}{report.get_absolute_url()}")
    page.get_by_role("link", name="Bring findings in").click()
    page.get_by_label("Publication date").fill("")
    page.get_by_label("Paste the report's text").fill(CLOSURE)
    page.get_by_role("button", name="Find the findings").click()

    expect(page.get_by_role("heading", name="Review the letter")).to_be_visible()
    expect(page.locator("#letter-kind")).to_contain_text("Closure letter")
    expect(page.get_by_label("Letter’s date")).to_have_value("2025-06-12")
    items = page.locator("fieldset.letter-item")
    expect(items).to_have_count(3)
    first = items.nth(0)
    expect(first.locator(".letter-proposal")).to_contain_text("Proposed match: CoC1")
    expect(first.locator(".letter-score")).to_contain_text("% similar")
    expect(first.get_by_label("Close it: closed by HMICFRS, dated from the letter")).to_be_checked()
    # R2 is still in progress, so the screen proposes a revisit note rather than closing it.
    expect(items.nth(2).get_by_label("Add a dated HMICFRS revisit note")).to_be_checked()
    page.get_by_label("Letter reference").fill("HMICFRS/2025/17")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "letter-review")

    page.get_by_role("button", name="Record the letter").click()
    expect(page.get_by_role("heading", name=report.title)).to_be_visible()
    expect(page.get_by_text("2 closed by HMICFRS, 1 given a revisit note")).to_be_visible()

    coc = Finding.objects.get(pk=world["coc"].pk)
    assert coc.status == Status.CLOSED
    assert coc.closed_on == date(2025, 6, 12)
    assert coc.closure_basis == ClosureBasis.LETTER
    assert coc.closure_reference == "HMICFRS/2025/17"
    assert Finding.objects.get(pk=world["assessments"].pk).status == Status.IN_PROGRESS
    letter = Letter.objects.get()
    assert set(letter.outcomes.values_list("action", flat=True)) == {
        OutcomeAction.CLOSED,
        OutcomeAction.REVISIT_NOTE,
    }
    assert console_errors == [], "\n".join(console_errors)
