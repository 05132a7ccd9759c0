"""The findings list and its exports, a finding's page, adding and editing a finding,
and downloading evidence."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit import services as audit
from oversight.storage import STORE_ERRORS, STORE_UNREADABLE, is_missing
from recommendations import exports, filters, forms, permissions, services, uploads
from recommendations.history import finding_history
from recommendations.models import Evidence, Finding, User
from recommendations.paging import CappedPaginator
from recommendations.views.common import (
    PAGE_SIZE,
    query_without_page,
    record_read,
    refuse_unseen,
    require,
    visible_finding,
    visible_report,
)
from recommendations.workflow import Transition, allowed_transitions

# ---------------------------------------------------------------- findings list


def _filtered_findings(request: HttpRequest) -> tuple[filters.FindingFilterForm, Any]:
    require(request.user.has_perm("recommendations.view_finding"))
    form = filters.FindingFilterForm(request.GET or None, user=request.user)
    findings = form.filter(
        Finding.objects.visible_to(request.user), today=timezone.localdate()
    ).select_related("report", "force", "owner", "owner_post__holder")
    return form, findings


@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    form, findings = _filtered_findings(request)
    # A text search may match most findings: count it only so far (exact counts for
    # the filters alone, which the dashboard's figures drill down to).
    paginator_class = CappedPaginator if form.searches_text else Paginator
    page = paginator_class(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "today": timezone.localdate(),
        "query": query_without_page(request),
        "active_filters": form.active_filters(),
    }
    template = "recommendations/finding_list.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        template = "recommendations/_finding_results.html"
    return render(request, template, context)


EXPORT_REFUSED = (
    "Nothing was exported: a filter is not valid (see below). Correct it, or clear it, "
    "and export again."
)


def _export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The filtered findings as a file; refused while any filter is invalid, since
    exporting everything instead would take out far more than the user asked for."""
    form, findings = _filtered_findings(request)
    if form.is_bound and not form.is_valid():
        messages.error(request, EXPORT_REFUSED)
        return redirect(f"{reverse('recommendations:finding-list')}?{request.GET.urlencode()}")
    findings = (
        findings.select_related("parent", "opcc_lead")
        .prefetch_related("themes")
        .with_latest_update()
    )
    today = timezone.localdate()
    make = exports.findings_csv_response if file_format == "csv" else exports.findings_xlsx_response
    response = make(findings, today=today, filename=f"findings-{today:%Y-%m-%d}")
    # Who took which findings out of Oversight: the filters applied say which.
    applied = form.applied_filters() if form.is_bound else {}
    audit.record(
        audit.Event.FINDINGS_EXPORTED,
        request=request,
        detail={"format": file_format, "filters": applied},
    )
    return response


@require_GET
def finding_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@require_GET
def finding_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


# ---------------------------------------------------------------- a finding


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime | date
    kind: str  # "update" | "decision" | "revision"
    item: Any


def _timeline(finding: Finding) -> list[TimelineEntry]:
    """Updates, assurance decisions, due-date revisions and HMICFRS letters, newest first."""

    def moment(value: date | datetime) -> datetime:
        if isinstance(value, datetime):
            return timezone.localtime(value).replace(tzinfo=None)
        return datetime.combine(value, datetime.max.time())

    entries = [TimelineEntry(u.created_at, "update", u) for u in finding.updates.all()]
    entries += [
        TimelineEntry(d.decided_at, "decision", d) for d in finding.assurance_decisions.all()
    ]
    entries += [
        TimelineEntry(r.revised_at, "revision", r) for r in finding.due_date_revisions.all()
    ]
    # HMICFRS letters recorded against it (intake): closures, revisit notes, creation.
    entries += [
        TimelineEntry(o.letter.sent_on, "letter", o)
        for o in finding.letter_outcomes.select_related("letter__recorded_by")
    ]
    return sorted(entries, key=lambda e: moment(e.when), reverse=True)


