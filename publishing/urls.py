from django.urls import path

from publishing import views

app_name = "publishing"

urlpatterns = [
    path("responses/", views.response_list, name="response-list"),
    path("reports/<int:report_pk>/response/start/", views.response_start, name="response-start"),
    path("responses/<int:pk>/", views.response_detail, name="response-detail"),
    path("responses/<int:pk>/edit/", views.response_edit, name="response-edit"),
    path("responses/<int:pk>/history/", views.response_history, name="response-history"),
    path("responses/<int:pk>/stage/<str:stage>/", views.response_stage, name="response-stage"),
    path("responses/<int:pk>/versions/new/", views.response_document_add, name="document-add"),
    path(
        "responses/versions/<int:pk>/", views.response_document_download, name="document-download"
    ),
    path("responses/<int:pk>/comments-file/", views.response_comments_file, name="comments-file"),
    path("responses/<int:pk>/statement/", views.statement_print, name="statement"),
    path("responses/<int:pk>/statement.pdf", views.statement_pdf, name="statement-pdf"),
    path("responses/<int:pk>/statement.docx", views.statement_docx, name="statement-docx"),
    path("public-page/", views.release_list, name="release-list"),
    path("public-page/<slug:slug>/", views.release, name="release"),
    path(
        "public-page/<slug:slug>/reports/<int:report_pk>/",
        views.public_summaries,
        name="public-summaries",
    ),
    # The public URL scheme is stable: the PCC's website and open-data users link to it.
    path("public/<slug:slug>/", views.public_page, name="public-page"),
    path("public/<slug:slug>/progress.csv", views.public_csv, name="public-csv"),
    path("public/<slug:slug>/progress.json", views.public_json, name="public-json"),
    path(
        "public/<slug:slug>/responses/<int:pk>/document",
        views.public_document,
        name="public-document",
    ),
]
