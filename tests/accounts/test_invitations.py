"""Issue 16 item 1: people are invited in the app and choose their own username and password."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.models import EmailStatus, Invitation, TwoFactorPolicy, token_hash
from audit.models import AuditEvent, Event
from recommendations.models import Role, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "a long and memorable passphrase"


def invite(client: Client, **fields: str):
    data = {
        "first_name": "Jo",
        "last_name": "Bloggs",
        "email": "jo.bloggs@force.example",
        "role": Role.FORCE_LEAD.value,
        **fields,
    }
    return client.post(reverse("accounts:person-invite"), data)


def link_path(message: mail.EmailMessage) -> str:
    (url,) = re.findall(r"https?://\S+/accounts/invitation/[\w-]+/", message.body)
    assert url in message.alternatives[0][0]
    return urlsplit(url).path


def accept(client: Client, path: str, **fields: str):
    data = {
        "first_name": "Jo",
        "last_name": "Bloggs",
        "username": "jbloggs",
        "password": PASSWORD,
        "password_again": PASSWORD,
        **fields,
    }
    return client.post(path, data)


@pytest.fixture
def staff(client, opcc):
    client.force_login(opcc)
    return client


def test_an_invitation_emails_a_single_use_link_and_lists_them_as_invited(
    staff, opcc, force, mailoutbox
):
    response = invite(staff, force=force.pk)
    assert response.status_code == 302 and response.url == reverse("accounts:people")

    (message,) = mailoutbox
    assert message.to == ["jo.bloggs@force.example"]
    assert message.subject == "You are invited to Oversight"
    assert "Force lead" in message.body and force.name in message.body
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.force, invitation.invited_by) == (
        Role.FORCE_LEAD,
        force,
        opcc,
    )
    assert invitation.email_status == EmailStatus.SENT
    # Only a hash of the token is kept.
    token = link_path(message).rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == token_hash(token) and token not in str(
        Invitation.objects.values().get()
    )
    assert invitation.expires_at - invitation.link_created_at == timedelta(days=7)
    event = AuditEvent.objects.get(event=Event.PERSON_INVITED)
    assert (event.user, event.detail["email"]) == (opcc, "jo.bloggs@force.example")
    assert not User.objects.filter(email="jo.bloggs@force.example").exists()

    people = staff.get(reverse("accounts:people")).content.decode()
    assert "Invited, not yet accepted" in people and "jo.bloggs@force.example" in people
    assert "✓ Sent" in people


def test_the_invitee_chooses_a_username_and_password_then_signs_in(staff, force, mailoutbox):
    invite(staff, force=force.pk)
    path = link_path(mailoutbox[0])
    invitee = Client()

    page = invitee.get(path)
    assert page.status_code == 200
    assert page.context["form"]["username"].value() == "jo.bloggs@force.example"
    assert Invitation.objects.get().accepted_at is None  # opening it spends nothing

    response = accept(invitee, path, first_name="Joanna")
    assert response.status_code == 302 and response.url == reverse("login")
    person = User.objects.get(username="jbloggs")
    assert (person.email, person.force, person.get_full_name()) == (
        "jo.bloggs@force.example",
        force,
        "Joanna Bloggs",
    )
    assert person.role_names == [Role.FORCE_LEAD.value] and person.is_active
    assert not person.is_staff
    invitation = Invitation.objects.get()
    assert invitation.user == person and invitation.accepted_at is not None
    accepted = AuditEvent.objects.get(event=Event.INVITATION_ACCEPTED)
    assert (accepted.user, accepted.object_id) == (person, str(person.pk))

    signed_in = invitee.post(reverse("login"), {"username": "jbloggs", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert b"My work" in invitee.get(reverse("recommendations:home")).content


def test_the_link_works_once(staff, force, mailoutbox):
    invite(staff, force=force.pk)
    path = link_path(mailoutbox[0])
    accept(Client(), path)
    again = Client().get(path)
    assert again.status_code == 410
    assert b"already been accepted" in again.content
    assert accept(Client(), path, username="someone-else").status_code == 410
    assert User.objects.filter(email="jo.bloggs@force.example").count() == 1


def test_an_expired_link_says_so_and_sending_again_makes_a_new_one(staff, opcc, force, mailoutbox):
    invite(staff, force=force.pk)
    old = link_path(mailoutbox[0])
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        expired = Client().get(old)
        assert expired.status_code == 410
        assert b"This invitation has expired" in expired.content
        assert b"Ask " + str(opcc).encode() in expired.content
        assert accept(Client(), old).status_code == 410
        invitation = Invitation.objects.get()
        staff.force_login(opcc)  # a week on, their session has long timed out
        response = staff.post(reverse("accounts:invitation-resend", args=[invitation.pk]))
        assert response.status_code == 302
        new = link_path(mailoutbox[1])
        assert new != old
        assert Client().get(old).status_code == 404  # replaced: not valid at all now
        assert accept(Client(), new).status_code == 302
    assert User.objects.filter(username="jbloggs").exists()
    assert AuditEvent.objects.filter(event=Event.INVITATION_RESENT).count() == 1


def test_sending_again_kills_the_earlier_link_at_once(staff, force, mailoutbox):
    invite(staff, force=force.pk)
    old = link_path(mailoutbox[0])
    invitation = Invitation.objects.get()
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        staff.post(reverse("accounts:invitation-resend", args=[invitation.pk]))
    page = Client().get(old)
    assert page.status_code == 404 and b"replaced by a newer one" in page.content
    assert Client().get(link_path(mailoutbox[1])).status_code == 200


def test_a_double_click_on_send_again_sends_one_email(staff, force, mailoutbox):
    invite(staff, force=force.pk)
    invitation = Invitation.objects.get()
    url = reverse("accounts:invitation-resend", args=[invitation.pk])
    assert b"sent a moment ago" in staff.post(url, follow=True).content
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        staff.post(url)
        response = staff.post(url, follow=True)
    assert len(mailoutbox) == 2
    assert b"sent a moment ago" in response.content


def test_a_withdrawn_invitation_cannot_be_accepted_and_the_address_can_be_invited_again(
    staff, force, mailoutbox
):
    invite(staff, force=force.pk)
    path = link_path(mailoutbox[0])
    invitation = Invitation.objects.get()
    response = staff.post(reverse("accounts:invitation-withdraw", args=[invitation.pk]))
    assert response.status_code == 302
    page = Client().get(path)
    assert page.status_code == 410 and b"This invitation was withdrawn" in page.content
    assert accept(Client(), path).status_code == 410
    assert not User.objects.filter(username="jbloggs").exists()
    assert AuditEvent.objects.filter(event=Event.INVITATION_WITHDRAWN).count() == 1
    assert invite(staff, force=force.pk).status_code == 302
    assert Invitation.objects.pending().count() == 1


def test_an_unknown_link_is_a_clear_page_not_an_error(client):
    page = client.get(reverse("accounts:invitation-accept", args=["not-a-real-token"]))
    assert page.status_code == 404
    assert b"This invitation link is not valid" in page.content
    assert client.post(page.request["PATH_INFO"], {}).status_code == 404


def test_inviting_the_same_address_twice_says_why(staff, force, mailoutbox):
    invite(staff, force=force.pk)
    again = invite(staff, force=force.pk, email="JO.Bloggs@Force.Example")
    assert again.status_code == 400
    assert "was invited on" in again.content.decode()
    assert Invitation.objects.count() == 1 and len(mailoutbox) == 1


def test_inviting_someone_who_has_an_account_says_who(staff, force):
    make_user(Role.VIEWER, username="jb", first_name="Jo", last_name="B", email="jo@force.example")
    response = invite(staff, force=force.pk, email="Jo@force.example")
    assert response.status_code == 400
    assert "Jo B (username jb) already has an account" in response.content.decode()
    gone = make_user(Role.VIEWER, email="left@force.example", is_active=False)
    response = invite(staff, force=force.pk, email="left@force.example")
    assert "reactivate them from their page instead" in response.content.decode()
    assert not Invitation.objects.exists() and gone.is_active is False


def test_the_database_holds_one_open_invitation_per_address_whatever_the_case(opcc, force):
    now = timezone.now()
    invitations.invitation_create(
        by=opcc,
        email="a@x.example",
        first_name="A",
        last_name="B",
        role=Role.VIEWER,
        force=force,
        now=now,
    )
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError, whatever the backend
        Invitation.objects.create(
            email="A@X.example",
            first_name="A",
            last_name="B",
            role=Role.VIEWER,
            invited_by=opcc,
            created_at=now,
            token_hash="x" * 64,
            link_created_at=now,
            expires_at=now + timedelta(days=1),
        )


def test_only_administrators_invite_administrators(staff, opcc, administrator, mailoutbox):
    response = invite(staff, role=Role.ADMINISTRATOR.value)
    assert response.status_code == 400 and not Invitation.objects.exists()
    with pytest.raises(PermissionDenied):
        invitations.invitation_create(
            by=opcc,
            email="x@y.example",
            first_name="X",
            last_name="Y",
            role=Role.ADMINISTRATOR,
            force=None,
            now=timezone.now(),
        )
    admin_client = Client()
    admin_client.force_login(administrator)
    assert invite(admin_client, role=Role.ADMINISTRATOR.value).status_code == 302
    accept(Client(), link_path(mailoutbox[0]))
    made = User.objects.get(username="jbloggs")
    assert made.role_names == [Role.ADMINISTRATOR.value] and made.is_staff


def test_opcc_staff_cannot_touch_an_administrators_invitation(staff, administrator):
    invitation = invitations.invitation_create(
        by=administrator,
        email="new-admin@opcc.example",
        first_name="N",
        last_name="A",
        role=Role.ADMINISTRATOR,
        force=None,
        now=timezone.now() - timedelta(minutes=5),
    )
    page = staff.get(reverse("accounts:people")).content.decode()
    assert "new-admin@opcc.example" in page
    assert reverse("accounts:invitation-withdraw", args=[invitation.pk]) not in page
    for name in ("accounts:invitation-resend", "accounts:invitation-withdraw"):
        assert staff.post(reverse(name, args=[invitation.pk])).status_code == 403
    assert Invitation.objects.pending().count() == 1


def test_a_force_lead_is_invited_for_a_force(staff):
    response = invite(staff)
    assert response.status_code == 400
    assert "A force lead works for one force" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_invitation_whose_email_fails_is_kept_shown_and_sent_again(
    staff, force, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    response = invite(staff, force=force.pk)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email_status == EmailStatus.FAILED
    assert "ConnectionRefusedError" in invitation.email_error
    page = staff.get(reverse("accounts:people")).content.decode()
    assert "the email could not be sent" in page  # the message after the redirect
    assert "✗ Not sent" in page and "Send again" in page

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    staff.post(reverse("accounts:invitation-resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.email_status == EmailStatus.SENT and len(mailoutbox) == 1
    assert accept(Client(), link_path(mailoutbox[0])).status_code == 302


def test_a_weak_password_or_a_taken_username_makes_nothing(staff, force, mailoutbox):
    invite(staff, force=force.pk)
    path = link_path(mailoutbox[0])
    short = accept(Client(), path, password="short", password_again="short")
    assert short.status_code == 400 and "at least 12 characters" in short.content.decode()
    common = accept(Client(), path, password="password1234", password_again="password1234")
    assert "too common" in common.content.decode()
    mismatch = accept(Client(), path, password_again=PASSWORD + "x")
    assert "not the same" in mismatch.content.decode()
    make_user(Role.VIEWER, username="JBloggs")
    taken = accept(Client(), path)
    assert taken.status_code == 400 and "That username is taken" in taken.content.decode()
    assert not User.objects.filter(email="jo.bloggs@force.example").exists()
    assert Invitation.objects.get().accepted_at is None
    assert accept(Client(), path, username="jo").status_code == 302


def test_an_account_made_meanwhile_for_the_address_stops_the_acceptance(staff, force, mailoutbox):
    invite(staff, force=force.pk)
    make_user(Role.VIEWER, email="jo.bloggs@force.example")
    response = accept(Client(), link_path(mailoutbox[0]))
    assert response.status_code == 400
    assert "An account with this email address was made" in response.content.decode()


def test_someone_signed_in_is_asked_to_sign_out_first(staff, force, mailoutbox):
    invite(staff, force=force.pk)
    page = staff.get(link_path(mailoutbox[0]))
    assert page.status_code == 200 and b"You are signed in as" in page.content
    assert accept(staff, link_path(mailoutbox[0])).status_code == 200
    assert not User.objects.filter(email="jo.bloggs@force.example").exists()


def test_accepting_twice_makes_one_account(opcc, force, mailoutbox):
    invitations.invitation_create(
        by=opcc,
        email="jo@force.example",
        first_name="Jo",
        last_name="B",
        role=Role.VIEWER,
        force=force,
        now=timezone.now(),
    )
    token = link_path(mailoutbox[0]).rstrip("/").rsplit("/", 1)[1]
    details = {"password": PASSWORD, "first_name": "Jo", "last_name": "B", "now": timezone.now()}
    invitations.invitation_accept(token=token, username="jo", **details)
    with pytest.raises(invitations.InvitationNotValid):
        invitations.invitation_accept(token=token, username="jo2", **details)
    assert User.objects.filter(email="jo@force.example").count() == 1


def test_a_bad_password_through_the_service_is_refused_too(opcc, force, mailoutbox):
    invitations.invitation_create(
        by=opcc,
        email="jo@force.example",
        first_name="Jo",
        last_name="B",
        role=Role.VIEWER,
        force=force,
        now=timezone.now(),
    )
    token = link_path(mailoutbox[0]).rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(ValidationError) as refused:
        invitations.invitation_accept(
            token=token,
            username="jo",
            password="jo@force.example",
            first_name="Jo",
            last_name="B",
            now=timezone.now(),
        )
    assert "password" in refused.value.message_dict
    assert not User.objects.filter(username="jo").exists()


def test_a_role_that_requires_two_factor_sets_it_up_by_emailed_link_at_first_sign_in(
    staff, mailoutbox
):
    TwoFactorPolicy.objects.create(
        group=Group.objects.get(name=Role.OPCC_STAFF.value), required=True
    )
    invite(staff, role=Role.OPCC_STAFF.value, email="new@opcc.example")
    invitee = Client()
    accept(invitee, link_path(mailoutbox[0]))
    invitee.post(reverse("login"), {"username": "jbloggs", "password": PASSWORD})
    home = invitee.get(reverse("recommendations:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("accounts:two-factor"))
    assert mailoutbox[-1].to == ["new@opcc.example"]
    assert "/accounts/two-factor/set-up/" in mailoutbox[-1].body
