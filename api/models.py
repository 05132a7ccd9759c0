"""Personal API tokens: what a script or Power BI signs in with instead of a person.

Only a hash of each token is kept: the token itself is shown once, when it is made.
A token is a long random value (not something a person chose), so one round of
SHA-256 is enough to make the stored hash useless to whoever reads the database,
and it can be looked up directly on each request.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Self

from django.conf import settings
from django.db import models


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, *, now: datetime) -> Self:
        """Not revoked, not expired, and their person still active."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # People are deactivated, never deleted, and the trail names their tokens.
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    # The token's first characters, kept so its owner can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, *, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.is_active
