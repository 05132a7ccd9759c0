"""In headless Chromium: first two-factor set-up through the emailed link, and the
way back in for a locked-out person (issue 12 items 4 and 5)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.models import TwoFactorPolicy
from recommendations.models import Role
from tests.support.browser import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def link_in(message: mail.EmailMessage, path: str) -> str:
    (url,) = re.findall(rf"https?://\S+({path}[\w-]+/)", message.body)
    return url


def test_two_factor_is_set_up_through_the_emailed_link(page: Page, demo, console_errors):
    base = demo.url
    TwoFactorPolicy.objects.create(
        group=Group.objects.get(name=Role.OPCC_STAFF.value), required=True
    )
    password_sign_in(page, base, "opcc")
    expect(
        page.get_by_text("We have emailed you a link to set up your second factor")
    ).to_be_visible()
    expect(page.locator("#totp-secret")).to_have_count(0)

    page.goto(base + link_in(mail.outbox[-1], "/accounts/two-factor/set-up/"))
    expect(page.locator("#totp-secret")).to_be_visible()
    device = TOTPDevice.objects.get(user__username="opcc", confirmed=False)
    page.get_by_label("6-digit code from your authenticator app").fill(
        f"{totp(device.bin_key):06d}"
    )
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_text("Two-factor sign-in is set up.")).to_be_visible()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    assert "new sign-in device" in mail.outbox[-1].subject
    assert console_errors == []


def test_a_locked_out_person_gets_back_in_with_the_emailed_link_and_their_password(
    page: Page, demo, console_errors
):
    base = demo.url
    for _ in range(5):
        password_sign_in(page, base, "viewer", "not the password at all")
    expect(page.get_by_role("heading", name="Too many failed sign-in attempts")).to_be_visible()
    console_errors.clear()  # the 429 itself is expected
    page.get_by_role("button", name="Email me a link to sign in again").click()
    expect(page.get_by_text("If that username has an email address with us")).to_be_visible()

    page.goto(base + link_in(mail.outbox[-1], "/accounts/sign-in-link/"))
    page.get_by_role("button", name="Lift the lock").click()
    expect(page.get_by_text("You can sign in again now")).to_be_visible()
    password_sign_in(page, base, "viewer")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    assert console_errors == []
