"""Issue 12 item 5: nobody can lock a person out from elsewhere; a locked or slowed
person is shown a way back in."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import TwoFactorPolicy
from accounts.throttle import wait_seconds
from audit.models import AuditEvent, Event
from recommendations.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a long and memorable passphrase"
ATTACKER = "198.51.100.9"
OFFICE = "192.0.2.10"


@pytest.fixture
def pat(db):
    user = make_user(Role.OPCC_STAFF, username="pat", email="pat@opcc.example")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(address: str, password: str = PASSWORD, username: str = "pat", client=None):
    return (client or Client()).post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_failures_from_one_address_lock_only_that_address_for_that_username(pat):
    for _ in range(5):
        sign_in(ATTACKER, "guessing")
    assert sign_in(ATTACKER).status_code == 429  # the guesser is locked out
    assert sign_in(OFFICE).status_code == 302  # the person, elsewhere, is not


def spread_failures(n: int) -> None:
    """n wrong passwords for pat, each from a different address (a botnet's pattern)."""
    for i in range(n):
        assert sign_in(f"203.0.113.{i + 1}", "guessing").status_code == 200


def failures_counted() -> int:
    return AccessAttempt.objects.aggregate(total=Sum("failures_since_start"))["total"] or 0


def test_guessing_from_many_addresses_slows_each_address_but_never_locks_the_person(pat):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        spread_failures(12)  # two past the slower limit of 10: each address now waits 4 s
        counted = failures_counted()

        again = sign_in("203.0.113.1", PASSWORD)  # even the right password is not checked yet
        assert again.status_code == 429 and again["Retry-After"] == "4"
        assert b"wait 4 seconds before trying again" in again.content
        assert failures_counted() == counted  # a refused try is not counted either
        refused = AuditEvent.objects.filter(event=Event.SIGN_IN_FAILED).latest("id")
        assert refused.detail == {"refused_to_slow_guessing": True, "wait_seconds": 4}

        assert sign_in(OFFICE).status_code == 302  # the person's first try is never delayed

        clock.shift(timedelta(seconds=5))
        assert sign_in("203.0.113.1", "guessing").status_code == 200  # checked again


def test_a_hundred_addresses_guessing_still_cannot_keep_the_person_out(pat):
    with time_machine.travel(timezone.now(), tick=False):
        spread_failures(100)
        assert sign_in(OFFICE).status_code == 302


def test_the_wait_doubles_with_each_failure_up_to_a_limit(pat, settings):
    settings.OVERSIGHT_SIGN_IN_SLOW_MAX_SECONDS = 600
    now = timezone.now()

    def wait_after(failures: int) -> int:
        AccessAttempt.objects.all().delete()
        with time_machine.travel(now, tick=False):  # the attempt's time is set on insert
            AccessAttempt.objects.create(
                username="pat", ip_address=ATTACKER, user_agent="", failures_since_start=failures
            )
        return wait_seconds(username="pat", ip_address=ATTACKER, now=now)

    assert [wait_after(n) for n in (9, 10, 11, 12, 15, 19, 20, 400)] == [
        0, 1, 2, 4, 32, 512, 600, 600,
    ]  # fmt: skip
    # Another address, with no failures of its own, never waits.
    assert wait_seconds(username="pat", ip_address=OFFICE, now=now) == 0
    # The wait runs from the address's last failure; and failures older than the
    # cool-off window no longer count.
    assert wait_seconds(username="pat", ip_address=ATTACKER, now=now + timedelta(seconds=599)) == 1
    assert wait_seconds(username="pat", ip_address=ATTACKER, now=now + timedelta(minutes=16)) == 0


def lock_out(address: str = OFFICE, client=None):
    for _ in range(5):
        response = sign_in(address, "mistyped", client=client)
    assert response.status_code == 429
    return response


def emailed_link(message) -> str:
    (url,) = re.findall(r"https?://\S+/accounts/sign-in-link/[\w-]+/", message.body)
    return urlsplit(url).path


def test_a_locked_person_gets_an_emailed_link_that_lifts_the_lock_and_still_needs_the_password(
    pat, mailoutbox
):
    client = Client()
    locked = lock_out(client=client)
    assert b"Email me a link to sign in again" in locked.content
    asked = client.post(
        reverse("accounts:sign-in-link-request"), {"username": "pat"}, REMOTE_ADDR=OFFICE
    )
    assert asked.status_code == 302 and asked.url == reverse("login")
    (message,) = mailoutbox
    assert message.to == ["pat@opcc.example"] and OFFICE in message.body
    link = emailed_link(message)

    assert b"Lift the lock" in client.get(link, REMOTE_ADDR=OFFICE).content
    assert sign_in(OFFICE).status_code == 429  # opening the link alone changes nothing
    lifted = client.post(link, REMOTE_ADDR=OFFICE)
    assert lifted.status_code == 302 and lifted.url == reverse("login")
    home = client.get(reverse("recommendations:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("login"))  # not signed in
    assert sign_in(OFFICE, client=client).status_code == 302  # the password signs in

    cleared = AuditEvent.objects.get(event=Event.LOCKOUT_CLEARED)
    assert cleared.user == pat and cleared.detail["ip_addresses"] == [OFFICE]
    assert AuditEvent.objects.filter(event=Event.SIGN_IN_LINK_SENT, user=pat).count() == 1
    again = Client().post(link, REMOTE_ADDR=OFFICE, follow=True)
    assert b"has expired or has already been used" in again.content


def test_the_link_lifts_the_lock_only_for_that_person_there(pat, mailoutbox):
    lock_out(ATTACKER)
    lock_out(OFFICE)
    Client().post(reverse("accounts:sign-in-link-request"), {"username": "pat"}, REMOTE_ADDR=OFFICE)
    Client().post(emailed_link(mailoutbox[0]), REMOTE_ADDR="192.0.2.99")  # opened on a phone
    assert sign_in(ATTACKER).status_code == 429
    assert sign_in(OFFICE).status_code == 302


def test_the_link_does_not_get_past_the_second_factor(pat, mailoutbox):
    TwoFactorPolicy.objects.create(
        group=Group.objects.get(name=Role.OPCC_STAFF.value), required=True
    )
    TOTPDevice.objects.create(user=pat, confirmed=True, name="Phone")
    client = Client()
    lock_out(client=client)
    client.post(reverse("accounts:sign-in-link-request"), {"username": "pat"}, REMOTE_ADDR=OFFICE)
    client.post(emailed_link(mailoutbox[0]), REMOTE_ADDR=OFFICE)
    sign_in(OFFICE, client=client)
    home = client.get(reverse("recommendations:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("accounts:two-factor"))


def test_a_slowed_person_is_offered_the_link_too_and_it_lifts_the_wait(pat, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False):
        spread_failures(12)
        assert sign_in(OFFICE, "mistyped").status_code == 200  # their own typo: now they wait
        slowed = sign_in(OFFICE)
        assert slowed.status_code == 429 and b"Email me a link" in slowed.content
        Client().post(
            reverse("accounts:sign-in-link-request"), {"username": "pat"}, REMOTE_ADDR=OFFICE
        )
        Client().post(emailed_link(mailoutbox[0]), REMOTE_ADDR=OFFICE)
        assert sign_in(OFFICE).status_code == 302


def test_asking_for_a_link_reveals_nothing_and_cannot_flood_an_inbox(pat, mailoutbox):
    ask = reverse("accounts:sign-in-link-request")
    unknown = Client().post(ask, {"username": "nobody"}, REMOTE_ADDR=ATTACKER, follow=True)
    known = Client().post(ask, {"username": "pat"}, REMOTE_ADDR=ATTACKER, follow=True)
    assert unknown.status_code == known.status_code == 200
    message = b"If that username has an email address with us, we have sent a link to it."
    assert message in unknown.content and message in known.content
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        for _ in range(5):
            Client().post(ask, {"username": "pat"}, REMOTE_ADDR=ATTACKER)
    assert len(mailoutbox) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        Client().post(ask, {"username": "pat"}, REMOTE_ADDR=ATTACKER)
    assert len(mailoutbox) == 2


def test_the_link_lasts_thirty_minutes(pat, mailoutbox):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        lock_out()
        Client().post(
            reverse("accounts:sign-in-link-request"), {"username": "pat"}, REMOTE_ADDR=OFFICE
        )
        clock.shift(timedelta(minutes=31))
        late = Client().post(emailed_link(mailoutbox[0]), REMOTE_ADDR=OFFICE, follow=True)
        assert b"has expired" in late.content
        assert sign_in(OFFICE).status_code == 302  # the 15-minute lock has ended by itself anyway
