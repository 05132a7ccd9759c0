"""Thin views: fetch what the user may see, bind a form, call a service, redirect or render.

Every view needs a signed-in user (LoginRequiredMiddleware) and checks a
permission: `_visible_finding` and friends return 404 for objects of another
force, and `_require` answers 403 when the role does not allow the action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit import services as audit
from recommendations import exports, forms, permissions, services, uploads
from recommendations.history import finding_history
from recommendations.models import (
    OPEN_STATUSES,
    AssuranceDecision,
    AssuranceOutcome,
    Evidence,
    Finding,
    FindingKind,
    ProgressUpdate,
    Report,
    Status,
    User,
)
from recommendations.paging import CappedPaginator
from recommendations.workflow import Transition, TransitionRefused, allowed_transitions, is_allowed

PAGE_SIZE = 25


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _visible_finding(request: HttpRequest, pk: int) -> Finding:
    _require(request.user.has_perm("recommendations.view_finding"))
    return get_object_or_404(
        Finding.objects.visible_to(request.user).select_related("report", "force"), pk=pk
    )


def _visible_report(request: HttpRequest, pk: int) -> Report:
    _require(request.user.has_perm("recommendations.view_report"))
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related("force", "framework"), pk=pk
    )


# ---------------------------------------------------------------- my work


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My work: overdue first, then due soon, then what waits on me."""
    user: User = request.user
    today = timezone.localdate()
    visible = Finding.objects.visible_to(user).select_related("report", "force")
    if not user.has_perm("recommendations.view_finding"):
        visible = visible.none()
    mine = visible.involving(user)
    awaiting_assurance = visible.none()
    if user.has_perm("recommendations.assure_finding"):
        awaiting_assurance = visible.awaiting_assurance().filter(
            Q(opcc_lead=user) | Q(opcc_lead__isnull=True)
        )
    context = {
        "today": today,
        "overdue": mine.overdue(today=today).order_by("due_on")[:50],
        "due_soon": mine.due_soon(today=today).order_by("due_on")[:50],
        "awaiting_assurance": awaiting_assurance.order_by("status_changed_at")[:50],
        "challenged": mine.challenged().filter(owner=user).order_by("challenged_at")[:50],
        "can_assure": user.has_perm("recommendations.assure_finding"),
    }
    return render(request, "recommendations/home.html", context)


# ---------------------------------------------------------------- reports


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    _require(request.user.has_perm("recommendations.view_report"))
    today = timezone.localdate()
    form = forms.ReportFilterForm(request.GET or None, user=request.user)
    reports = form.filter(
        Report.objects.visible_to(request.user)
        .select_related("force")
        .annotate(
            finding_count=Count("findings", distinct=True),
            open_count=Count(
                "findings", filter=Q(findings__status__in=OPEN_STATUSES), distinct=True
            ),
        )
        .order_by("-published_on", "title")
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "recommendations/report_list.html",
        {"form": form, "page": page, "today": today, "query": _query_without_page(request)},
    )


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible_report(request, pk)
    audit.record(audit.Event.REPORT_VIEWED, request=request, obj=report)
    findings = list(
        report.findings.visible_to(request.user).select_related("owner", "opcc_lead").order_by("id")
    )
    causes = [f for f in findings if f.kind == FindingKind.CAUSE_OF_CONCERN]
    children: dict[int, list[Finding]] = {c.pk: [] for c in causes}
    standalone = []
    for finding in findings:
        if finding.parent_id in children:
            children[finding.parent_id].append(finding)
        elif finding.kind != FindingKind.CAUSE_OF_CONCERN:
            standalone.append(finding)
    context = {
        "report": report,
        "today": timezone.localdate(),
        "judgments": report.judgments.select_related("area").order_by("area__position"),
        "causes": [(cause, children[cause.pk]) for cause in causes],
        "recommendations": [f for f in standalone if f.kind == FindingKind.RECOMMENDATION],
        "areas_for_improvement": [
            f for f in standalone if f.kind == FindingKind.AREA_FOR_IMPROVEMENT
        ],
        "monitoring": report.force.current_monitoring() if report.force else None,
        "can_edit": request.user.has_perm("recommendations.change_report"),
        "can_add_finding": request.user.has_perm("recommendations.add_finding"),
    }
    return render(request, "recommendations/report_detail.html", context)


@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    _require(request.user.has_perm("recommendations.add_report"))
    return _report_form(request, Report())


