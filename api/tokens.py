"""Issuing, revoking and checking personal API tokens. Every issue and revocation is in
the audit trail; each use is recorded by the API's views (`api.views.ApiView`)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken, token_hash
from audit import services as audit
from recommendations.models import User

# Tells tokens apart from other credentials; the secret follows it.
TOKEN_PREFIX = "ovs_"  # nosec B105
MAX_DAYS = 365
MAX_LIVE_TOKENS = 10
# Writing "last used" on every request would make each read a write: once a minute is
# plenty to tell an owner whether a token is still in use.
LAST_USED_PRECISION = timedelta(minutes=1)


@transaction.atomic
def token_issue(user: User, *, name: str, days: int) -> tuple[ApiToken, str]:
    """A new token for `user`, valid for `days`; the token itself is returned only here."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"A token lasts between 1 and {MAX_DAYS} days.")
    now = timezone.now()
    # Locks the person's row, so two tabs cannot both slip under the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.usable(now=now).filter(user=user).count() >= MAX_LIVE_TOKENS:
        raise ValidationError(
            f"You already have {MAX_LIVE_TOKENS} tokens in use. Revoke one you no longer "
            "need, then make a new one."
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=token_hash(raw),
        expires_at=now + timedelta(days=days),
    )
    audit.record(
        audit.Event.API_TOKEN_CREATED,
        user=user,
        obj=token,
        detail={"name": name, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def token_revoke(token: ApiToken, *, by: User) -> None:
    """Stop a token working at once. Revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(audit.Event.API_TOKEN_REVOKED, user=by, obj=token, detail={"name": token.name})


def token_user(raw: str, *, now: datetime | None = None) -> tuple[User, ApiToken] | None:
    """The person a presented token signs in, or None if it is unknown, expired, revoked
    or its person deactivated."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.usable(now=now)
        .select_related("user", "user__force")
        .filter(key_hash=token_hash(raw))
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
