from django.urls import path

from recommendations.views import findings, frameworks, monitoring, posts, reports, workflow

app_name = "recommendations"

urlpatterns = [
    path("", reports.home, name="home"),
    path("reports/", reports.report_list, name="report-list"),
    path("reports/new/", reports.report_create, name="report-create"),
    path("reports/<int:pk>/", reports.report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report-edit"),
    path("reports/<int:report_pk>/findings/new/", findings.finding_create, name="finding-create"),
    path("findings/", findings.finding_list, name="finding-list"),
    path("findings/export.csv", findings.finding_export_csv, name="finding-export-csv"),
    path("findings/export.xlsx", findings.finding_export_xlsx, name="finding-export-xlsx"),
    path("findings/<int:pk>/", findings.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/edit/", findings.finding_edit, name="finding-edit"),
    path("findings/<int:pk>/updates/new/", workflow.progress_update_create, name="update-create"),
    path("findings/<int:pk>/assure/", workflow.finding_assure, name="finding-assure"),
    path("findings/<int:pk>/close/", workflow.finding_close, name="finding-close"),
    path("findings/<int:pk>/supersede/", workflow.finding_supersede, name="finding-supersede"),
    path(
        "findings/<int:pk>/no-further-action/",
        workflow.finding_no_further_action,
        name="finding-no-further-action",
    ),
    path("findings/<int:pk>/due-date/", workflow.finding_revise_due_date, name="finding-due-date"),
    path("findings/<int:pk>/assign/", workflow.finding_assign, name="finding-assign"),
    path("findings/<int:pk>/hmicfrs/", workflow.finding_hmicfrs_status, name="finding-hmicfrs"),
    path("evidence/<int:pk>/download/", findings.evidence_download, name="evidence-download"),
    path("posts/", posts.post_list, name="post-list"),
    path("posts/new/", posts.post_create, name="post-create"),
    path("posts/<int:pk>/", posts.post_detail, name="post-detail"),
    path("reports/<int:pk>/assign/", posts.report_findings_assign, name="report-assign"),
    # Scan and Engage (recommendations/views/monitoring.py).
    path("monitoring/", monitoring.monitoring_list, name="monitoring-list"),
    path("monitoring/forces/<int:pk>/", monitoring.force_monitoring, name="force-monitoring"),
    path("monitoring/forces/<int:pk>/engage/", monitoring.engage_enter, name="engage-enter"),
    path("monitoring/forces/<int:pk>/causes/", monitoring.engage_causes, name="engage-causes"),
    path("monitoring/forces/<int:pk>/ppog/", monitoring.ppog_meeting_record, name="ppog-record"),
    path("monitoring/forces/<int:pk>/exit/", monitoring.engage_exit, name="engage-exit"),
    path("monitoring/ppog/<int:pk>/cancel/", monitoring.ppog_meeting_cancel, name="ppog-cancel"),
    # Inspection frameworks (recommendations/views/frameworks.py).
    path("frameworks/", frameworks.framework_list, name="framework-list"),
    path("frameworks/new/", frameworks.framework_create, name="framework-create"),
    path("frameworks/<int:pk>/edit/", frameworks.framework_edit, name="framework-edit"),
]
