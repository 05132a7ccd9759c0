"""End to end in headless Chromium: OPCC staff finish drafting the PCC's s.55 response to the
NCPI report, the PCC approves it, the drafted statement's print page, and the public
progress page after OPCC staff publish it. Saves the README's screenshots."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from publishing.models import S55Response, Stage
from recommendations.models import ReportKind
from tests.support.browser import accessibility_violations, shot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_draft_approve_print_and_publish_the_public_page(page: Page, demo, console_errors):
    base = demo.url
    response = S55Response.objects.get(report__kind=ReportKind.NCPI)
    assert response.stage == Stage.DRAFT
    detail = f"{base}{reverse('publishing:response-detail', args=[response.pk])}"

    # 1. OPCC staff answer the last recommendation and save the draft.
    sign_in(page, base, "opcc")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="PCC responses").click()
    expect(
        page.get_by_role("heading", name="PCC responses (Police Act 1996, s.55)")
    ).to_be_visible()
    page.goto(detail)
    expect(page.get_by_text("No response yet")).to_be_visible()
    page.get_by_role("link", name="Edit the response").click()
    page.get_by_label("R4: steps taken or planned").fill(
        "The force will audit a sample of referrals each quarter. (Illustrative.)"
    )
    page.get_by_label("The PCC's view").fill(
        "I share the inspectorate's concern.\n\nThe public must be able to trust the force."
    )
    shot(page, "response-editor")
    page.get_by_role("button", name="Save the response").click()
    expect(page.get_by_text("Response saved.")).to_be_visible()
    expect(page.get_by_text("No response yet")).to_have_count(0)
    # Staff cannot approve: only the PCC can.
    expect(page.get_by_role("link", name="Approve as the PCC")).to_have_count(0)
    sign_out(page)

    # 2. The PCC approves it.
    sign_in(page, base, "pcc")
    page.goto(detail)
    page.get_by_role("link", name="Approve as the PCC").click()
    page.get_by_role("button", name="Approve the response").click()
    expect(page.get_by_text("The response is now: Approved by the PCC.")).to_be_visible()
    expect(page.get_by_role("link", name="Edit the response")).to_have_count(0)

    # 3. The drafted statement prints as a document.
    page.get_by_role("link", name="Drafted statement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Response of the Police and")
    expect(page.get_by_role("heading", name="Response to each recommendation")).to_be_visible()
    expect(page.get_by_text("The force will audit a sample of referrals")).to_be_visible()
    shot(page, "response-statement")
    page.get_by_role("link", name="Back to the response").click()
    sign_out(page)

    # 4. OPCC staff publish the public page; anyone can read it without signing in.
    sign_in(page, base, "opcc")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="PCC responses").click()
    page.get_by_role("link", name="Public progress pages").click()
    page.get_by_role("link", name="Northmoor Constabulary (illustrative)").click()
    page.get_by_role("button", name="Publish the public page").click()
    expect(
        page.get_by_text("The public page now shows what is marked publishable.")
    ).to_be_visible()
    sign_out(page)
    page.goto(
        f"{base}{reverse('publishing:public-page', args=['northmoor-constabulary-illustrative'])}"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Northmoor Constabulary")
    expect(
        page.get_by_role("table", name="Recommendations and areas for improvement by status")
    ).to_be_visible()
    expect(page.get_by_role("link", name="download as CSV")).to_be_visible()
    expect(page.get_by_text("Response officers are being trained")).to_be_visible()
    shot(page, "public-page")
    assert accessibility_violations(page) == []
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    assert console_errors == []
