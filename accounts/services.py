"""Writes to sign-in security state: two-factor devices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from recommendations.models import User

DEVICE_NAME = "Authenticator app"


def totp_device_for_setup(*, user: User) -> TOTPDevice:
    """The one unconfirmed TOTP device a person is setting up, made if missing.

    Concurrent requests (a double click, a browser reopening tabs) must not each
    make one: the person's row is locked while we look, and a partial unique
    index (migration 0002) backs that up where row locks do not exist (SQLite).
    Any duplicates from before the index are tolerated: the oldest is used.
    """
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
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


def _unconfirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
