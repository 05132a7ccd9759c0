"""A new password for someone who has forgotten theirs, through a link staff email them.

There is no self-service reset: anyone could ask for one, and whoever reads the mailbox
would then be in. Staff who manage people send the link from the person's page when
the person asks. It goes to the address on the account, works once, for
`PASSWORD_LINK_LIFETIME`, and a newer link kills the older. Setting the password ends
the person's sessions, clears their failed sign-in attempts and is told to them by
email; a second factor, where their role requires one, is still asked for at sign-in.
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts import emails
from accounts.models import EmailLink, LinkPurpose
from accounts.people import can_manage_person, sessions_end
from accounts.services import RESEND_GAP, _email_link_create, _lock, send_quietly
from audit.services import Event, record
from recommendations.models import User

# Long enough for someone who rang in the morning to find it in the afternoon.
PASSWORD_LINK_LIFETIME = timedelta(hours=24)
DEACTIVATED = "{name} is deactivated: reactivate them first."
NO_EMAIL = "{name} has no email address, so no link can be sent."
SENT_JUST_NOW = "A link was sent to {name} a moment ago. Allow a minute before sending another."
NOT_SENT = "The email could not be sent ({error}). Nothing was changed; try again later."


class LinkSpent(Exception):
    """Used, expired or replaced between opening the page and choosing the password."""


def password_link_send(
    *, person: User, by: User, now: datetime, request: HttpRequest | None = None
) -> EmailLink:
    """Email the person a link to set a new password. Raises PermissionDenied, or
    ValidationError saying why nothing was sent."""
    with transaction.atomic():
        _lock(person)
        person = User.objects.select_related("force").get(pk=person.pk)
        if not can_manage_person(by, person):
            raise PermissionDenied
        if not person.is_active:
            raise ValidationError(DEACTIVATED.format(name=person))
        if not person.email:
            raise ValidationError(NO_EMAIL.format(name=person))
        live = EmailLink.objects.live(now=now).filter(user=person, purpose=LinkPurpose.SET_PASSWORD)
        if live.filter(created_at__gt=now - RESEND_GAP).exists():
            raise ValidationError(SENT_JUST_NOW.format(name=person))
        live.update(used_at=now)  # only the newest link works
        link, token = _email_link_create(
            user=person, purpose=LinkPurpose.SET_PASSWORD, now=now, lifetime=PASSWORD_LINK_LIFETIME
        )
        url = settings.SITE_URL + reverse("accounts:password-link", args=[token])
        message = emails.password_link(person, url=url, expires_at=link.expires_at, by=by)
        try:
            # Inside the transaction: a link the person never got is not recorded.
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            raise ValidationError(NOT_SENT.format(error=f"{type(exc).__name__}: {exc}")) from None
        record(
            Event.PASSWORD_LINK_SENT,
            request=request,
            user=by,
            obj=person,
            detail={"person": person.get_username(), "email": person.email},
        )
    return link


def password_link_use(
    *, link: EmailLink, password: str, now: datetime, request: HttpRequest | None = None
) -> User:
    """Spend the link and set the password: all of it or nothing."""
    with transaction.atomic():
        spent = (
            EmailLink.objects.live(now=now)
            .filter(pk=link.pk, purpose=LinkPurpose.SET_PASSWORD, user__is_active=True)
            .update(used_at=now)
        )
        if spent != 1:
            raise LinkSpent
        person = User.objects.get(pk=link.user_id)
        password_validation.validate_password(password, user=person)
        person.set_password(password)
        person.save(update_fields=["password"])
        # Any other way back in that was emailed is of no further use.
        EmailLink.objects.live(now=now).filter(
            user=person, purpose__in=[LinkPurpose.SET_PASSWORD, LinkPurpose.SIGN_IN]
        ).update(used_at=now)
        ended = sessions_end(person)
        AxesProxyHandler.reset_attempts(username=person.get_username())
        record(
            Event.PASSWORD_SET_BY_LINK,
            request=request,
            user=person,
            obj=person,
            detail={"sessions_ended": ended},
        )
        message = emails.password_set(person, at=timezone.localtime(now))
        transaction.on_commit(lambda: send_quietly(message, what="password set"))
    password_validation.password_changed(password, person)
    return person
