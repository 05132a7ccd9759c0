"""The steps taken on one finding: a progress update, assurance, closure, supersession, no
further action, a revised due date, and assignment. Each view names the service it calls;
`_step_page` renders them all the same way."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from recommendations import forms, hmicfrs, permissions, services
from recommendations.models import AssuranceOutcome, Finding, Status
from recommendations.views.common import require, visible_finding
from recommendations.workflow import Transition, TransitionRefused, is_allowed


@dataclass(frozen=True)
class StepPage:
    """The words on one step's page."""

    title: str
    intro: str
    submit: str


UPDATE = StepPage(
    "Add a progress update",
    "Describe the progress made. Attach evidence to support any claim of completion.",
    "Save update",
)
ASSURE = StepPage(
    "Assure or challenge",
    "Accept the force's claim that this is complete, or challenge it with a reason. "
    "A challenge returns the finding to in progress.",
    "Record decision",
)
CLOSE = StepPage(
    "Record HMICFRS closure",
    "Record that HMICFRS closed this finding: by letter, or by a status change on its "
    "monitoring portal.",
    "Record closure",
)
HMICFRS_STATUS = StepPage(
    "Record HMICFRS's status",
    "Record the finding's ID and its status on HMICFRS's monitoring portal, as you see them "
    "today. Oversight's own status stands beside it.",
    "Save",
)
SUPERSEDE = StepPage(
    "Mark as superseded", "Choose the newer finding that replaces this one.", "Mark superseded"
)
NO_FURTHER_ACTION = StepPage(
    "No further action", "Record why no further action is needed on this finding.", "Confirm"
)
REVISE_DUE_DATE = StepPage(
    "Revise the due date",
    "The original due date stays on record, with your reason for the change.",
    "Revise due date",
)
ASSIGN = StepPage(
    "Assign owner and OPCC lead",
    "The force owner posts updates; the OPCC lead scrutinises them.",
    "Save",
)

# What a service may refuse after the form was valid: each is shown on the form.
REFUSALS = (services.StaleVersion, TransitionRefused, ValidationError)


def _step_page(
    request: HttpRequest,
    finding: Finding,
    page: StepPage,
    form: django_forms.Form | None,
    *,
    refused: Exception | None = None,
) -> HttpResponse:
    """The step's form, with what went wrong: a stale version is a conflict (409), a
    transition refused meanwhile is 409, anything else invalid is 400."""
    status, conflict = 200, None
    if isinstance(refused, services.StaleVersion):
        status, conflict = 409, refused
    elif isinstance(refused, TransitionRefused):
        form.add_error(None, str(refused))
        status = 409
    elif refused is not None:
        form.add_error(None, refused)
        status = 400
    elif request.method == "POST":
        status = 400  # the form did not validate
    context = {"finding": finding, "form": form, "step": page, "conflict": conflict}
    context["today"] = timezone.localdate()
    return render(request, "recommendations/finding_action.html", context, status=status)


def _refused_outright(
    request: HttpRequest, finding: Finding, transition: Transition, page: StepPage
) -> HttpResponse | None:
    """Say why the finding cannot take this step now, instead of offering a doomed form."""
    if is_allowed(finding, transition):
        return None
    context = {
        "finding": finding,
        "step": page,
        "refusal": TransitionRefused(finding, transition),
        "today": timezone.localdate(),
    }
    return render(request, "recommendations/finding_action.html", context, status=409)


