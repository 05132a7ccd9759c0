from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import pages, views

app_name = "api"


def _api(view):
    """API views sign people in themselves (a token or the session), answering 401 in
    JSON rather than redirecting to the sign-in page; their permission classes still
    refuse anyone not signed in."""
    return login_not_required(view)


urlpatterns = [
    path("api/reports/", _api(views.ReportList.as_view()), name="report-list"),
    path("api/reports/<int:pk>/", _api(views.ReportDetail.as_view()), name="report-detail"),
    path("api/findings/", _api(views.FindingList.as_view()), name="finding-list"),
    path("api/findings/<int:pk>/", _api(views.FindingDetail.as_view()), name="finding-detail"),
    path("api/actions/", _api(views.ActionList.as_view()), name="action-list"),
    path("api/sessions/", _api(views.SessionList.as_view()), name="session-list"),
    path("api/sessions/<int:pk>/", _api(views.SessionDetail.as_view()), name="session-detail"),
    path("api/schema/", _api(SpectacularAPIView.as_view()), name="schema"),
    path("api/tokens/", pages.token_list, name="tokens"),
    path("api/tokens/<int:pk>/revoke/", pages.token_revoke, name="token-revoke"),
]
