"""Issue 12 item 4: a stolen password is not enough to enrol a second factor."""

from __future__ import annotations

import re
from base64 import b32encode
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import EmailLink, TwoFactorPolicy
from audit.models import AuditEvent, Event
from recommendations.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a long and memorable passphrase"
LINK_SENT = b"We have emailed you a link to set up your second factor"


@pytest.fixture
def person(db):
    TwoFactorPolicy.objects.create(
        group=Group.objects.get(name=Role.OPCC_STAFF.value), required=True
    )
    user = make_user(Role.OPCC_STAFF, username="pat", email="pat@opcc.example")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client: Client, username: str = "pat"):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def link_path(message) -> str:
    (url,) = re.findall(r"https?://\S+/accounts/two-factor/set-up/[\w-]+/", message.body)
    assert url in message.alternatives[0][0]
    return urlsplit(url).path


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def test_a_password_alone_shows_no_secret_and_emails_a_set_up_link(client, person, mailoutbox):
    sign_in(client)
    home = client.get(reverse("recommendations:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("accounts:two-factor"))
    page = client.get(home.url)

    assert page.status_code == 200 and LINK_SENT in page.content
    assert b"totp-secret" not in page.content and b"otpauth://" not in page.content
    for device in TOTPDevice.objects.all():
        assert b32encode(device.bin_key) not in page.content
    (message,) = mailoutbox
    assert message.to == ["pat@opcc.example"]
    assert "with your password" in message.body and "If this was not you" in message.body
    assert AuditEvent.objects.filter(event=Event.TWO_FACTOR_LINK_SENT, user=person).count() == 1
    # Guessing codes on the page enrols nothing: there is nothing to confirm.
    client.post(reverse("accounts:two-factor"), {"code": "123456"})
    assert not TOTPDevice.objects.filter(user=person, confirmed=True).exists()


def test_the_emailed_link_sets_up_the_device_once_audits_it_and_tells_the_person(
    client, person, mailoutbox, django_capture_on_commit_callbacks
):
    sign_in(client)
    opened = client.get(link_path(mailoutbox[0]))
    assert opened.status_code == 302 and opened.url == reverse("accounts:two-factor-setup")
    page = client.get(opened.url)
    assert b'id="totp-secret"' in page.content
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert b32encode(device.bin_key) in page.content

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(opened.url, {"code": code_for(device)})

    assert confirmed.status_code == 302
    assert client.get(reverse("recommendations:home")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    added = AuditEvent.objects.get(event=Event.TWO_FACTOR_ADDED)
    assert (added.user, added.object_id) == (person, str(device.pk))
    notice = mailoutbox[-1]
    assert notice.to == ["pat@opcc.example"]
    assert "a new sign-in device was added" in notice.subject
    assert "If this wasn't you" in notice.body
    # Used once: the same link now sets nothing up.
    again = client.get(link_path(mailoutbox[0]))
    assert again.status_code == 302 and again.url == reverse("accounts:two-factor")


def test_the_link_needs_the_password_too_and_only_works_for_its_owner(client, person, mailoutbox):
    sign_in(client)
    path = link_path(mailoutbox[0])
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    someone_else = Client()
    someone_else.force_login(make_user(Role.OPCC_STAFF, email="sam@opcc.example"))
    opened = someone_else.get(path)
    assert opened.url == reverse("accounts:two-factor")
    page = someone_else.get(reverse("accounts:two-factor-setup"), follow=True)
    assert b"totp-secret" not in page.content
    assert b"has expired, has already been used, or belongs to another account" in page.content


def test_the_link_lasts_thirty_minutes(client, person, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(minutes=20))
        client.get(reverse("accounts:two-factor"))  # keeps the session from idling out
        clock.shift(timedelta(minutes=11))
        opened = client.get(link_path(mailoutbox[0]), follow=True)
    assert b"totp-secret" not in opened.content
    assert b"has expired" in opened.content


def test_an_opened_link_that_expires_before_the_code_is_confirmed_enrols_nothing(
    client, person, mailoutbox
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_in(client)
        client.get(link_path(mailoutbox[0]))
        client.get(reverse("accounts:two-factor-setup"))
        device = TOTPDevice.objects.get(user=person)
        clock.shift(timedelta(minutes=29))
        client.get(reverse("accounts:two-factor"))
        clock.shift(timedelta(minutes=2))
        late = client.post(reverse("accounts:two-factor-setup"), {"code": code_for(device)})
    assert late.status_code == 302 and late.url == reverse("accounts:two-factor")
    device.refresh_from_db()
    assert not device.confirmed


def test_signing_in_again_sends_no_second_link_while_one_is_live(client, person, mailoutbox):
    sign_in(client)
    sign_in(Client())
    assert len(mailoutbox) == 1
    # Asked for explicitly: one more, but not one a second.
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        client.post(reverse("accounts:two-factor-setup-send"))
        client.post(reverse("accounts:two-factor-setup-send"))
    assert len(mailoutbox) == 2
    assert link_path(mailoutbox[0]) != link_path(mailoutbox[1])


def test_only_a_hash_of_the_link_is_stored(client, person, mailoutbox):
    sign_in(client)
    token = link_path(mailoutbox[0]).rstrip("/").rsplit("/", 1)[1]
    link = EmailLink.objects.get()
    assert token not in link.token_hash
    for row in AuditEvent.objects.values():
        assert token not in str(row)


def test_someone_with_no_email_address_is_told_to_ask_an_administrator(client, mailoutbox):
    TwoFactorPolicy.objects.create(group=Group.objects.get(name=Role.VIEWER.value), required=True)
    user = make_user(Role.VIEWER, email="")
    client.force_login(user)
    page = client.get(reverse("accounts:two-factor"))
    assert b"has no email address" in page.content and not mailoutbox
