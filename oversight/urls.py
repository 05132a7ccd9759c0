from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.sso import AdminSignInForm
from accounts.sso_views import SignInView
from oversight.views import healthz

admin.site.site_header = "Oversight administration"
admin.site.site_title = "Oversight"
# The admin's own sign-in page keeps the rule that some roles may not use a password.
admin.site.login_form = AdminSignInForm

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("accounts.urls")),
    path("", include("audit.urls")),
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
    path("", include("reminders.urls")),
    path("", include("dashboards.urls")),
    path("", include("publishing.urls")),
    path("", include("accountability.urls")),
    path("", include("intake.urls")),
    path("", include("recommendations.urls")),
]