@require_GET
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user.has_perm("recommendations.view_finding"))
    user: User = request.user
    finding = Finding.objects.for_detail(user).filter(pk=pk).first()
    if finding is None:
        raise refuse_unseen(request, Finding, pk)
    record_read(request, finding)
    transitions = {t: permissions.can_apply(user, finding, t) for t in allowed_transitions(finding)}
    context = {
        "finding": finding,
        "today": timezone.localdate(),
        "timeline": _timeline(finding),
        "history": finding_history(finding),
        "related": Finding.objects.visible_to(user).related_to(finding)[:20],
        "can_edit": permissions.can_edit(user, finding),
        "can_update": permissions.can_post_update(user, finding),
        "can_assure": transitions.get(Transition.ASSURE, False),
        "can_close": transitions.get(Transition.CLOSE, False),
        "can_supersede": transitions.get(Transition.SUPERSEDE, False),
        "can_mark_nfa": transitions.get(Transition.NO_FURTHER_ACTION, False),
        "can_revise": permissions.can_revise_due_date(user, finding),
    }
    return render(request, "recommendations/finding_detail.html", context)


@require_http_methods(["GET", "POST"])
def finding_create(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = visible_report(request, report_pk)
    require(permissions.can_add_finding_to(request.user, report))
    form = forms.FindingForm(request.POST or None, report=report)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = services.finding_create(
                report=report, created_by=request.user, **_finding_fields(data)
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{finding.reference} added to the report.")
            return redirect("recommendations:finding-detail", finding.pk)
    return render(
        request,
        "recommendations/finding_form.html",
        {"form": form, "report": report, "title": f"Add a finding to {report.title}"},
    )


def _finding_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in data.items() if name != "version"}


@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding = visible_finding(request, pk)
    require(permissions.can_edit(request.user, finding))
    # The form writes the user's values onto its instance as it validates; the page
    # (and a conflict's explanation) shows the finding as stored.
    form = forms.FindingEditForm(
        request.POST or None,
        instance=copy.copy(finding),
        report=finding.report,
        initial={"version": finding.version},
    )
    status, conflict = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_update(
                finding=finding,
                expected_version=form.cleaned_data["version"],
                changed_by=request.user,
                **_finding_fields(form.cleaned_data),
            )
        except services.StaleVersion as exc:
            conflict, status = exc, 409
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{finding.reference} saved.")
            return redirect("recommendations:finding-detail", finding.pk)
    context = {
        "form": form,
        "finding": finding,
        "report": finding.report,
        "conflict": conflict,
        "title": f"Edit {finding.reference}",
    }
    return render(request, "recommendations/finding_form.html", context, status=status)


# ---------------------------------------------------------------- evidence


EVIDENCE_MISSING = (
    "This evidence file is missing from storage. The update still records that it was "
    "given; ask whoever posted it to upload it again."
)


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse | HttpResponse:
    """Evidence is served only here: permission-checked, as an attachment, never sniffed."""
    require(request.user.has_perm("recommendations.view_evidence"))
    evidence = get_object_or_404(
        Evidence.objects.select_related("update__finding"),
        pk=pk,
        update__finding__in=Finding.objects.visible_to(request.user),
    )
    require(permissions.can_view(request.user, evidence.update.finding))
    try:
        handle = evidence.file.open("rb")
    except STORE_ERRORS as exc:
        if is_missing(exc):
            return HttpResponse(EVIDENCE_MISSING, status=404, content_type="text/plain")
        return HttpResponse(STORE_UNREADABLE, status=503, content_type="text/plain")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=uploads.safe_download_name(evidence.original_name),
        # Recomputed, not read back: rows stored before the type was checked hold the
        # browser's claim (text/html, image/svg+xml).
        content_type=uploads.stored_content_type(evidence.original_name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store, private"
    audit.record(audit.Event.EVIDENCE_DOWNLOAD, request=request, obj=evidence)
    return response