@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible_report(request, pk)
    _require(request.user.has_perm("recommendations.change_report"))
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
        else:
            messages.success(request, f"Report “{report.title}” saved.")
            return redirect("recommendations:report-detail", report.pk)
    return render(
        request,
        "recommendations/report_form.html",
        {"form": form, "judgments": judgments, "report": report},
    )


# ---------------------------------------------------------------- findings list


def _filtered_findings(request: HttpRequest) -> tuple[forms.FindingFilterForm, Any]:
    _require(request.user.has_perm("recommendations.view_finding"))
    form = forms.FindingFilterForm(request.GET or None, user=request.user)
    findings = form.filter(
        Finding.objects.visible_to(request.user), today=timezone.localdate()
    ).select_related("report", "force", "owner")
    return form, findings


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


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
        "query": _query_without_page(request),
        "active_filters": form.active_filters(),
    }
    template = "recommendations/finding_list.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        template = "recommendations/_finding_results.html"
    return render(request, template, context)


def _export_queryset(request: HttpRequest) -> Any:
    _form, findings = _filtered_findings(request)
    return (
        findings.select_related("parent", "opcc_lead")
        .prefetch_related("themes")
        .with_latest_update()
    )


def _record_export(request: HttpRequest, file_format: str) -> None:
    """Who took which findings out of Oversight: the filters say which."""
    filters = {
        name: values if len(values) > 1 else values[0]
        for name, values in request.GET.lists()
        if name != "page" and any(values)
    }
    audit.record(
        audit.Event.FINDINGS_EXPORTED,
        request=request,
        detail={"format": file_format, "filters": filters},
    )