def _done(request: HttpRequest, finding: Finding, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("recommendations:finding-detail", finding.pk)


@require_http_methods(["GET", "POST"])
def progress_update_create(request: HttpRequest, pk: int) -> HttpResponse:
    finding = visible_finding(request, pk)
    require(permissions.can_post_update(request.user, finding))
    form = forms.ProgressUpdateForm(
        request.POST or None,
        request.FILES or None,
        initial={"version": finding.version},
        allow_completion=finding.status in (Status.NOT_STARTED, Status.IN_PROGRESS),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.progress_update_add(
                finding=finding,
                expected_version=data["version"],
                author=request.user,
                narrative=data["narrative"],
                rag=data["rag"],
                as_at=data["as_at"],
                evidence=form.evidence_files(),
                reports_complete=data.get("reports_complete", False),
            )
        except REFUSALS as exc:
            return _step_page(request, finding, UPDATE, form, refused=exc)
        return _done(request, finding, f"Progress update added to {finding.reference}.")
    return _step_page(request, finding, UPDATE, form)


@require_http_methods(["GET", "POST"])
def finding_assure(request: HttpRequest, pk: int) -> HttpResponse:
    finding = visible_finding(request, pk)
    require(permissions.can_apply(request.user, finding, Transition.ASSURE))
    if refusal := _refused_outright(request, finding, Transition.ASSURE, ASSURE):
        return refusal
    form = forms.AssuranceForm(request.POST or None, initial={"version": finding.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decide = (
            services.finding_assure
            if data["outcome"] == AssuranceOutcome.ACCEPTED
            else services.finding_challenge
        )
        try:
            decide(
                finding=finding,
                expected_version=data["version"],
                decided_by=request.user,
                reason=data.get("reason", ""),
                opcc_rag=data["opcc_rag"],
            )
        except REFUSALS as exc:
            return _step_page(request, finding, ASSURE, form, refused=exc)
        return _done(request, finding, f"Decision on {finding.reference} recorded.")
    return _step_page(request, finding, ASSURE, form)


@require_http_methods(["GET", "POST"])
def finding_close(request: HttpRequest, pk: int) -> HttpResponse:
    finding = visible_finding(request, pk)
    require(permissions.can_apply(request.user, finding, Transition.CLOSE))
    if refusal := _refused_outright(request, finding, Transition.CLOSE, CLOSE):
        return refusal
    form = forms.CloseForm(request.POST or None, initial={"version": finding.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.finding_close(
                finding=finding,
                expected_version=data["version"],
                closed_by=request.user,
                closed_on=data["closed_on"],
                basis=data["basis"],
                reference=data["reference"],
            )
        except REFUSALS as exc:
            return _step_page(request, finding, CLOSE, form, refused=exc)
        return _done(request, finding, f"{finding.reference} recorded as closed by HMICFRS.")
    return _step_page(request, finding, CLOSE, form)


@require_http_methods(["GET", "POST"])
def finding_supersede(request: HttpRequest, pk: int) -> HttpResponse:
    finding = visible_finding(request, pk)
    require(permissions.can_apply(request.user, finding, Transition.SUPERSEDE))
    if refusal := _refused_outright(request, finding, Transition.SUPERSEDE, SUPERSEDE):
        return refusal
    form = forms.SupersedeForm(
        request.POST or None,
        initial={"version": finding.version},
        finding=finding,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.finding_supersede(
                finding=finding,
                expected_version=data["version"],
                successor=data["successor"],
                by=request.user,
            )
        except REFUSALS as exc:
            return _step_page(request, finding, SUPERSEDE, form, refused=exc)
        return _done(request, finding, f"{finding.reference} marked as superseded.")
    return _step_page(request, finding, SUPERSEDE, form)


@require_http_methods(["GET", "POST"])
def finding_no_further_action(request: HttpRequest, pk: int) -> HttpResponse:
    finding = visible_finding(request, pk)
    transition = Transition.NO_FURTHER_ACTION
    require(permissions.can_apply(request.user, finding, transition))
    if refusal := _refused_outright(request, finding, transition, NO_FURTHER_ACTION):
        return refusal
    form = forms.NoFurtherActionForm(request.POST or None, initial={"version": finding.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.finding_mark_no_further_action(
                finding=finding,
                expected_version=data["version"],
                reason=data["reason"],
                by=request.user,
            )
        except REFUSALS as exc:
            return _step_page(request, finding, NO_FURTHER_ACTION, form, refused=exc)
        return _done(request, finding, f"{finding.reference} marked as needing no further action.")
    return _step_page(request, finding, NO_FURTHER_ACTION, form)


@require_http_methods(["GET", "POST"])
def finding_revise_due_date(request: HttpRequest, pk: int) -> HttpResponse:
    finding = visible_finding(request, pk)
    require(permissions.can_revise_due_date(request.user, finding))
    form = forms.ReviseDueDateForm(request.POST or None, initial={"version": finding.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.finding_revise_due_date(
                finding=finding,
                expected_version=data["version"],
                new_due_on=data["new_due_on"],
                reason=data["reason"],
                revised_by=request.user,
            )
        except REFUSALS as exc:
            return _step_page(request, finding, REVISE_DUE_DATE, form, refused=exc)
        return _done(request, finding, f"Due date of {finding.reference} revised.")
    return _step_page(request, finding, REVISE_DUE_DATE, form)


@require_http_methods(["GET", "POST"])
def finding_assign(request: HttpRequest, pk: int) -> HttpResponse:
    finding = visible_finding(request, pk)
    require(permissions.can_edit(request.user, finding))
    form = forms.AssignForm(
        request.POST or None, initial={"version": finding.version}, finding=finding
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.finding_update(
                finding=finding,
                expected_version=data["version"],
                changed_by=request.user,
                owner_post=data["owner_post"],
                opcc_lead=data["opcc_lead"],
            )
        except REFUSALS as exc:
            return _step_page(request, finding, ASSIGN, form, refused=exc)
        return _done(request, finding, f"{finding.reference} reassigned.")
    return _step_page(request, finding, ASSIGN, form)


@require_http_methods(["GET", "POST"])
def finding_hmicfrs_status(request: HttpRequest, pk: int) -> HttpResponse:
    finding = visible_finding(request, pk)
    require(permissions.can_edit(request.user, finding))
    form = forms.HmicfrsStatusForm(
        request.POST or None,
        initial={
            "version": finding.version,
            "hmicfrs_id": finding.hmicfrs_id,
            "hmicfrs_status": finding.hmicfrs_status,
            "checked_on": finding.hmicfrs_status_checked_on or timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hmicfrs.finding_hmicfrs_record(
                finding=finding,
                expected_version=data["version"],
                by=request.user,
                hmicfrs_id=data["hmicfrs_id"],
                hmicfrs_status=data["hmicfrs_status"],
                checked_on=data["checked_on"],
            )
        except REFUSALS as exc:
            return _step_page(request, finding, HMICFRS_STATUS, form, refused=exc)
        return _done(request, finding, f"HMICFRS's status of {finding.reference} recorded.")
    return _step_page(request, finding, HMICFRS_STATUS, form)
