from django.urls import path

from accountability import views

app_name = "accountability"

urlpatterns = [
    path("sessions/", views.session_list, name="session-list"),
    path("sessions/new/", views.session_create, name="session-create"),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("sessions/<int:pk>/propose/", views.agenda_propose, name="agenda-propose"),
    path("sessions/<int:pk>/items/add/", views.item_add, name="item-add"),
    path("sessions/<int:pk>/issue/", views.agenda_issue, name="agenda-issue"),
    path("sessions/<int:pk>/held/", views.session_held, name="session-held"),
    path("sessions/<int:pk>/approve/", views.minutes_approve, name="minutes-approve"),
    path("sessions/items/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("sessions/items/<int:pk>/remove/", views.item_remove, name="item-remove"),
    path("sessions/items/<int:pk>/questions/new/", views.question_create, name="question-create"),
    path("sessions/items/<int:pk>/record/", views.item_record, name="item-record"),
    path("sessions/items/<int:pk>/actions/new/", views.action_create, name="action-create"),
    path("sessions/questions/<int:pk>/answer/", views.answer, name="answer"),
    path("sessions/<int:pk>/agenda/", views.agenda_print, name="agenda"),
    path("sessions/<int:pk>/agenda.pdf", views.agenda_pdf, name="agenda-pdf"),
    path("sessions/<int:pk>/agenda.docx", views.agenda_docx, name="agenda-docx"),
    path("sessions/<int:pk>/minutes/", views.minutes_print, name="minutes"),
    path("sessions/<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes-pdf"),
    path("sessions/<int:pk>/minutes.docx", views.minutes_docx, name="minutes-docx"),
]
