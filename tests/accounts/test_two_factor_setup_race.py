"""Issue 12 item 6: the two-factor set-up page under concurrent requests, and the
duplicates the old race left behind."""

from __future__ import annotations

import re
import threading
import time
from importlib import import_module

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp import models as totp_models
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import make_user

REQUESTS = 12
INDEX = "accounts_one_unconfirmed_totp_per_user"


@pytest.fixture
def slow_key_generation(monkeypatch):
    """Widen the gap between "is there a device?" and "insert one", as a busy server would."""
    original = totp_models.random_hex

    def slow_random_hex(*args, **kwargs):
        time.sleep(0.05)
        return original(*args, **kwargs)

    monkeypatch.setattr(totp_models, "random_hex", slow_random_hex)


def concurrent_gets(session_cookie: str, url: str, n: int) -> list[int]:
    """GET `url` n times at once, each from its own thread and database connection."""
    barrier = threading.Barrier(n)
    statuses: list[int] = []

    def get() -> None:
        client = Client(raise_request_exception=False)
        client.cookies["sessionid"] = session_cookie
        barrier.wait()
        try:
            statuses.append(client.get(url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=get) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs real concurrent connections (PostgreSQL)"
)
def test_twelve_concurrent_set_up_pages_make_one_device_and_every_page_still_works(
    transactional_db, slow_key_generation
):
    person = make_user(username="racer")
    client = Client(raise_request_exception=False)
    client.force_login(person)
    client.post(reverse("accounts:two-factor-setup-send"))
    (message,) = mail.outbox
    (link,) = re.findall(r"/accounts/two-factor/set-up/[\w-]+/", message.body)
    url = client.get(link).url
    assert url == reverse("accounts:two-factor-setup")

    statuses = concurrent_gets(client.cookies["sessionid"].value, url, REQUESTS)

    assert statuses == [200] * REQUESTS
    assert TOTPDevice.objects.filter(user=person, confirmed=False).count() == 1
    assert client.get(url).status_code == 200  # and the next visit too


def test_the_database_refuses_a_second_unconfirmed_device(db):
    person = make_user()
    TOTPDevice.objects.create(user=person, confirmed=False, name="first")
    with pytest.raises(IntegrityError), transaction.atomic():
        TOTPDevice.objects.create(user=person, confirmed=False, name="second")
    TOTPDevice.objects.create(user=person, confirmed=True, name="a confirmed one is fine")


def _duplicates_as_the_old_race_left_them(person) -> None:
    # Inside the test's transaction, so the index is back afterwards.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    for name in ("one", "two", "three"):
        TOTPDevice.objects.create(user=person, confirmed=False, name=name)


def test_the_set_up_page_tolerates_duplicates_left_by_the_old_race(client, db):
    person = make_user()
    _duplicates_as_the_old_race_left_them(person)
    client.force_login(person)
    client.post(reverse("accounts:two-factor-setup-send"))
    (link,) = re.findall(r"/accounts/two-factor/set-up/[\w-]+/", mail.outbox[0].body)
    assert client.get(client.get(link).url).status_code == 200


def test_the_migration_removes_old_duplicates_before_adding_the_index(db):
    migration = import_module("accounts.migrations.0002_one_unconfirmed_totp_device")
    person, other = make_user(), make_user()
    _duplicates_as_the_old_race_left_them(person)
    confirmed = TOTPDevice.objects.create(user=other, confirmed=True, name="kept")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The inserts above queue deferred foreign-key checks, which block an index.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(migration.DEDUPLICATE)
        cursor.execute(migration.CREATE)
    assert list(TOTPDevice.objects.filter(user=person).values_list("name", flat=True)) == ["one"]
    assert TOTPDevice.objects.filter(pk=confirmed.pk).exists()
