"""Invitations: how a person comes to have an account (issue 16 item 1).

Staff who manage people invite someone by name, email address, role and force. The
invitee gets a single-use link that expires (`OVERSIGHT_INVITATION_DAYS`); opening it
shows a form where they choose their username and password, and only then is the
account made. They then sign in as anyone does (and set up two-factor sign-in through
the emailed set-up link, if their role requires it).

The email is sent after the invitation is committed, and whether it went out is kept
on the invitation: the people page shows it, and staff send it again if it did not. A
new sending makes a new link and kills the old one. One email address, one account
and at most one open invitation: inviting it again says why not.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import BaseUserManager, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import dateformat, timezone

from accounts import emails
from accounts.models import (
    ALREADY_INVITED,
    EmailStatus,
    Invitation,
    InvitationState,
    token_hash,
)
from accounts.people import (
    can_manage_people,
    grantable_roles,
    is_administrator,
    scope_errors,
    scope_name,
)
from accounts.services import RESEND_GAP
from audit.services import Event, record
from recommendations.models import Force, Role, User

log = logging.getLogger(__name__)

HAS_ACCOUNT = "{name} (username {username}) already has an account with this email address{note}."
DEACTIVATED_NOTE = "; they are deactivated: reactivate them from their page instead"
INVITED_ALREADY = (
    "{email} was invited on {date} by {by}. Send that invitation again, or withdraw it, "
    "from the People page."
)
NOT_OPEN = "This invitation has already been accepted or withdrawn."
SENT_JUST_NOW = "The invitation was sent a moment ago. Allow a minute before sending it again."
USERNAME_TAKEN = "That username is taken. Choose another."
ACCOUNT_EXISTS_NOW = (
    "An account with this email address was made since you were invited. "
    "Ask the person who invited you."
)


class InvitationNotValid(Exception):
    """The link is unknown, expired, withdrawn or used; `state` says which (None: unknown)."""

    def __init__(self, state: InvitationState | None) -> None:
        super().__init__(state)
        self.state = state


def normalise_email(email: str) -> str:
    # Domains are case-insensitive; comparisons below ignore case altogether.
    return BaseUserManager.normalize_email(email.strip())


def account_with_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).order_by("-is_active", "pk").first()


def can_manage_invitation(by: User, invitation: Invitation) -> bool:
    return can_manage_people(by) and (invitation.role != Role.ADMINISTRATOR or is_administrator(by))


def _check_email_free(email: str, *, invitation: Invitation | None = None) -> None:
    if (person := account_with_email(email)) is not None:
        note = "" if person.is_active else DEACTIVATED_NOTE
        message = HAS_ACCOUNT.format(name=person, username=person.get_username(), note=note)
        raise ValidationError({"email": message}, code="has_account")
    pending = Invitation.objects.pending().filter(email__iexact=email)
    if invitation is not None:
        pending = pending.exclude(pk=invitation.pk)
    if (other := pending.select_related("invited_by").first()) is not None:
        when = dateformat.format(timezone.localtime(other.created_at), "j F Y")
        message = INVITED_ALREADY.format(email=email, date=when, by=other.invited_by)
        raise ValidationError({"email": message}, code="already_invited")


def _new_link(invitation: Invitation, *, now: datetime) -> str:
    """A fresh token for the invitation: only its hash is kept, and the old one dies."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.link_created_at = now
    invitation.expires_at = now + timedelta(days=settings.OVERSIGHT_INVITATION_DAYS)
    invitation.email_status = EmailStatus.NOT_SENT
    invitation.email_error = ""
    return token


def _send(invitation: Invitation, token: str) -> bool:
    """Email the link, after the invitation is committed, and keep the outcome on it."""
    url = settings.SITE_URL + reverse("accounts:invitation-accept", args=[token])
    message = emails.invitation(
        invitation,
        url=url,
        invited_by=invitation.invited_by,
        role=invitation.role,
        scope=scope_name(invitation.force),
    )
    try:
        message.send()
    except Exception as exc:  # SMTP refusals, an unreachable server, a bad address
        log.exception("Could not send invitation %s", invitation.pk)
        status, error = EmailStatus.FAILED, f"{type(exc).__name__}: {exc}"[:300]
    else:
        status, error = EmailStatus.SENT, ""
    # Only while this is still the current link: a newer sending records its own outcome.
    Invitation.objects.filter(pk=invitation.pk, token_hash=invitation.token_hash).update(
        email_status=status, email_error=error
    )
    invitation.email_status, invitation.email_error = status, error
    return status == EmailStatus.SENT


def _detail(of: Invitation, /, **more: Any) -> dict[str, Any]:
    return {
        "email": of.email,
        "role": of.role,
        "force": of.force.name if of.force else None,
        **more,
    }


