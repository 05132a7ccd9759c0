from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Placeholder until the dashboard lands: a page that says so, behind the view permission."""
    from django.core.exceptions import PermissionDenied

    if not request.user.has_perm("recommendations.view_finding"):
        raise PermissionDenied
    return render(request, "dashboards/dashboard.html", {})
