from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from publishing.models import PublicRelease, PublicSummary, S55Response


@admin.register(S55Response)
class S55ResponseAdmin(SimpleHistoryAdmin):
    list_display = ("report", "force", "stage", "published_on")
    list_filter = ("stage",)
    # Stages move through the app's services, which check what each needs.
    readonly_fields = ("stage", "approved_by", "approved_at", "version")


@admin.register(PublicSummary)
class PublicSummaryAdmin(SimpleHistoryAdmin):
    list_display = ("finding", "publishable", "updated_at")


@admin.register(PublicRelease)
class PublicReleaseAdmin(admin.ModelAdmin):
    list_display = ("force", "published_at", "published_by")
    readonly_fields = ("force", "published_at", "published_by", "data")