def invitation_create(
    *,
    by: User,
    email: str,
    first_name: str,
    last_name: str,
    role: Role,
    force: Force | None,
    now: datetime,
    request: HttpRequest | None = None,
) -> Invitation:
    """Invite someone and email them their link. Check `email_status` for the sending."""
    if not can_manage_people(by) or role not in grantable_roles(by):
        raise PermissionDenied
    if errors := scope_errors({role}, force):
        raise ValidationError(errors)
    email = normalise_email(email)
    with transaction.atomic():
        _check_email_free(email)
        invitation = Invitation(
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            force=force,
            invited_by=by,
            created_at=now,
        )
        token = _new_link(invitation, now=now)
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:
            # Invited by someone else a moment ago (the one-open-invitation index).
            raise ValidationError({"email": ALREADY_INVITED}) from None
        record(
            Event.PERSON_INVITED,
            request=request,
            user=by,
            obj=invitation,
            detail=_detail(invitation),
        )
    _send(invitation, token)
    return invitation


def _locked(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("force", "invited_by")
        .get(pk=invitation.pk)
    )


def invitation_resend(
    *, invitation: Invitation, by: User, now: datetime, request: HttpRequest | None = None
) -> Invitation:
    """A new link, by email; the old link stops working. Expired invitations too."""
    with transaction.atomic():
        invitation = _locked(invitation)
        if not can_manage_invitation(by, invitation):
            raise PermissionDenied
        if invitation.accepted_at or invitation.withdrawn_at:
            raise ValidationError(NOT_OPEN, code="not_open")
        recent = now - invitation.link_created_at < RESEND_GAP
        if invitation.email_status == EmailStatus.SENT and recent:
            raise ValidationError(SENT_JUST_NOW, code="sent_just_now")
        _check_email_free(invitation.email, invitation=invitation)
        token = _new_link(invitation, now=now)
        invitation.times_sent += 1
        invitation.save()
        record(
            Event.INVITATION_RESENT,
            request=request,
            user=by,
            obj=invitation,
            detail=_detail(invitation, times_sent=invitation.times_sent),
        )
    _send(invitation, token)
    return invitation


def invitation_withdraw(
    *, invitation: Invitation, by: User, now: datetime, request: HttpRequest | None = None
) -> Invitation:
    """The link stops working; the address may be invited again."""
    with transaction.atomic():
        invitation = _locked(invitation)
        if not can_manage_invitation(by, invitation):
            raise PermissionDenied
        if invitation.accepted_at or invitation.withdrawn_at:
            raise ValidationError(NOT_OPEN, code="not_open")
        invitation.withdrawn_at = now
        invitation.withdrawn_by = by
        invitation.save(update_fields=["withdrawn_at", "withdrawn_by"])
        record(
            Event.INVITATION_WITHDRAWN,
            request=request,
            user=by,
            obj=invitation,
            detail=_detail(invitation),
        )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation this link belongs to, whatever its state (to say why it is dead)."""
    return (
        Invitation.objects.select_related("force", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def invitation_accept(
    *,
    token: str,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    now: datetime,
    request: HttpRequest | None = None,
) -> User:
    """Make the invitee's account with the username and password they chose, and spend
    the link: all of it or nothing. Raises InvitationNotValid or ValidationError."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("force", "invited_by")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if invitation is None:
            raise InvitationNotValid(None)
        if (state := invitation.state(now=now)) != InvitationState.PENDING:
            raise InvitationNotValid(state)
        if account_with_email(invitation.email) is not None:
            raise ValidationError(ACCOUNT_EXISTS_NOW, code="has_account")
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": USERNAME_TAKEN})
        person = User(
            username=username,
            email=invitation.email,
            first_name=first_name,
            last_name=last_name,
            force=invitation.force,
            is_staff=invitation.role == Role.ADMINISTRATOR,
        )
        try:
            password_validation.validate_password(password, user=person)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from None
        person.set_password(password)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            raise ValidationError({"username": USERNAME_TAKEN}) from None
        person.groups.add(Group.objects.get(name=invitation.role))
        # Spent only while still open and unexpired (SQLite has no row lock to rely on).
        spent = Invitation.objects.filter(
            pk=invitation.pk,
            token_hash=invitation.token_hash,
            accepted_at__isnull=True,
            withdrawn_at__isnull=True,
            expires_at__gt=now,
        ).update(accepted_at=now, user=person)
        if spent != 1:
            raise InvitationNotValid(None)  # undoes the account with the transaction
        record(
            Event.INVITATION_ACCEPTED,
            request=request,
            user=person,
            obj=person,
            detail=_detail(
                invitation,
                invitation=invitation.pk,
                invited_by=invitation.invited_by.get_username(),
            ),
        )
        password_validation.password_changed(password, person)
    return person
