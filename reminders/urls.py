from django.urls import path

from reminders import views

app_name = "reminders"

urlpatterns = [
    path("reminders/preferences/", views.preferences, name="preferences"),
    path("reminders/calendar/new/", views.calendar_issue, name="calendar-issue"),
    path("reminders/calendar/revoke/", views.calendar_revoke, name="calendar-revoke"),
    path("reminders/sent/", views.sent_reminders, name="sent"),
    path("reminders/sent/<int:pk>/retry/", views.digest_retry, name="digest-retry"),
    path(
        "reminders/digests/<int:pk>/<slug:kind>/",
        views.digest_section,
        name="digest-section",
    ),
    path("reminders/schedule/", views.schedule_edit, name="schedule"),
    path("reminders/team-address/", views.team_address_edit, name="team-address"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("healthz/reminders", views.health, name="health"),
]
