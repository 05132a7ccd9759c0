from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Self

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import F, Q


class TwoFactorPolicy(models.Model):
    """An administrator's choice that everyone in a role must sign in with a TOTP code."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="two_factor_policy")
    required = models.BooleanField(
        "Require two-factor sign-in",
        default=False,
        help_text="Members of this role must confirm each sign-in with a code from an "
        "authenticator app. Applies from their next sign-in.",
    )

    class Meta:
        verbose_name = "two-factor policy"
        verbose_name_plural = "two-factor policies"

    def __str__(self) -> str:
        return f"{self.group}: two-factor {'required' if self.required else 'optional'}"

    @staticmethod
    def required_for(user: models.Model) -> bool:
        return TwoFactorPolicy.objects.filter(group__user=user, required=True).exists()


class LinkPurpose(models.TextChoices):
    TWO_FACTOR_SETUP = "two_factor_setup", "Set up two-factor sign-in"
    SIGN_IN = "sign_in", "Sign in"


def token_hash(token: str) -> str:
    """Links keep only this: a database reader cannot rebuild a working link.

    The tokens are 256 random bits, so a plain SHA-256 is enough (no salt or
    stretching is needed against guessing).
    """
    return hashlib.sha256(token.encode()).hexdigest()


class EmailLinkQuerySet(models.QuerySet["EmailLink"]):
    def live(self, *, now: datetime) -> Self:
        return self.filter(used_at__isnull=True, expires_at__gt=now)


class EmailLink(models.Model):
    """A single-use, short-lived link emailed to a person's own address.

    It proves the person can read that mailbox, which a stolen password alone does
    not: first set-up of a second factor needs one. A sign-in link lifts a lockout
    or wait for that person at the address that asked, after which they still sign
    in with their password (and second factor): a mailbox alone signs nobody in.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=20, choices=LinkPurpose)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Sign-in links: the address that asked, whose lockout the link lifts.
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = EmailLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=LinkPurpose.values), name="accounts_emaillink_purpose_valid"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="accounts_emaillink_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_at__gte=F("created_at")),
                name="accounts_emaillink_used_after_creation",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "purpose", "created_at"], name="accounts_emaillink_user_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link for user {self.user_id}"
