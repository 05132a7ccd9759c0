"""Someone who forgot their password gets a link from staff who manage people, not from the
admin: it goes to their own address, works once, and the second factor still applies."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailLink, LinkPurpose, TwoFactorPolicy
from audit.models import AuditEvent, Event
from recommendations.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a brand new memorable passphrase"


@pytest.fixture
def staff(client, opcc):
    client.force_login(opcc)
    return client


@pytest.fixture
def person(force):
    return make_user(Role.FORCE_LEAD, force=force, username="pat", email="pat@force.example")


def send(staff: Client, person) -> None:
    response = staff.post(reverse("accounts:person-password-link", args=[person.pk]))
    assert response.status_code == 302


def link_path(message) -> str:
    (url,) = re.findall(r"https?://\S+/accounts/set-password/[\w-]+/", message.body)
    return urlsplit(url).path


def set_password(client: Client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


def test_the_person_sets_a_new_password_from_the_emailed_link(
    staff, opcc, person, mailoutbox, django_capture_on_commit_callbacks
):
    theirs = Client()
    theirs.force_login(person)
    AccessAttempt.objects.create(
        username="pat", ip_address="10.0.0.1", failures_since_start=5, user_agent="x"
    )
    send(staff, person)
    (message,) = mailoutbox
    assert message.to == ["pat@force.example"] and "set a new password" in message.subject
    assert str(opcc) in message.body
    path = link_path(message)
    page = Client().get(path)
    assert page.status_code == 200 and b"Set a new password for pat" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = set_password(Client(), path)
    assert response.status_code == 302 and response.url == reverse("login")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert theirs.get(reverse("recommendations:home")).status_code == 302  # signed out
    assert not AccessAttempt.objects.filter(username="pat").exists()
    assert "your password was changed" in mailoutbox[-1].subject
    sent = AuditEvent.objects.get(event=Event.PASSWORD_LINK_SENT)
    assert (sent.user, sent.object_id) == (opcc, str(person.pk))
    assert AuditEvent.objects.filter(event=Event.PASSWORD_SET_BY_LINK, user=person).exists()
    again = set_password(Client(), path, "yet another long passphrase")
    assert again.status_code == 404 and b"This link is not valid" in again.content


def test_a_newer_link_kills_the_older_and_links_last_a_day(staff, person, mailoutbox):
    send(staff, person)
    refused = staff.post(reverse("accounts:person-password-link", args=[person.pk]), follow=True)
    assert b"a moment ago" in refused.content and len(mailoutbox) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        send(staff, person)
    first, second = (link_path(m) for m in mailoutbox)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    link = EmailLink.objects.get(purpose=LinkPurpose.SET_PASSWORD, used_at__isnull=True)
    assert link.expires_at - link.created_at == timedelta(hours=24)
    with time_machine.travel(link.expires_at + timedelta(seconds=1)):
        assert Client().get(second).status_code == 404


def test_a_weak_password_is_refused_and_the_link_still_works(staff, person, mailoutbox):
    send(staff, person)
    path = link_path(mailoutbox[0])
    weak = set_password(Client(), path, "short")
    assert weak.status_code == 400 and "at least 12 characters" in weak.content.decode()
    person.refresh_from_db()
    assert not person.check_password("short")
    assert set_password(Client(), path).status_code == 302


def test_no_link_for_oneself_an_administrator_someone_deactivated_or_without_email(
    staff, opcc, administrator, person, mailoutbox
):
    for target in (opcc, administrator):
        url = reverse("accounts:person-password-link", args=[target.pk])
        assert staff.post(url).status_code == 403
    no_email = make_user(Role.VIEWER, email="")
    page = staff.post(reverse("accounts:person-password-link", args=[no_email.pk]), follow=True)
    assert b"has no email address" in page.content
    gone = make_user(Role.VIEWER, is_active=False)
    page = staff.post(reverse("accounts:person-password-link", args=[gone.pk]), follow=True)
    assert b"reactivate them first" in page.content
    assert mailoutbox == []


def test_a_link_sent_before_deactivation_no_longer_works(staff, person, mailoutbox):
    send(staff, person)
    staff.post(reverse("accounts:person-deactivate", args=[person.pk]))
    assert Client().get(link_path(mailoutbox[0])).status_code == 404
    assert set_password(Client(), link_path(mailoutbox[0])).status_code == 404


def test_the_second_factor_is_still_asked_for(staff, person, mailoutbox):
    TwoFactorPolicy.objects.create(
        group=Group.objects.get(name=Role.FORCE_LEAD.value), required=True
    )
    send(staff, person)
    set_password(Client(), link_path(mailoutbox[0]))
    theirs = Client()
    theirs.post(reverse("login"), {"username": "pat", "password": NEW_PASSWORD})
    home = theirs.get(reverse("recommendations:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("accounts:two-factor"))


def test_a_mail_server_failure_sends_nothing_and_says_so(staff, person, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    url = reverse("accounts:person-password-link", args=[person.pk])
    page = staff.post(url, follow=True)
    assert b"The email could not be sent" in page.content
    assert not EmailLink.objects.filter(purpose=LinkPurpose.SET_PASSWORD).exists()
    assert not AuditEvent.objects.filter(event=Event.PASSWORD_LINK_SENT).exists()
