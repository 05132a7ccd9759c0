from django.urls import path

from accounts import views

app_name = "accounts"

# Every two-factor page sits under accounts/two-factor/: the middleware that
# holds unverified people back lets that prefix through.
urlpatterns = [
    # Open without signing in: for people whose sign-in is locked or slowed.
    path("accounts/sign-in-link/", views.sign_in_link_request, name="sign-in-link-request"),
    path("accounts/sign-in-link/<str:token>/", views.sign_in_link, name="sign-in-link"),
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
