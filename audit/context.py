"""The request being served, for audit rows written by signal receivers deep in a call."""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR is the proxy in production; gunicorn rewrites it from
    # X-Forwarded-For only for trusted proxies (forwarded_allow_ips).
    return request.META.get("REMOTE_ADDR") or None
