"""The dashboard and the accountability pack (HTML to print, and PDF).

Thin views: check the permission, read the filters, ask `figures` for the
numbers, render. Force scoping comes from `Finding.objects.visible_to`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit import services as audit
from dashboards import charts, figures, freshness, packs, pdf
from dashboards.forms import DashboardFilterForm
from dashboards.scope import Scope, names_for


def _scope(request: HttpRequest) -> tuple[DashboardFilterForm, Scope]:
    if not request.user.has_perm("recommendations.view_finding"):
        raise PermissionDenied
    today = timezone.localdate()
    names = names_for(request.user, today=today)
    form = DashboardFilterForm(request.GET or None, user=request.user, names=names)
    scope = Scope(user=request.user, today=today, filters=form.scope(), names=names)
    return form, scope


def _context(form: DashboardFilterForm, scope: Scope, **more: Any) -> dict[str, Any]:
    return {
        "form": form,
        "scope": scope,
        "today": scope.today,
        "now": timezone.localtime(),
        "scope_name": form.scope_name(scope.filters),
        "filters_in_use": form.describe(scope.filters),
        "query": urlencode(scope.params()),
        **more,
    }


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, scope = _scope(request)
    # What a person may see depends only on their force scope, so people with the
    # same scope and filters share the cached figures.
    key = ["dashboard", request.user.force_id, scope.params(), scope.today]
    board, computed_at = freshness.cached(key, lambda: figures.dashboard(scope))
    board = board.for_scope(scope)
    context = _context(form, scope, board=board, computed_at=timezone.localtime(computed_at))
    return render(request, "dashboards/dashboard.html", context)


def _pack_context(request: HttpRequest, *, for_pdf: bool) -> dict[str, Any]:
    form, scope = _scope(request)
    pack = packs.build(scope)
    return _context(
        form,
        scope,
        pack=pack,
        board=pack.dashboard,
        charts=charts.pack_charts(pack.dashboard),
        for_pdf=for_pdf,
    )


def _record_pack(request: HttpRequest, context: dict[str, Any], file_format: str) -> None:
    """The pack carries overdue items with their owners and latest updates: who took one
    is on the audit trail, as for exports. Recorded once it is made, not before."""
    audit.record(
        audit.Event.PACK_PRODUCED,
        request=request,
        detail={"format": file_format, "filters": context["scope"].params()},
    )


@require_GET
def pack(request: HttpRequest) -> HttpResponse:
    """The pack as a web page that prints well (print stylesheet, page numbers)."""
    context = _pack_context(request, for_pdf=False)
    response = render(request, "dashboards/pack.html", context)
    _record_pack(request, context, "html")
    return response


@require_GET
def pack_pdf(request: HttpRequest) -> HttpResponse:
    context = _pack_context(request, for_pdf=True)
    html = render_to_string("dashboards/pack.html", context, request=request)
    response = HttpResponse(pdf.render_pdf(html), content_type="application/pdf")
    _record_pack(request, context, "pdf")
    filename = f"accountability-pack-{context['today']:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
