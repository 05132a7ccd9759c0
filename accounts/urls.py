from django.urls import path

from accounts import views

app_name = "accounts"

# Every two-factor page sits under accounts/two-factor/: the middleware that
# holds unverified people back lets that prefix through.
urlpatterns = [
    path("accounts/two-factor/", views.two_factor, name="two-factor"),
    path("accounts/two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path(
        "accounts/two-factor/set-up/send/",
        views.two_factor_setup_link_send,
        name="two-factor-setup-send",
    ),
    path(
        "accounts/two-factor/set-up/<str:token>/",
        views.two_factor_setup_link,
        name="two-factor-setup-link",
    ),
]
