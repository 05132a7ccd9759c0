"""Letters and review drafts in the admin: read-only. A letter's effects are written only
through `letters.letter_record`, so the admin cannot record half of one."""

from django.contrib import admin
from django.http import HttpRequest

from intake.models import Letter, LetterOutcome, ReviewDraft


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LetterOutcomeInline(admin.TabularInline):
    model = LetterOutcome
    extra = 0
    can_delete = False
    fields = ("finding", "action", "score", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Letter)
class LetterAdmin(_ReadOnly):
    list_display = ("sent_on", "kind", "force", "report", "reference", "recorded_by")
    list_filter = ("kind",)
    search_fields = ("reference", "text", "report__title")
    date_hierarchy = "sent_on"
    inlines = [LetterOutcomeInline]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReviewDraft)
class ReviewDraftAdmin(_ReadOnly):
    list_display = ("owner", "report", "kind", "source", "updated_at")
    list_filter = ("kind",)
    search_fields = ("report__title", "owner__username")
