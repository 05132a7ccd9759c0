from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from recommendations.models import Finding


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My work: what I own or lead, overdue first, then what falls due soon."""
    today = timezone.localdate()
    mine = Finding.objects.visible_to(request.user).involving(request.user)
    if not request.user.has_perm("recommendations.view_finding"):
        mine = mine.none()
    mine = mine.select_related("report", "force")
    context = {
        "today": today,
        "overdue": mine.overdue(today=today).order_by("due_on")[:50],
        "due_soon": mine.due_soon(today=today).order_by("due_on")[:50],
    }
    return render(request, "recommendations/home.html", context)
