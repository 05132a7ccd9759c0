from django.contrib import admin

from accounts.models import TwoFactorPolicy


@admin.register(TwoFactorPolicy)
class TwoFactorPolicyAdmin(admin.ModelAdmin):
    list_display = ("group", "required")
    list_editable = ("required",)
