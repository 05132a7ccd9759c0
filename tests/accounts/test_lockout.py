"""Issue 12 item 5: nobody can lock a person out from elsewhere; a locked or slowed
person is shown a way back in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

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
