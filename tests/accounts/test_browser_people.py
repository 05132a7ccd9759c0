"""In headless Chromium: OPCC staff invite someone, who accepts, signs in and sees My work;
then they are deactivated and refused at once (issue 16 item 1)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from recommendations.models import User
from tests.support import people
from tests.support.browser import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORCE = "Northmoor Constabulary (illustrative)"
EMAIL = "robin.hale@northmoor.example"
PASSWORD = "heather moor lantern quietly"


def test_an_invited_person_signs_in_and_is_refused_once_deactivated(
    page: Page, browser: Browser, browser_context_args: dict, demo, console_errors
):
    base = demo.url
    sign_in(page, base, "opcc")
    people.invite(
        page, base, first="Robin", last="Hale", email=EMAIL, role="Force lead", force=FORCE
    )
    invited = page.locator("#invitations")
    expect(invited).to_contain_text(EMAIL)
    expect(invited).to_contain_text("✓ Sent")

    # The invitee, in a browser of their own.
    their_browser = browser.new_context(**browser_context_args)
    theirs = their_browser.new_page()
    theirs.on("pageerror", lambda exc: console_errors.append(str(exc)))
    theirs.on(
        "response",
        lambda r: console_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    people.accept(theirs, base, email=EMAIL, username="rhale", password=PASSWORD)
    expect(theirs.locator("#signed-in-as")).to_contain_text(FORCE, use_inner_text=False)

    # The link is spent: opening it again says so, clearly.
    theirs.goto(base + people.invitation_link(EMAIL))
    expect(
        theirs.get_by_role("heading", name="This invitation has already been accepted")
    ).to_be_visible()
    theirs.goto(base + "/")

    page.reload()
    expect(page.locator("#invitations")).to_have_count(0)
    page.get_by_role("link", name="Robin Hale").click()
    expect(page.locator("#person-summary")).to_contain_text("Force lead")
    expect(page.locator("#person-summary")).to_contain_text(FORCE)
    page.get_by_role("link", name="Deactivate Robin Hale…").click()
    expect(page.get_by_role("heading", name="Deactivate Robin Hale?")).to_be_visible()
    page.get_by_role("button", name="Deactivate Robin Hale").click()
    expect(page.get_by_text("Robin Hale was deactivated")).to_be_visible()
    assert not User.objects.get(username="rhale").is_active

    # Their open session ends at once, and their password no longer lets them in.
    theirs.reload()
    expect(theirs.get_by_role("heading", name="Sign in")).to_be_visible()
    theirs.get_by_label("Username").fill("rhale")
    theirs.get_by_label("Password").fill(PASSWORD)
    theirs.get_by_role("button", name="Sign in").click()
    expect(theirs.get_by_text("Your username and password did not match")).to_be_visible()

    their_browser.close()
    sign_out(page)
    # The 410 of the spent link is expected; nothing else may have failed.
    assert [e for e in console_errors if "410" not in e] == []
