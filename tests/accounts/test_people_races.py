"""Double clicks and people acting at the same moment, on PostgreSQL with real threads:
one account per invitation, one invitation per address, and always an administrator."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation
from recommendations.models import Role, User
from tests.factories import make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real concurrent connections"
    ),
]
PASSWORD = "a long and memorable passphrase"


def together(requests: list[Callable[[], tuple[int, str]]]) -> list[tuple[int, str]]:
    """Run each request in its own thread and database connection, released at once."""
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, str]] = []

    def run(request: Callable[[], tuple[int, str]]) -> None:
        barrier.wait()
        try:
            results.append(request())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def post_as(user: User | None, url: str, data: dict) -> Callable[[], tuple[int, str]]:
    client = Client()
    if user is not None:
        client.force_login(user)

    def request() -> tuple[int, str]:
        response = client.post(url, data)
        return response.status_code, response.content.decode()

    return request


def test_inviting_one_address_twice_at_once_sends_one_invitation(reference_data, opcc, force):
    data = {
        "first_name": "Jo",
        "last_name": "B",
        "email": "jo@force.example",
        "role": Role.VIEWER.value,
        "force": force.pk,
    }
    url = reverse("accounts:person-invite")
    results = together([post_as(opcc, url, data) for _ in range(4)])
    assert sorted(status for status, _ in results) == [302, 400, 400, 400]
    for status, page in results:
        if status == 400:
            assert "invited" in page
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_accepting_one_invitation_twice_at_once_makes_one_account(reference_data, opcc, force):
    staff = Client()
    staff.force_login(opcc)
    staff.post(
        reverse("accounts:person-invite"),
        {"first_name": "Jo", "last_name": "B", "email": "jo@force.example", "role": "Viewer"},
    )
    (path,) = re.findall(r"https?://[^/\s]+(/accounts/invitation/[\w-]+/)", mail.outbox[0].body)
    data = {"first_name": "Jo", "last_name": "B", "password": PASSWORD, "password_again": PASSWORD}
    results = together([post_as(None, path, {**data, "username": f"jo{n}"}) for n in range(4)])
    assert sorted(status for status, _ in results) == [302, 410, 410, 410]
    assert User.objects.filter(email="jo@force.example").count() == 1


def test_two_administrators_deactivating_each_other_at_once_leave_one(reference_data, opcc):
    first = make_user(Role.ADMINISTRATOR, username="first-admin", is_staff=True)
    second = make_user(Role.ADMINISTRATOR, username="second-admin", is_staff=True)

    def deactivate(by: User, person: User) -> Callable[[], tuple[int, str]]:
        return post_as(by, reverse("accounts:person-deactivate", args=[person.pk]), {})

    results = together([deactivate(first, second), deactivate(second, first)])
    assert sorted(status for status, _ in results) == [302, 403]
    assert User.objects.filter(username__endswith="-admin", is_active=True).count() == 1
