from django.urls import path

from recommendations import views

app_name = "recommendations"

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/new/", views.report_create, name="report-create"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report-edit"),
    path("reports/<int:report_pk>/findings/new/", views.finding_create, name="finding-create"),
    path("findings/", views.finding_list, name="finding-list"),
    path("findings/export.csv", views.finding_export_csv, name="finding-export-csv"),
    path("findings/export.xlsx", views.finding_export_xlsx, name="finding-export-xlsx"),
    path("findings/<int:pk>/", views.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="finding-edit"),
    path("findings/<int:pk>/updates/new/", views.progress_update_create, name="update-create"),
    path("findings/<int:pk>/assure/", views.finding_assure, name="finding-assure"),
    path("findings/<int:pk>/close/", views.finding_close, name="finding-close"),
    path("findings/<int:pk>/supersede/", views.finding_supersede, name="finding-supersede"),
    path(
        "findings/<int:pk>/no-further-action/",
        views.finding_no_further_action,
        name="finding-no-further-action",
    ),
    path("findings/<int:pk>/due-date/", views.finding_revise_due_date, name="finding-due-date"),
    path("findings/<int:pk>/assign/", views.finding_assign, name="finding-assign"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence-download"),
]
