from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Self

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from recommendations.choices import Role


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
    SET_PASSWORD = "set_password", "Set a new password"


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


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> Self:
        """Neither accepted nor withdrawn. Expired ones count: they can be sent again."""
        return self.filter(accepted_at__isnull=True, withdrawn_at__isnull=True)


class InvitationState(models.TextChoices):
    PENDING = "pending", "Waiting for them to accept"
    EXPIRED = "expired", "Expired"
    ACCEPTED = "accepted", "Accepted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class EmailStatus(models.TextChoices):
    """Whether the email carrying the current link went out: shown to staff, who
    send it again when it did not, so an invitation is never lost silently."""

    NOT_SENT = "not_sent", "Not sent yet"
    SENT = "sent", "Sent"
    FAILED = "failed", "Could not be sent"


ALREADY_INVITED = "Someone with this email address has already been invited."


class Invitation(models.Model):
    """An offer of an account, emailed as a single-use link that expires.

    The account is made only when the invitee accepts, choosing their username and
    password; until then the people list shows the invitation, never a half-made
    person. Only a hash of the link's token is kept (as for `EmailLink`); sending it
    again replaces the hash, so the older link stops working at once.
    """

    email = models.EmailField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    role = models.CharField(max_length=30, choices=Role)
    force = models.ForeignKey(
        "recommendations.Force",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: all forces.",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, unique=True)
    # The current link: when it was made (the latest sending) and until when it works.
    link_created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    times_sent = models.PositiveSmallIntegerField(default=1)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus, default=EmailStatus.NOT_SENT
    )
    email_error = models.CharField(max_length=300, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitation",
        help_text="The account made when it was accepted.",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("manage_people", "Can invite people and change their access")]
        constraints = [
            # However the address is typed, one open invitation for it at a time.
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="accounts_invitation_one_pending_per_email",
                violation_error_message=ALREADY_INVITED,
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="accounts_invitation_role_valid"
            ),
            models.CheckConstraint(condition=~Q(email=""), name="accounts_invitation_has_email"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("link_created_at")),
                name="accounts_invitation_expires_after_sending",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True, user__isnull=True)
                | Q(accepted_at__isnull=False, user__isnull=False),
                name="accounts_invitation_accepted_has_account",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(withdrawn_at__isnull=True),
                name="accounts_invitation_accepted_or_withdrawn",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="accounts_invitation_withdrawn_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.full_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def state(self, *, now: datetime) -> InvitationState:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.withdrawn_at is not None:
            return InvitationState.WITHDRAWN
        if self.expires_at <= now:
            return InvitationState.EXPIRED
        return InvitationState.PENDING


class SingleSignOnIdentity(models.Model):
    """The provider's account (issuer and subject) a person signed in with the first time.

    Later single sign-ons find the person by it, and an address the provider gives to
    someone else (a leaver's, reused) cannot reach the account: it is linked to another
    subject. An administrator removes the link (Django admin) when the provider account
    is genuinely replaced.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="accounts_ssoidentity_one_person_per_subject"
            ),
            models.UniqueConstraint(
                fields=["user", "issuer"], name="accounts_ssoidentity_one_subject_per_person"
            ),
            models.CheckConstraint(
                condition=~Q(subject=""), name="accounts_ssoidentity_has_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer or 'the identity provider'}"
