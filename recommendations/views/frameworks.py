"""Inspection frameworks: the list everyone may read, and the pages on which OPCC staff
who work across all forces add or change one (its areas, in order, and grade scale)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from recommendations import framework_forms, frameworks, permissions
from recommendations.models import AssessmentArea, Framework
from recommendations.views.common import require


@require_GET
def framework_list(request: HttpRequest) -> HttpResponse:
    require(request.user.has_perm("recommendations.view_framework"))
    listed = (
        Framework.objects.annotate(report_count=Count("reports"))
        .prefetch_related(
            Prefetch("areas", queryset=AssessmentArea.objects.order_by("position", "pk"))
        )
        .order_by("report_kind", "name")
    )
    context = {
        "frameworks": listed,
        "can_manage": permissions.can_manage_frameworks(request.user),
    }
    return render(request, "recommendations/framework_list.html", context)


@require_http_methods(["GET", "POST"])
def framework_create(request: HttpRequest) -> HttpResponse:
    require(permissions.can_manage_frameworks(request.user))
    return _framework_form(request, Framework())


@require_http_methods(["GET", "POST"])
def framework_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(permissions.can_manage_frameworks(request.user))
    return _framework_form(request, get_object_or_404(Framework, pk=pk))


def _framework_form(request: HttpRequest, framework: Framework) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    heading = f"Edit {framework}" if framework.pk else "Add an inspection framework"
    form = framework_forms.FrameworkForm(data, instance=framework)
    areas = framework_forms.area_formset(data, framework)
    if data is not None and form.is_valid() and areas.is_valid():
        try:
            saved = frameworks.framework_save(
                framework=form.save(commit=False), areas=areas.area_rows(), by=request.user
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, f"Framework “{saved}” saved.")
            return redirect("recommendations:framework-list")
    status = 400 if data is not None else 200
    context = {"form": form, "areas": areas, "framework": framework, "heading": heading}
    return render(request, "recommendations/framework_form.html", context, status=status)
