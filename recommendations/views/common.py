"""What every view of the domain's pages shares: access checks and paging."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from recommendations.models import Finding, Report

PAGE_SIZE = 25


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def visible_finding(request: HttpRequest, pk: int) -> Finding:
    """The finding with its report and force, or 404 if the user may not see it."""
    require(request.user.has_perm("recommendations.view_finding"))
    return get_object_or_404(
        Finding.objects.visible_to(request.user).select_related("report", "force"), pk=pk
    )


def visible_report(request: HttpRequest, pk: int) -> Report:
    require(request.user.has_perm("recommendations.view_report"))
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related("force", "framework"), pk=pk
    )


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
