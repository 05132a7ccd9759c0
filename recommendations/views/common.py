"""What every view of the domain's pages shares: access checks, audited reads and paging.

A page that shows a finding's or a report's text records the read in the audit trail
(the text may be OFFICIAL-SENSITIVE); a request for one the user may not see answers
404 and is recorded as a denied read, at most `DENIED_READS_PER_MINUTE` a minute per
person so that a scripted probe cannot flood the trail.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.utils import timezone

from audit import services as audit
from recommendations.models import Finding, Report

PAGE_SIZE = 25
DENIED_READS_PER_MINUTE = 10


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def record_read(request: HttpRequest, obj: Finding | Report) -> None:
    """Audit a page showing this object's text (GET only: a POST's page is the same read)."""
    if request.method != "GET":
        return
    event = audit.Event.FINDING_VIEWED if isinstance(obj, Finding) else audit.Event.REPORT_VIEWED
    match = request.resolver_match
    audit.record(event, request=request, obj=obj, detail={"page": match.url_name if match else ""})


def refuse_unseen(request: HttpRequest, model: type[models.Model], pk: int) -> Http404:
    """The 404 for an object the user may not see; recorded when the object exists."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    key = f"audit:denied-reads:{request.user.pk}:{minute}"
    cache.add(key, 0, 120)
    if model._base_manager.filter(pk=pk).exists() and cache.incr(key) <= DENIED_READS_PER_MINUTE:
        audit.record(
            audit.Event.ACCESS_DENIED,
            request=request,
            detail={"status": 404, "read": model._meta.label, "id": pk},
        )
    return Http404(f"No {model._meta.verbose_name} you may see has that number.")


def _visible(request: HttpRequest, found: models.QuerySet, pk: int, permission: str) -> object:
    require(request.user.has_perm(permission))
    obj = found.filter(pk=pk).first()
    if obj is None:
        raise refuse_unseen(request, found.model, pk)
    record_read(request, obj)
    return obj


def visible_finding(request: HttpRequest, pk: int) -> Finding:
    """The finding with its report and force, or 404 if the user may not see it."""
    found = Finding.objects.visible_to(request.user).select_related("report", "force")
    return _visible(request, found, pk, "recommendations.view_finding")


def visible_report(request: HttpRequest, pk: int) -> Report:
    """The report with its force and framework, or 404 if the user may not see it."""
    found = Report.objects.visible_to(request.user).select_related("force", "framework")
    return _visible(request, found, pk, "recommendations.view_report")


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
