"""The request being served, for audit rows written by signal receivers deep in a call."""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind N trusted proxies (OVERSIGHT_PROXY_COUNT), the Nth
    address from the right of X-Forwarded-For: the left-hand ones can be forged."""
    if request is None:
        return None
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    forwarded = [
        a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
