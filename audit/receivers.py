"""Signal receivers that feed the audit trail: sign-in events and every data change."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import sso
from accounts.throttle import WAIT_ATTRIBUTE
from audit.models import AuditEvent, Event
from audit.services import record

# Apps whose records are audited; bookkeeping models are left out (below).
AUDITED_APPS = {"recommendations", "reminders", "accounts", "auth", "publishing"}
NOT_AUDITED = {
    "reminders.Reminder",  # the outbox: machine-written, traced by Sent reminders
    "reminders.Digest",
    "reminders.ScanRecord",
    "reminders.CalendarFeed",  # its token must never be copied anywhere
    "accounts.EmailLink",  # recorded as the events they serve (link sent, device added)
    "accounts.Invitation",  # recorded as what was done: invited, sent again, withdrawn, accepted
}


@receiver(user_logged_in)
def signed_in(sender: type, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # How: single sign-on, or a break-glass password (accounts/sso.py); empty otherwise.
    record(Event.SIGN_IN, request=request, user=user, detail=sso.sign_in_detail(user))


@receiver(user_logged_out)
def signed_out(sender: type, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Event.SIGN_OUT, request=request, user=user)


@receiver(user_login_failed)
def sign_in_failed(
    sender: type, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if "nonce" in credentials:
        return  # a refused single sign-on: the callback records it, with the reason
    # Only the username typed: never the password (Django already masks it here).
    wait = getattr(request, WAIT_ATTRIBUTE, None)
    record(
        Event.SIGN_IN_FAILED,
        request=request,
        username=str(credentials.get("username", ""))[:150],
        # Refused by the per-username slowdown, before the password was checked.
        detail={"refused_to_slow_guessing": True, "wait_seconds": wait} if wait else None,
    )


def _audited(sender: type) -> bool:
    meta = sender._meta
    return (
        # Migrations save through historical models, before the audit table exists.
        meta.apps is global_apps
        and meta.app_label in AUDITED_APPS
        and meta.label not in NOT_AUDITED
        and not meta.object_name.startswith("Historical")
        and sender is not AuditEvent
    )


@receiver(post_save)
def record_saved(
    sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not _audited(sender):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= {"last_login", "password"}:
        # Sign-in bookkeeping is recorded as sign-in; password changes say only that.
        if "password" in update_fields:
            record(Event.CHANGED, obj=instance, detail={"fields": ["password"]})
        return
    detail = {"fields": sorted(update_fields)} if update_fields else {}
    record(Event.CREATED if created else Event.CHANGED, obj=instance, detail=detail)


@receiver(post_delete)
def record_deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    if _audited(sender):
        record(Event.DELETED, obj=instance)
