"""End to end in headless Chromium, one test per kind of letter. Paste an HMICFRS closure
letter, see which kind it is and the tracked findings proposed with their scores, confirm
the matches, record it, and find the cause of concern closed by HMICFRS (this one saves
docs/screenshots/letter-review.png); a revisit letter with a match changed by hand; an
accelerated letter whose findings are created."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from intake.models import Letter, OutcomeAction
from recommendations.management.commands._seed.seeder import DEMO_FORCE_NAME
from recommendations.models import ClosureBasis, Finding, Force, Status
from tests.intake.letters import ACCELERATED, CLOSURE, REVISIT, tracked_custody_findings
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


def _paste(page: Page, base: str, report, text: str) -> None:
    page.goto(f"{base}{report.get_absolute_url()}")
    page.get_by_role("link", name="Bring findings in").click()
    page.get_by_label("Publication date").fill("")
    page.get_by_label("Paste the report's text").fill(text)
    page.get_by_role("button", name="Find the findings").click()
    expect(page.get_by_role("heading", name="Review the letter")).to_be_visible()


def test_a_revisit_letter_with_a_changed_match_adds_notes_shown_on_the_findings(
    page: Page, demo, console_errors
):
    base = demo.url
    world = tracked_custody_findings(Force.objects.get(name=DEMO_FORCE_NAME))
    sign_in(page, base, "opcc")
    _paste(page, base, world["report"], REVISIT)
    expect(page.locator("#letter-kind")).to_contain_text("Revisit letter")
    items = page.locator("fieldset.letter-item")
    expect(items).to_have_count(3)
    # The person says the last restated recommendation is R3, not the proposed R2.
    items.nth(2).get_by_label("R2 refers to").select_option(str(world["unrelated"].pk))
    page.get_by_role("button", name="Record the letter").click()
    expect(page.get_by_text("3 given a revisit note")).to_be_visible()

    page.goto(f"{base}{world['unrelated'].get_absolute_url()}")
    expect(page.get_by_text("HMICFRS revisit note: revisit letter of 2 May 2025")).to_be_visible()
    note = "Observation levels are now reviewed at every shift change."
    expect(page.get_by_text(note)).to_be_visible()
    assert not world["assessments"].letter_outcomes.exists()
    assert not Finding.objects.filter(report=world["report"], status=Status.CLOSED).exists()
    assert console_errors == [], "\n".join(console_errors)


def test_an_accelerated_letter_creates_its_findings(page: Page, demo, console_errors):
    from recommendations.models import Report, ReportKind

    base = demo.url
    report = Report.objects.create(
        kind=ReportKind.PEEL,
        title="Accelerated cause of concern: calls (illustrative)",
        force=Force.objects.get(name=DEMO_FORCE_NAME),
        published_on=date(2025, 4, 22),
    )
    sign_in(page, base, "opcc")
    _paste(page, base, report, ACCELERATED)
    expect(page.locator("#letter-kind")).to_contain_text("Accelerated cause of concern")
    expect(page.locator("fieldset.letter-item")).to_have_count(3)
    expect(page.get_by_label("Create it as a new finding").first).to_be_checked()
    page.get_by_role("button", name="Record the letter").click()
    expect(page.get_by_text("3 created")).to_be_visible()
    found = list(report.findings.order_by("id").values_list("reference", "due_on"))
    assert found == [("CoC1", None), ("R1", date(2025, 4, 22)), ("R2", date(2025, 7, 31))]
    assert console_errors == [], "\n".join(console_errors)
