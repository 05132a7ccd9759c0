"""Admin for sign-in security. Removing a second factor, adding one, and clearing a
sign-in lockout each weaken or change how someone signs in, so each is recorded in
the audit trail (issue 12 item 11) and a device added here is announced to its owner.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import emails
from accounts.models import SingleSignOnIdentity, TwoFactorPolicy
from accounts.services import send_quietly
from audit.services import Event, record


@admin.register(SingleSignOnIdentity)
class SingleSignOnIdentityAdmin(admin.ModelAdmin):
    """Remove a link when someone's account at the provider is genuinely replaced; their
    next single sign-on links the new one (matched by verified email). Links are made
    only by signing in, never here."""

    list_display = ("user", "issuer", "subject", "created_at")
    search_fields = ("user__username", "user__email", "subject")
    readonly_fields = ("user", "issuer", "subject", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TwoFactorPolicy)
class TwoFactorPolicyAdmin(admin.ModelAdmin):
    list_display = ("group", "required")
    list_editable = ("required",)


def _device_detail(device: TOTPDevice) -> dict[str, Any]:
    return {
        "device_owner_id": device.user_id,
        "device_owner": device.user.get_username(),
        "device_name": device.name,
        "confirmed": device.confirmed,
    }


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuditedTOTPDeviceAdmin(TOTPDeviceAdmin):
    def delete_model(self, request: HttpRequest, obj: TOTPDevice) -> None:
        record(Event.TWO_FACTOR_REMOVED, request=request, obj=obj, detail=_device_detail(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TOTPDevice]) -> None:
        for device in queryset.select_related("user"):
            record(
                Event.TWO_FACTOR_REMOVED, request=request, obj=device, detail=_device_detail(device)
            )
        super().delete_queryset(request, queryset)

    def save_model(self, request: HttpRequest, obj: TOTPDevice, form: Any, change: bool) -> None:
        was_confirmed = change and TOTPDevice.objects.filter(pk=obj.pk, confirmed=True).exists()
        super().save_model(request, obj, form, change)
        if obj.confirmed and not was_confirmed:
            record(
                Event.TWO_FACTOR_ADDED,
                request=request,
                obj=obj,
                detail={**_device_detail(obj), "through": "administration"},
            )
            if obj.user.email:
                message = emails.two_factor_added(obj.user, added_at=timezone.now())
                transaction.on_commit(lambda: send_quietly(message, what="two-factor added"))


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    """Deleting an attempt is how a lockout is cleared by hand."""

    @staticmethod
    def _record(request: HttpRequest, attempt: AccessAttempt) -> None:
        record(
            Event.LOCKOUT_CLEARED,
            request=request,
            obj=attempt,
            detail={
                "locked_username": attempt.username,
                "locked_ip_address": attempt.ip_address,
                "failures": attempt.failures_since_start,
            },
        )

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        self._record(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        for attempt in queryset:
            self._record(request, attempt)
        super().delete_queryset(request, queryset)
