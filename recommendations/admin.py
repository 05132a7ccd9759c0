from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from accounts.services import users_deactivate
from recommendations.models import (
    Action,
    AssessmentArea,
    AssuranceDecision,
    DueDateRevision,
    Evidence,
    Finding,
    Force,
    Framework,
    GradedJudgment,
    MonitoringPeriod,
    Post,
    PostHolding,
    PpogMeeting,
    ProgressUpdate,
    Report,
    Theme,
    User,
)


@admin.register(User)
class OversightUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "force", "is_active")
    list_filter = ("groups", "force", "is_active", "is_staff")
    list_select_related = ("force",)
    fieldsets = (*UserAdmin.fieldsets, ("Scope", {"fields": ("force",)}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Scope", {"fields": ("email", "force")}))
    actions = ["deactivate"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # People are deactivated, never deleted: the audit trail and the history
        # name them (issue 12 item 9). This also removes "Delete selected".
        return False

    @admin.action(
        description="Deactivate selected people (they can no longer sign in)",
        permissions=["change"],
    )
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = users_deactivate(users=queryset, by=request.user)
        self.message_user(request, f"{count} {'person' if count == 1 else 'people'} deactivated.")


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ("name", "is_territorial")
    list_filter = ("is_territorial",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class PpogMeetingInline(admin.TabularInline):
    model = PpogMeeting
    extra = 0


@admin.register(MonitoringPeriod)
class MonitoringPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("force", "phase", "started_on", "ended_on")
    list_filter = ("phase",)
    search_fields = ("force__name",)
    autocomplete_fields = ("force", "causes_of_concern")
    inlines = [PpogMeetingInline]


class AssessmentAreaInline(admin.TabularInline):
    model = AssessmentArea
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(SimpleHistoryAdmin):
    list_display = ("name", "report_kind", "grades")
    inlines = [AssessmentAreaInline]


class GradedJudgmentInline(admin.TabularInline):
    model = GradedJudgment
    extra = 0
    autocomplete_fields = ("area",)


@admin.register(AssessmentArea)
class AssessmentAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "framework", "position", "is_graded")
    list_filter = ("framework",)
    search_fields = ("name",)


@admin.register(Report)
class ReportAdmin(SimpleHistoryAdmin):
    list_display = (
        "title",
        "kind",
        "force",
        "published_on",
        "response_due_on",
        "response_published_on",
    )
    list_filter = ("kind", "force", "published_on")
    search_fields = ("title", "summary")
    date_hierarchy = "published_on"
    autocomplete_fields = ("force",)
    inlines = [GradedJudgmentInline]

    @admin.display(description="s.55 response due")
    def response_due_on(self, report: Report) -> object:
        return report.response_due_on


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    autocomplete_fields = ("owner",)


class DueDateRevisionInline(admin.TabularInline):
    model = DueDateRevision
    extra = 0
    readonly_fields = ("previous_due_on", "new_due_on", "reason", "revised_by", "revised_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Revisions are made through the revise-due-date service so the original is kept.
        return False


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = (
        "reference",
        "short_text",
        "kind",
        "report",
        "force",
        "status",
        "rag",
        "due_on",
        "owner",
    )
    list_filter = ("kind", "status", "rag", "force", "report__kind", "themes")
    list_select_related = ("report", "force", "owner")
    search_fields = ("reference", "text", "report__title")
    autocomplete_fields = (
        "report",
        "force",
        "parent",
        "owner",
        "opcc_lead",
        "superseded_by",
        "themes",
    )
    readonly_fields = (
        "original_due_on",
        "version",
        "status_changed_at",
        "challenged_at",
        "created_at",
    )
    inlines = [ActionInline, DueDateRevisionInline]
    # Status and deadline move only through the workflow services, which keep
    # the original due date, demand reasons and record decisions.
    workflow_fields = (
        "status",
        "due_on",
        "superseded_by",
        "closed_on",
        "closure_reference",
        "no_further_action_reason",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Finding | None = None) -> tuple:
        if obj is None:
            return self.readonly_fields
        return (*self.readonly_fields, *self.workflow_fields)

    def save_model(self, request: HttpRequest, obj: Finding, form: object, change: bool) -> None:
        if change:
            obj.version += 1
        else:
            obj.original_due_on = obj.due_on
        super().save_model(request, obj, form, change)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ("original_name", "content_type", "size", "effective_on", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Evidence goes through the upload form, which checks type and size.
        return False


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ("finding", "as_at", "rag", "author", "reports_complete")
    list_filter = ("rag", "reports_complete", "finding__force")
    list_select_related = ("finding", "author")
    search_fields = ("narrative", "finding__reference")
    autocomplete_fields = ("finding", "author")
    inlines = [EvidenceInline]


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ("original_name", "update", "effective_on", "uploaded_by", "uploaded_at")
    search_fields = ("original_name", "description")
    readonly_fields = (
        "file",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    )


@admin.register(AssuranceDecision)
class AssuranceDecisionAdmin(SimpleHistoryAdmin):
    list_display = ("finding", "outcome", "decided_by", "decided_at")
    list_filter = ("outcome",)
    search_fields = ("finding__reference", "reason")
    autocomplete_fields = ("finding", "update")


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ("description", "finding", "owner", "due_on", "status")
    list_filter = ("status",)
    search_fields = ("description", "finding__reference")
    autocomplete_fields = ("finding", "owner")


@admin.register(DueDateRevision)
class DueDateRevisionAdmin(admin.ModelAdmin):
    list_display = ("finding", "previous_due_on", "new_due_on", "revised_by", "revised_at")
    search_fields = ("finding__reference", "reason")
    readonly_fields = (
        "finding",
        "previous_due_on",
        "new_due_on",
        "reason",
        "revised_by",
        "revised_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Post)
class PostAdmin(SimpleHistoryAdmin):
    list_display = ("title", "force", "is_opcc", "holder", "is_active")
    list_filter = ("is_opcc", "is_active", "force")
    list_select_related = ("force", "holder")
    search_fields = ("title", "force__name", "holder__username", "holder__last_name")
    # A holder changes through a handover on the post's page, which moves what the post
    # owns and keeps the history; editing the field here would do neither.
    readonly_fields = ("holder",)


@admin.register(PostHolding)
class PostHoldingAdmin(admin.ModelAdmin):
    list_display = ("post", "holder", "started_on", "ended_on", "recorded_by")
    list_select_related = ("post", "holder", "recorded_by")
    search_fields = ("post__title", "holder__username", "holder__last_name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PpogMeeting)
class PpogMeetingAdmin(SimpleHistoryAdmin):
    list_display = ("meets_on", "monitoring_period")
    list_filter = ("monitoring_period__force",)
    search_fields = ("monitoring_period__force__name", "notes", "outcome")
    date_hierarchy = "meets_on"


@admin.register(GradedJudgment)
class GradedJudgmentAdmin(admin.ModelAdmin):
    list_display = ("report", "area", "grade")
    list_filter = ("grade", "area__framework")
    list_select_related = ("report", "area")
    search_fields = ("report__title", "area__name")
    autocomplete_fields = ("report", "area")
