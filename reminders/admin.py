from django.contrib import admin
from django.http import HttpRequest

from reminders.models import (
    CalendarFeed,
    Digest,
    Reminder,
    ReminderPreference,
    ReminderSchedule,
    ScanRecord,
)


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    fields = ("kind", "item_type", "item_id", "occurrence", "due_on", "cancelled")
    readonly_fields = fields
    can_delete = False


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("to", "digest_date", "status", "attempts", "possible_duplicate", "sent_at")
    list_filter = ("status", "possible_duplicate", "digest_date")
    search_fields = ("to", "recipient__username", "last_error")
    readonly_fields = [f.name for f in Digest._meta.fields]
    inlines = [ReminderInline]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = (
        "recipient",
        "kind",
        "item_type",
        "item_id",
        "occurrence",
        "due_on",
        "cancelled",
    )
    list_filter = ("kind", "item_type", "cancelled")
    search_fields = ("recipient__username", "recipient__email")
    readonly_fields = [f.name for f in Reminder._meta.fields]


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "digest_enabled")
    list_filter = ("digest_enabled",)
    search_fields = ("user__username", "user__email")


@admin.register(ScanRecord)
class ScanRecordAdmin(admin.ModelAdmin):
    list_display = ("finished_at", "today", "created")
    readonly_fields = ("finished_at", "today", "created")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "last_used_on")
    search_fields = ("user__username",)
    readonly_fields = ("user", "token_hash", "created_at", "last_used_on")


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "before_days",
        "overdue_every_days",
        "escalate_after_days",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One schedule for the whole service.
        return super().has_add_permission(request) and not ReminderSchedule.objects.exists()
