"""End to end in headless Chromium: one full cycle of a performance and accountability
session. OPCC staff add a question to the proposed agenda and issue it; the force lead
answers it from My work; OPCC staff mark the session held, record the decision and an
action, and approve the minutes. Saves the README's screenshots of the agenda pack and
the minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accountability.demo import NEXT_TITLE, POST_TITLE
from accountability.models import Session, SessionStatus
from recommendations.models import Action
from tests.support.browser import accessibility_violations, shot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "How many referrals are still waiting for review? (Illustrative.)"
ANSWER = "Forty-two, down from ninety in the spring. (Illustrative.)"


def test_one_full_session_cycle(page: Page, demo, console_errors):
    base = demo.url
    session = Session.objects.get(title=NEXT_TITLE)
    assert session.status == SessionStatus.PLANNED

    # 1. OPCC staff open the proposed agenda, ask a question and issue it.
    sign_in(page, base, "opcc")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    expect(
        page.get_by_role("heading", name="Performance and accountability sessions")
    ).to_be_visible()
    page.get_by_role("link", name=NEXT_TITLE).click()
    expect(page.get_by_role("heading", name="1. Actions from the previous session")).to_be_visible()
    overdue = page.get_by_role("region", name="Overdue")
    overdue.get_by_role("link", name="Add a question").first.click()
    page.get_by_label("Question").fill(QUESTION)
    page.get_by_label("For the post").select_option(label=f"{POST_TITLE} (Force Lead (demo))")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Question added.")).to_be_visible()
    page.get_by_role("button", name="Issue the agenda").click()
    expect(page.get_by_text("Agenda issued.")).to_be_visible()
    page.get_by_role("link", name="Agenda pack").click()
    expect(page.get_by_role("heading", name="Agenda pack")).to_be_visible()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    shot(page, "session-agenda")
    assert accessibility_violations(page) == []
    page.get_by_role("link", name="Back to the session").click()
    sign_out(page)

    # 2. The force lead, who holds the post asked, answers from My work.
    sign_in(page, base, "forcelead")
    expect(page.get_by_role("heading", name="Questions from the OPCC for my posts")).to_be_visible()
    page.get_by_role("link", name=QUESTION).click()
    page.get_by_label("Your answer").fill(ANSWER)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Answer saved.")).to_be_visible()
    expect(page.get_by_text(ANSWER)).to_be_visible()
    expect(page.get_by_role("button", name="Issue the agenda again")).to_have_count(0)
    sign_out(page)

    # 3. OPCC staff hold the meeting, record the decision and an action, approve the minutes.
    sign_in(page, base, "opcc")
    page.goto(f"{base}{session.get_absolute_url()}")
    page.get_by_role("button", name="Mark as held").click()
    expect(page.get_by_text("Marked as held.")).to_be_visible()
    item = page.locator("article.agenda-item", has_text=QUESTION)
    item.get_by_role("link", name="Record the decision").click()
    page.get_by_label("What was said").fill("The backlog is falling; the PCC wants the audit.")
    page.get_by_label("More evidence needed").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Recorded.")).to_be_visible()
    item = page.locator("article.agenda-item", has_text=QUESTION)
    item.get_by_role("link", name="Agree an action").click()
    page.get_by_label("Action").fill("Share the referral audit with the OPCC (illustrative).")
    page.get_by_label("Owner (post)").select_option(label=f"{POST_TITLE} (Force Lead (demo))")
    page.get_by_label("Deadline").fill(f"{timezone.localdate() + timedelta(days=30):%Y-%m-%d}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Action added")).to_be_visible()
    page.get_by_role("button", name="Approve the minutes").click()
    expect(page.get_by_text("Minutes approved.")).to_be_visible()
    page.get_by_role("link", name="Minutes", exact=True).click()
    expect(page.get_by_role("heading", name="Minutes", exact=True)).to_be_visible()
    decisions = page.get_by_role("table")
    expect(decisions).to_contain_text("More evidence needed")
    expect(decisions).to_contain_text("Share the referral audit with the OPCC")
    shot(page, "session-minutes")
    assert accessibility_violations(page) == []

    session.refresh_from_db()
    assert session.status == SessionStatus.MINUTES_APPROVED
    action = Action.objects.get(description__startswith="Share the referral audit")
    assert action.session_link.session == session and action.owner.username == "forcelead"
    assert console_errors == []
