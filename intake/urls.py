from django.urls import path

from intake import letter_views, views

app_name = "intake"

# The paths are those the pages had when they lived in recommendations/, so bookmarks work.
urlpatterns = [
    path("reports/<int:pk>/bring-in/", views.report_intake, name="report-intake"),
    path(
        "reports/<int:pk>/bring-in/review/",
        views.report_intake_review,
        name="report-intake-review",
    ),
    path(
        "reports/<int:pk>/bring-in/letter/",
        views.report_letter_review,
        name="report-letter-review",
    ),
    path("bring-in/drafts/", views.draft_list, name="draft-list"),
    path("letters/<int:pk>/", letter_views.letter_detail, name="letter-detail"),
    path("reports/<int:pk>/import/", views.report_import, name="report-import"),
    path("findings/import-template.csv", views.import_template_csv, name="import-template-csv"),
    path("findings/import-template.xlsx", views.import_template_xlsx, name="import-template-xlsx"),
]
