from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from audit.context import client_ip, current_request
from audit.models import AuditEvent, Event

__all__ = ["Event", "record"]


def record(
    event: Event,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    username: str = "",
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Never put secrets (passwords, tokens) in `detail`."""
    request = request or current_request.get()
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        event=event,
        user=user,
        username=username or (user.get_username() if user is not None else ""),
        display_name=_display_name(user),
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:300],
        method=(request.method or "") if request else "",
        path=(request.path or "")[:500] if request else "",
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=detail or {},
    )


def _display_name(user: Any) -> str:
    """Frozen at write time, so the trail still names someone later renamed or removed."""
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:300]
