"""Browser steps for inviting someone and accepting the invitation (issue 16 item 1), shared
by the people tests and the issue's end-to-end walk."""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import Page, expect


def invite(
    page: Page, base: str, *, first: str, last: str, email: str, role: str, force: str | None
) -> None:
    """As someone who manages people and is signed in: invite a person from the People page."""
    page.goto(base + "/")
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("radio", name=re.compile(f"^{re.escape(role)}:")).check()
    page.get_by_label("Force", exact=True).select_option(label=force or "All forces")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text(f"Invitation sent to {email}")).to_be_visible()


def invitation_link(email: str) -> str:
    """The path of the link in the latest invitation emailed to this address."""
    message = next(m for m in reversed(mail.outbox) if m.to == [email] and "invited" in m.subject)
    (path,) = re.findall(r"https?://[^/\s]+(/accounts/invitation/[\w-]+/)", message.body)
    return path


def accept(page: Page, base: str, *, email: str, username: str, password: str) -> None:
    """As the invitee, signed out: open the emailed link, choose a username and password,
    and sign in with them, arriving at My work."""
    page.goto(base + invitation_link(email))
    expect(page.get_by_role("heading", name="Welcome to Oversight")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.locator("#id_password").fill(password)  # its label is a prefix of the next one's
    page.get_by_label("Password again").fill(password)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Your account is ready")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
