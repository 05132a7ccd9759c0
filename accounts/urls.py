from django.urls import path

from accounts import people_views, sso_views, views

app_name = "accounts"

# Every two-factor page sits under accounts/two-factor/: the middleware that
# holds unverified people back lets that prefix through.
urlpatterns = [
    # Open without signing in: for people whose sign-in is locked or slowed.
    path("accounts/sign-in-link/", views.sign_in_link_request, name="sign-in-link-request"),
    path("accounts/sign-in-link/<str:token>/", views.sign_in_link, name="sign-in-link"),
    # Open without signing in: single sign-on starts here and comes back to the callback
    # (404 unless configured; the callback needs the state this browser's session began).
    path("accounts/sso/start/", sso_views.sign_in_start, name="sso-start"),
    path("accounts/sso/callback/", sso_views.sign_in_callback, name="sso-callback"),
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
    # Open without signing in: the invitee has no account yet; the token is the credential.
    path(
        "accounts/invitation/<str:token>/",
        people_views.invitation_accept,
        name="invitation-accept",
    ),
    # Open too: the link staff email to someone who forgot their password.
    path(
        "accounts/set-password/<str:token>/",
        people_views.password_link,
        name="password-link",
    ),
    # People, for OPCC staff who work across all forces and administrators.
    path("people/", people_views.people_list, name="people"),
    path("people/invite/", people_views.person_invite, name="person-invite"),
    path("people/<int:pk>/", people_views.person_detail, name="person-detail"),
    path("people/<int:pk>/deactivate/", people_views.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", people_views.person_reactivate, name="person-reactivate"),
    path(
        "people/<int:pk>/password-link/",
        people_views.person_password_link,
        name="person-password-link",
    ),
    path(
        "people/invitations/<int:pk>/send-again/",
        people_views.invitation_resend,
        name="invitation-resend",
    ),
    path(
        "people/invitations/<int:pk>/withdraw/",
        people_views.invitation_withdraw,
        name="invitation-withdraw",
    ),
]
