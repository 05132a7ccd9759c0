"""Renders the sign-in security emails (templates/emails/<name>_{subject,body}.*).

They go to the person's own address only, and name no finding or report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone


def _message(name: str, *, to: str, context: dict[str, Any]) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"emails/{name}_body.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{name}_body.html", context), "text/html")
    return message


def two_factor_setup_link(
    user: Any, *, url: str, expires_at: datetime, requested_at: datetime
) -> EmailMultiAlternatives:
    return _message(
        "two_factor_setup_link",
        to=user.email,
        context={
            "user": user,
            "url": url,
            "expires_at": timezone.localtime(expires_at),
            "requested_at": timezone.localtime(requested_at),
            "minutes": settings.OVERSIGHT_EMAIL_LINK_MINUTES,
        },
    )


def two_factor_added(user: Any, *, added_at: datetime) -> EmailMultiAlternatives:
    return _message(
        "two_factor_added",
        to=user.email,
        context={"user": user, "added_at": timezone.localtime(added_at)},
    )


def sign_in_link(
    user: Any, *, url: str, expires_at: datetime, requested_at: datetime, ip_address: str | None
) -> EmailMultiAlternatives:
    return _message(
        "sign_in_link",
        to=user.email,
        context={
            "user": user,
            "url": url,
            "expires_at": timezone.localtime(expires_at),
            "requested_at": timezone.localtime(requested_at),
            "ip_address": ip_address or "an unknown address",
            "minutes": settings.OVERSIGHT_EMAIL_LINK_MINUTES,
        },
    )


def invitation(
    invitation: Any, *, url: str, invited_by: Any, role: str, scope: str
) -> EmailMultiAlternatives:
    return _message(
        "invitation",
        to=invitation.email,
        context={
            "invitation": invitation,
            "url": url,
            "invited_by": invited_by,
            "role": role,
            "scope": scope,
            "expires_at": timezone.localtime(invitation.expires_at),
        },
    )


def access_changed(
    user: Any, *, changes: list[str], by: Any, at: datetime, after: str
) -> EmailMultiAlternatives:
    """Tells a person what someone else changed about their own access, and who."""
    return _message(
        "access_changed",
        to=user.email,
        context={
            "user": user,
            "changes": changes,
            "by": by,
            "at": timezone.localtime(at),
            "after": after,
        },
    )


def password_link(user: Any, *, url: str, expires_at: datetime, by: Any) -> EmailMultiAlternatives:
    return _message(
        "password_link",
        to=user.email,
        context={"user": user, "url": url, "expires_at": timezone.localtime(expires_at), "by": by},
    )


def password_set(user: Any, *, at: datetime) -> EmailMultiAlternatives:
    return _message("password_set", to=user.email, context={"user": user, "at": at})