@require_GET
def finding_export_csv(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    response = exports.findings_csv_response(
        _export_queryset(request), today=today, filename=f"findings-{today:%Y-%m-%d}"
    )
    _record_export(request, "csv")
    return response


@require_GET
def finding_export_xlsx(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    response = exports.findings_xlsx_response(
        _export_queryset(request), today=today, filename=f"findings-{today:%Y-%m-%d}"
    )
    _record_export(request, "xlsx")
    return response


# ---------------------------------------------------------------- finding detail


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime | date
    kind: str  # "update" | "decision" | "revision"
    item: Any


def _timeline(finding: Finding) -> list[TimelineEntry]:
    """Updates, assurance decisions and due-date revisions, newest first."""

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
    return sorted(entries, key=lambda e: moment(e.when), reverse=True)


@require_GET
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _visible_finding(request, pk)
    audit.record(audit.Event.FINDING_VIEWED, request=request, obj=finding)
    finding = (
        Finding.objects.select_related(
            "report", "force", "owner", "opcc_lead", "parent", "superseded_by__report"
        )
        .prefetch_related(
            "themes",
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related("author").prefetch_related(
                    "evidence"
                ),
            ),
            Prefetch(
                "assurance_decisions",
                queryset=AssuranceDecision.objects.select_related("decided_by"),
            ),
            "due_date_revisions__revised_by",
            "actions__owner",
            Prefetch(
                "children",
                queryset=Finding.objects.visible_to(request.user).order_by("id"),
            ),
        )
        .get(pk=finding.pk)
    )
    user: User = request.user
    # The same force's findings (and national ones) that share a theme: across all
    # forces the themes match too many rows to be useful, or quick.
    related = (
        Finding.objects.visible_to(user)
        .filter(Q(force=finding.force_id) | Q(force__isnull=True), themes__in=finding.themes.all())
        .exclude(report=finding.report_id)
        .select_related("report")
        .distinct()
        .order_by("-report__published_on", "reference")[:20]
    )
    transitions = {t: permissions.can_apply(user, finding, t) for t in allowed_transitions(finding)}
    context = {
        "finding": finding,
        "today": timezone.localdate(),
        "timeline": _timeline(finding),
        "history": finding_history(finding),
        "related": related,
        "can_edit": permissions.can_edit(user, finding),
        "can_update": permissions.can_report_progress(user, finding) and finding.is_open,
        "can_assure": transitions.get(Transition.ASSURE, False),
        "can_close": transitions.get(Transition.CLOSE, False),
        "can_supersede": transitions.get(Transition.SUPERSEDE, False),
        "can_mark_nfa": transitions.get(Transition.NO_FURTHER_ACTION, False),
        "can_revise": permissions.can_edit(user, finding)
        and finding.kind != FindingKind.CAUSE_OF_CONCERN
        and finding.is_open,
    }
    return render(request, "recommendations/finding_detail.html", context)


# ---------------------------------------------------------------- finding forms


@require_http_methods(["GET", "POST"])
def finding_create(request: HttpRequest, report_pk: int) -> HttpResponse:
    report = _visible_report(request, report_pk)
    _require(request.user.has_perm("recommendations.add_finding"))
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
    finding = _visible_finding(request, pk)
    _require(permissions.can_edit(request.user, finding))
    form = forms.FindingEditForm(
        request.POST or None,
        instance=Finding.objects.get(pk=finding.pk),
        report=finding.report,
        initial={"version": finding.version},
    )
    status = 200
    conflict = None
    if request.method == "POST" and form.is_valid():
        fields = _finding_fields(form.cleaned_data)
        try:
            services.finding_update(
                finding=finding,
                expected_version=form.cleaned_data["version"],
                changed_by=request.user,
                **fields,
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


@dataclass(frozen=True)
class Action:
    """One workflow form on a finding: who may use it, which form, and what it does."""

    title: str
    intro: str
    form_class: type[forms.VersionedForm]
    allowed: Callable[[User, Finding], bool]
    perform: Callable[[HttpRequest, Finding, dict[str, Any]], object]
    success: str
    submit: str
    transition: Transition | None = None
    form_kwargs: Callable[[HttpRequest, Finding], dict[str, Any]] = lambda request, finding: {}


def _run_action(request: HttpRequest, pk: int, action: Action) -> HttpResponse:
    finding = _visible_finding(request, pk)
    _require(action.allowed(request.user, finding))
    if action.transition and not is_allowed(finding, action.transition):
        # Say why instead of showing a form whose submission would be refused.
        context = {
            "finding": finding,
            "action": action,
            "refusal": TransitionRefused(finding, action.transition),
            "today": timezone.localdate(),
        }
        return render(request, "recommendations/finding_action.html", context, status=409)
    form = action.form_class(
        request.POST or None,
        request.FILES or None,
        initial={"version": finding.version},
        **action.form_kwargs(request, finding),
    )
    status, conflict = 200, None
    if request.method == "POST":
        if form.is_valid():
            try:
                action.perform(request, finding, form.cleaned_data)
            except services.StaleVersion as exc:
                conflict, status = exc, 409
            except TransitionRefused as exc:
                form.add_error(None, str(exc))
                status = 409
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(request, action.success.format(ref=finding.reference))
                return redirect("recommendations:finding-detail", finding.pk)
        else:
            status = 400
    context = {
        "finding": finding,
        "form": form,
        "action": action,
        "conflict": conflict,
        "today": timezone.localdate(),
    }
    return render(request, "recommendations/finding_action.html", context, status=status)


def _post_update(request: HttpRequest, finding: Finding, data: dict[str, Any]) -> object:
    evidence = [
        services.EvidenceFile(
            file=upload,
            effective_on=data["evidence_effective_on"],
            description=data.get("evidence_description", ""),
        )
        for upload in data.get("evidence") or []
    ]
    return services.progress_update_add(
        finding=finding,
        expected_version=data["version"],
        author=request.user,
        narrative=data["narrative"],
        rag=data["rag"],
        as_at=data["as_at"],
        evidence=evidence,
        reports_complete=data.get("reports_complete", False),
    )


def _assure(request: HttpRequest, finding: Finding, data: dict[str, Any]) -> object:
    decide = (
        services.finding_assure
        if data["outcome"] == AssuranceOutcome.ACCEPTED
        else services.finding_challenge
    )
    return decide(
        finding=finding,
        expected_version=data["version"],
        decided_by=request.user,
        reason=data.get("reason", ""),
    )


ACTIONS = {
    "update": Action(
        title="Add a progress update",
        intro="Describe the progress made. Attach evidence to support any claim of completion.",
        form_class=forms.ProgressUpdateForm,
        allowed=lambda user, finding: (
            permissions.can_report_progress(user, finding) and finding.is_open
        ),
        perform=_post_update,
        success="Progress update added to {ref}.",
        submit="Save update",
        form_kwargs=lambda request, finding: {
            "allow_completion": finding.status in (Status.NOT_STARTED, Status.IN_PROGRESS)
        },
    ),
    "assure": Action(
        title="Assure or challenge",
        intro="Accept the force's claim that this is complete, or challenge it with a reason. "
        "A challenge returns the finding to in progress.",
        form_class=forms.AssuranceForm,
        allowed=lambda user, finding: permissions.can_apply(user, finding, Transition.ASSURE),
        perform=_assure,
        success="Decision on {ref} recorded.",
        submit="Record decision",
        transition=Transition.ASSURE,
    ),
    "close": Action(
        title="Record HMICFRS closure",
        intro="Record the letter in which HMICFRS closed this finding.",
        form_class=forms.CloseForm,
        allowed=lambda user, finding: permissions.can_apply(user, finding, Transition.CLOSE),
        perform=lambda request, finding, data: services.finding_close(
            finding=finding,
            expected_version=data["version"],
            closed_by=request.user,
            closed_on=data["closed_on"],
            letter_reference=data["letter_reference"],
        ),
        success="{ref} recorded as closed by HMICFRS.",
        submit="Record closure",
        transition=Transition.CLOSE,
    ),
    "supersede": Action(
        title="Mark as superseded",
        intro="Choose the newer finding that replaces this one.",
        form_class=forms.SupersedeForm,
        allowed=lambda user, finding: permissions.can_apply(user, finding, Transition.SUPERSEDE),
        perform=lambda request, finding, data: services.finding_supersede(
            finding=finding,
            expected_version=data["version"],
            successor=data["successor"],
            by=request.user,
        ),
        success="{ref} marked as superseded.",
        submit="Mark superseded",
        transition=Transition.SUPERSEDE,
        form_kwargs=lambda request, finding: {"finding": finding, "user": request.user},
    ),
    "no-further-action": Action(
        title="No further action",
        intro="Record why no further action is needed on this finding.",
        form_class=forms.NoFurtherActionForm,
        allowed=lambda user, finding: permissions.can_apply(
            user, finding, Transition.NO_FURTHER_ACTION
        ),
        perform=lambda request, finding, data: services.finding_mark_no_further_action(
            finding=finding,
            expected_version=data["version"],
            reason=data["reason"],
            by=request.user,
        ),
        success="{ref} marked as needing no further action.",
        submit="Confirm",
        transition=Transition.NO_FURTHER_ACTION,
    ),
    "due-date": Action(
        title="Revise the due date",
        intro="The original due date stays on record, with your reason for the change.",
        form_class=forms.ReviseDueDateForm,
        allowed=lambda user, finding: permissions.can_edit(user, finding) and finding.is_open,
        perform=lambda request, finding, data: services.finding_revise_due_date(
            finding=finding,
            expected_version=data["version"],
            new_due_on=data["new_due_on"],
            reason=data["reason"],
            revised_by=request.user,
        ),
        success="Due date of {ref} revised.",
        submit="Revise due date",
    ),
    "assign": Action(
        title="Assign owner and OPCC lead",
        intro="The force owner posts updates; the OPCC lead scrutinises them.",
        form_class=forms.AssignForm,
        allowed=permissions.can_edit,
        perform=lambda request, finding, data: services.finding_update(
            finding=finding,
            expected_version=data["version"],
            changed_by=request.user,
            owner=data["owner"],
            opcc_lead=data["opcc_lead"],
        ),
        success="{ref} reassigned.",
        submit="Save",
        form_kwargs=lambda request, finding: {"finding": finding},
    ),
}


@require_http_methods(["GET", "POST"])
def progress_update_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ACTIONS["update"])


@require_http_methods(["GET", "POST"])
def finding_assure(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ACTIONS["assure"])


@require_http_methods(["GET", "POST"])
def finding_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ACTIONS["close"])


@require_http_methods(["GET", "POST"])
def finding_supersede(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ACTIONS["supersede"])


@require_http_methods(["GET", "POST"])
def finding_no_further_action(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ACTIONS["no-further-action"])


@require_http_methods(["GET", "POST"])
def finding_revise_due_date(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ACTIONS["due-date"])


@require_http_methods(["GET", "POST"])
def finding_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_action(request, pk, ACTIONS["assign"])


# ---------------------------------------------------------------- evidence


@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Evidence is served only here: permission-checked, as an attachment, never sniffed."""
    _require(request.user.has_perm("recommendations.view_evidence"))
    evidence = get_object_or_404(
        Evidence.objects.select_related("update__finding"),
        pk=pk,
        update__finding__in=Finding.objects.visible_to(request.user),
    )
    _require(permissions.can_view(request.user, evidence.update.finding))
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise PermissionDenied("The evidence file is missing from storage.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=uploads.safe_download_name(evidence.original_name),
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store, private"
    audit.record(audit.Event.EVIDENCE_DOWNLOAD, request=request, obj=evidence)
    return response
