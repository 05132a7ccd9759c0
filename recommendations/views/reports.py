"""My work, the reports list, a report's page, and adding or editing a report."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from recommendations import filters, forms, permissions, rules, services
from recommendations.models import Finding, FindingKind, Report, User
from recommendations.views.common import PAGE_SIZE, query_without_page, require, visible_report

NOT_YOUR_REPORT = (
    "You record reports for your own force. A national report concerns every force, "
    "so it is recorded by OPCC staff who work across all forces."
)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My work: overdue first, then due soon, then what waits on me."""
    user: User = request.user
    today = timezone.localdate()
    visible = Finding.objects.visible_to(user).select_related("report", "force")
    if not user.has_perm("recommendations.view_finding"):
        visible = visible.none()
    # A viewer (the Chief Constable's office) owns and leads nothing: their home shows
    # what everyone else's shows them, across what they may see.
    watches_only = not (
        user.has_perm("recommendations.report_progress")
        or user.has_perm("recommendations.change_finding")
    )
    mine = visible if watches_only else visible.involving(user)
    can_assure = user.has_perm("recommendations.assure_finding")
    awaiting_assurance = visible.none()
    if can_assure:
        awaiting_assurance = visible.awaiting_assurance().led_by_or_unled(user)
    context = {
        "today": today,
        "watches_only": watches_only,
        "overdue": mine.overdue(today=today).order_by("due_on")[:50],
        "due_soon": mine.due_soon(today=today).order_by("due_on")[:50],
        "awaiting_assurance": awaiting_assurance.order_by("status_changed_at")[:50],
        "challenged": mine.challenged().filter(owner=user).order_by("challenged_at")[:50],
        "can_assure": can_assure,
    }
    return render(request, "recommendations/home.html", context)


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    require(request.user.has_perm("recommendations.view_report"))
    form = filters.ReportFilterForm(request.GET or None, user=request.user)
    reports = form.filter(
        Report.objects.visible_to(request.user)
        .select_related("force")
        .annotate(
            finding_count=Count("findings", distinct=True),
            open_count=Count("findings", filter=rules.open_q("findings__"), distinct=True),
        )
        .order_by("-published_on", "title")
    )
    context = {
        "form": form,
        "page": Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page")),
        "today": timezone.localdate(),
        "query": query_without_page(request),
    }
    return render(request, "recommendations/report_list.html", context)


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = visible_report(request, pk)
    findings = list(
        report.findings.visible_to(request.user)
        .select_related("owner", "owner_post__holder", "opcc_lead")
        .order_by("id")
    )
    causes, standalone = _grouped_under_causes(findings)
    context = {
        "report": report,
        "today": timezone.localdate(),
        "judgments": report.judgments.select_related("area").order_by("area__position"),
        "causes": causes,
        "recommendations": [f for f in standalone if f.kind == FindingKind.RECOMMENDATION],
        "areas_for_improvement": [
            f for f in standalone if f.kind == FindingKind.AREA_FOR_IMPROVEMENT
        ],
        "monitoring": report.force.current_monitoring() if report.force else None,
        "can_edit": permissions.can_change_report(request.user, report),
        "can_add_finding": permissions.can_add_finding_to(request.user, report),
        "can_assign": bool(findings)
        and permissions.can_change_report(request.user, report)
        and request.user.has_perm("recommendations.change_finding"),
    }
    return render(request, "recommendations/report_detail.html", context)


def _grouped_under_causes(
    findings: list[Finding],
) -> tuple[list[tuple[Finding, list[Finding]]], list[Finding]]:
    """Each cause of concern with the recommendations under it, and the findings under none."""
    causes = [f for f in findings if f.kind == FindingKind.CAUSE_OF_CONCERN]
    children: dict[int, list[Finding]] = {cause.pk: [] for cause in causes}
    standalone = []
    for finding in findings:
        if finding.parent_id in children:
            children[finding.parent_id].append(finding)
        elif finding.kind != FindingKind.CAUSE_OF_CONCERN:
            standalone.append(finding)
    return [(cause, children[cause.pk]) for cause in causes], standalone


@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    require(request.user.has_perm("recommendations.add_report"))
    return _report_form(request, Report())


@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = visible_report(request, pk)
    require(permissions.can_change_report(request.user, report))
    return _report_form(request, report)


def _report_form(request: HttpRequest, report: Report) -> HttpResponse:
    form = forms.ReportForm(request.POST or None, instance=report, user=request.user)
    judgments = forms.JudgmentsForm(request.POST or None, report=report) if report.pk else None
    if request.method == "POST" and form.is_valid() and (judgments is None or judgments.is_valid()):
        try:
            report = services.report_save(
                report=form.save(commit=False),
                grades=judgments.grades() if judgments else {},
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied:
            form.add_error("force", NOT_YOUR_REPORT)
        else:
            messages.success(request, f"Report “{report.title}” saved.")
            return redirect("recommendations:report-detail", report.pk)
    context = {"form": form, "judgments": judgments, "report": report}
    return render(request, "recommendations/report_form.html", context)
