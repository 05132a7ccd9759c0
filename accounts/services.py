"""Writes to sign-in security state: two-factor devices and emailed links."""

from __future__ import annotations

import enum
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import emails
from accounts.models import EmailLink, LinkPurpose, token_hash
from audit.services import Event, record

if TYPE_CHECKING:
    from recommendations.models import User

log = logging.getLogger(__name__)

DEVICE_NAME = "Authenticator app"
# A person may ask for another link this long after the last; spares their inbox.
RESEND_GAP = timedelta(seconds=60)
# Anyone may ask for a sign-in link for any username, so these are rarer still.
SIGN_IN_LINK_GAP = timedelta(minutes=10)


class LinkSent(enum.Enum):
    SENT = "sent"
    ALREADY_SENT = "already sent"  # a live link is in their inbox, or one went out just now
    NO_EMAIL = "no email address"
    NOT_NEEDED = "not needed"  # already set up


def _lock(user: User) -> None:
    """Serialise one person's security writes with a row lock. SQLite has no row locks:
    there the unique index on unconfirmed devices is what stops duplicates."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_for_setup(*, user: User) -> TOTPDevice:
    """The one unconfirmed TOTP device a person is setting up, made if missing.

    Concurrent requests (a double click, a browser reopening tabs) must not each
    make one: the person's row is locked while we look, and a partial unique
    index (migration 0002) backs that up where row locks do not exist (SQLite).
    Any duplicates from before the index are tolerated: the oldest is used.
    """
    with transaction.atomic():
        _lock(user)
        device = _unconfirmed(user)
        if device is not None:
            return device
        try:
            with transaction.atomic():
                return TOTPDevice.objects.create(user=user, confirmed=False, name=DEVICE_NAME)
        except IntegrityError:
            # Another request made it between our look and our insert (no row locks).
            device = _unconfirmed(user)
            if device is None:
                raise
            return device


def users_deactivate(*, users: Iterable[User], by: User) -> int:
    """Deactivate people (never delete them: the trail and history name them).

    Each is saved on its own so the audit trail records the change; nobody may
    deactivate themselves, so the last administrator cannot lock everyone out.
    As on the People page, their sessions end and their unsent reminders are dropped.
    """
    from accounts.people import reminders_stop, sessions_end  # people.py imports this module

    count = 0
    for user in users:
        if user.is_active and user.pk != by.pk:
            with transaction.atomic():
                user.is_active = False
                user.save(update_fields=["is_active"])
                sessions_end(user)
                reminders_stop(user)
            count += 1
    return count


def _unconfirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()


def _email_link_create(
    *,
    user: User,
    purpose: LinkPurpose,
    now: datetime,
    ip_address: str | None = None,
    lifetime: timedelta | None = None,
) -> tuple[EmailLink, str]:
    token = secrets.token_urlsafe(32)
    link = EmailLink.objects.create(
        user=user,
        purpose=purpose,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + (lifetime or timedelta(minutes=settings.OVERSIGHT_EMAIL_LINK_MINUTES)),
        ip_address=ip_address,
    )
    return link, token


def email_link_find(*, token: str, purpose: LinkPurpose, now: datetime) -> EmailLink | None:
    """The live link this token opens, if any. Expired, used and unknown tokens look alike."""
    return (
        EmailLink.objects.live(now=now)
        .filter(purpose=purpose, token_hash=token_hash(token))
        .select_related("user")
        .first()
    )


def live_setup_link(*, user: User, now: datetime, pk: int | None = None) -> EmailLink | None:
    links = EmailLink.objects.live(now=now).filter(user=user, purpose=LinkPurpose.TWO_FACTOR_SETUP)
    if pk is not None:
        links = links.filter(pk=pk)
    return links.order_by("-created_at").first()


def two_factor_setup_link_send(
    *, user: User, now: datetime, request: HttpRequest | None = None, again: bool = False
) -> LinkSent:
    """Email a person the link that lets them set up their first second factor.

    A stolen password is enough to reach this, so nothing here shows a secret:
    the link goes to the address on their account. At sign-in (`again=False`) no
    new link is sent while one is still live; asked again, at most one a minute.
    The email also warns them that their password was just used.
    """
    if not user.email:
        return LinkSent.NO_EMAIL
    with transaction.atomic():
        _lock(user)
        if has_confirmed_device(user):
            return LinkSent.NOT_NEEDED
        latest = live_setup_link(user=user, now=now)
        if latest is not None and (not again or now - latest.created_at < RESEND_GAP):
            return LinkSent.ALREADY_SENT
        link, token = _email_link_create(user=user, purpose=LinkPurpose.TWO_FACTOR_SETUP, now=now)
        url = _absolute(reverse("accounts:two-factor-setup-link", args=[token]))
        # Sent inside the transaction: if the mail server refuses, no link is recorded
        # and the person can ask again at once.
        emails.two_factor_setup_link(
            user, url=url, expires_at=link.expires_at, requested_at=now
        ).send()
        record(Event.TWO_FACTOR_LINK_SENT, request=request, user=user, obj=link)
    return LinkSent.SENT


def sign_in_link_send(
    *, username: str, ip_address: str | None, now: datetime, request: HttpRequest | None = None
) -> None:
    """Email a link that lifts a lockout (or wait) for this username at this address.

    Asked for without signing in, so it says nothing back: whether the username
    exists, has an address, or was sent one just now looks the same to the asker.
    At most one link per person per SIGN_IN_LINK_GAP, so nobody's inbox can be flooded.
    """
    user = (
        get_user_model()
        ._default_manager.filter(**{get_user_model().USERNAME_FIELD: username}, is_active=True)
        .first()
    )
    if user is None or not user.email:
        return
    with transaction.atomic():
        _lock(user)
        recent = EmailLink.objects.filter(
            user=user, purpose=LinkPurpose.SIGN_IN, created_at__gt=now - SIGN_IN_LINK_GAP
        )
        if recent.exists():
            return
        link, token = _email_link_create(
            user=user, purpose=LinkPurpose.SIGN_IN, now=now, ip_address=ip_address
        )
        url = _absolute(reverse("accounts:sign-in-link", args=[token]))
        emails.sign_in_link(
            user, url=url, expires_at=link.expires_at, requested_at=now, ip_address=ip_address
        ).send()
        record(Event.SIGN_IN_LINK_SENT, request=request, user=user, obj=link)


def sign_in_link_use(
    *, link: EmailLink, ip_address: str | None, now: datetime, request: HttpRequest | None = None
) -> bool:
    """Spend a sign-in link: clear that person's failed attempts from the address that
    asked for it and the one opening it. Their password is still needed to sign in."""
    with transaction.atomic():
        spent = (
            EmailLink.objects.live(now=now)
            .filter(pk=link.pk, purpose=LinkPurpose.SIGN_IN)
            .update(used_at=now)
        )
        if spent != 1:
            return False
        username = link.user.get_username()
        addresses = sorted({a for a in (link.ip_address, ip_address) if a})
        for address in addresses:
            # Both given, so only this username at this address: never everyone's.
            AxesProxyHandler.reset_attempts(username=username, ip_address=address)
        record(
            Event.LOCKOUT_CLEARED,
            request=request,
            user=link.user,
            obj=link,
            detail={"through": "emailed sign-in link", "ip_addresses": addresses},
        )
    return True


class SetupLinkSpent(Exception):
    """The set-up link was used (or expired) between opening the page and confirming."""


def two_factor_enrol(
    *,
    user: User,
    device: TOTPDevice,
    link: EmailLink,
    now: datetime,
    request: HttpRequest | None = None,
) -> None:
    """Confirm the device set up through `link`, spend the link, record and announce it."""
    with transaction.atomic():
        _lock(user)
        spent = (
            EmailLink.objects.live(now=now)
            .filter(pk=link.pk, user=user, purpose=LinkPurpose.TWO_FACTOR_SETUP)
            .update(used_at=now)
        )
        if spent != 1:
            raise SetupLinkSpent
        # Other set-up links still in the inbox are of no further use.
        EmailLink.objects.live(now=now).filter(
            user=user, purpose=LinkPurpose.TWO_FACTOR_SETUP
        ).update(used_at=now)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(
            Event.TWO_FACTOR_ADDED,
            request=request,
            user=user,
            obj=device,
            detail={"through": "emailed set-up link"},
        )
        message = emails.two_factor_added(user, added_at=now)
        transaction.on_commit(lambda: send_quietly(message, what="two-factor added"))


def send_quietly(message: EmailMultiAlternatives, *, what: str) -> None:
    # The device is set up whether or not the notice gets out; a mail server
    # failure must not undo it or show the person an error.
    try:
        message.send()
    except Exception:
        log.exception("Could not send the %s email", what)
