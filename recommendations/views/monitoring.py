"""Scan and Engage: the forces in Engage, a force's monitoring record, and the pages on
which OPCC staff record what HMICFRS decided (entry, causes of concern, PPOG meetings,
exit). Everyone with a role reads the record of the forces they see; OPCC staff of the
force, or of all forces, record it. Each write page names its service."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recommendations import monitoring, monitoring_forms, permissions
from recommendations.models import Finding, Force, MonitoringPeriod, PpogMeeting
from recommendations.views.common import refuse_unseen, require


@dataclass(frozen=True)
class Step:
    """The words on one recording page, and the state the force must be in for it."""

    title: str
    intro: str
    submit: str
    needs_engage: bool


ENTER = Step(
    "Record a move into Engage",
    "Record the date HMICFRS moved the force into Engage (enhanced monitoring) and the "
    "causes of concern that led there. The force's Scan period ends that day.",
    "Record the move into Engage",
    needs_engage=False,
)
CAUSES = Step(
    "Causes of concern in Engage",
    "Choose the causes of concern for which HMICFRS holds the force in Engage.",
    "Save causes of concern",
    needs_engage=True,
)
PPOG = Step(
    "Record a PPOG meeting",
    "Record a Police Performance Oversight Group meeting: one held, with its outcome, or "
    "one still to come, without. Give the next meeting's date if it is set.",
    "Record the meeting",
    needs_engage=True,
)
EXIT = Step(
    "Record the exit from Engage",
    "HMICFRS decides when a force leaves Engage, after a PPOG meeting, usually once the "
    "remaining causes of concern are closed. Record its decision: the force returns to Scan.",
    "Record the exit",
    needs_engage=True,
)


def _force(request: HttpRequest, pk: int) -> Force:
    """The force, if the user may read its monitoring record; 403 without the role to read
    any, 404 for a force of which they see nothing."""
    require(request.user.has_perm("recommendations.view_monitoringperiod"))
    force = Force.objects.filter(pk=pk).first()
    if force is None or not permissions.can_see_monitoring_of(request.user, force):
        raise refuse_unseen(request, Force, pk)
    return force


def _recording_force(request: HttpRequest, pk: int) -> Force:
    force = _force(request, pk)
    require(permissions.can_record_monitoring_of(request.user, force))
    return force


def _add_refusal(form: django_forms.Form, refusal: ValidationError) -> None:
    """A service's refusal on the form: by field where the form has that field."""
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal)


def _step_page(
    request: HttpRequest, force: Force, step: Step, form: django_forms.Form | None
) -> HttpResponse:
    """The step's form; 409 with the reason when the force is not in the state it needs."""
    current = force.current_monitoring()
    in_engage = current is not None and current.is_engage
    context = {"force": force, "step": step, "form": form, "current": current}
    if in_engage != step.needs_engage:
        template = monitoring.NOT_IN_ENGAGE if step.needs_engage else monitoring.ALREADY_IN_ENGAGE
        day = f"{current.started_on:%-d %B %Y}" if current else ""
        context["refusal"] = template.format(force=force, day=day)
        return render(request, "recommendations/monitoring_step.html", context, status=409)
    status = 400 if request.method == "POST" else 200
    return render(request, "recommendations/monitoring_step.html", context, status=status)


def _posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, even an empty one (every causes of concern unticked)."""
    return request.POST if request.method == "POST" else None


def _done(request: HttpRequest, force: Force, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("recommendations:force-monitoring", force.pk)


@require_GET
def monitoring_list(request: HttpRequest) -> HttpResponse:
    """Forces in Engage now, with the next PPOG meeting, and every earlier Engage period."""
    user = request.user
    require(user.has_perm("recommendations.view_monitoringperiod"))
    # ASCII digits only: str.isdigit() accepts "²", which int() refuses (a 500 before).
    if re.fullmatch(r"[0-9]{1,18}", request.GET.get("force", "")):
        return redirect("recommendations:force-monitoring", int(request.GET["force"]))
    today = timezone.localdate()
    next_ppog = PpogMeeting.objects.filter(monitoring_period=OuterRef("pk")).upcoming(today=today)
    periods = (
        MonitoringPeriod.objects.engage()
        .select_related("force")
        .annotate(next_ppog=Subquery(next_ppog.order_by("meets_on").values("meets_on")[:1]))
        .order_by("force__name", "-started_on")
    )
    if user.force_id is not None:
        periods = periods.filter(force_id=user.force_id)
    context = {
        "today": today,
        "current": [p for p in periods if p.is_current],
        "past": [p for p in periods if not p.is_current],
        "forces": Force.objects.all() if user.force_id is None else None,
        "can_record": user.force_id is None
        and user.has_perm("recommendations.add_monitoringperiod"),
    }
    return render(request, "recommendations/monitoring_list.html", context)


@require_GET
def force_monitoring(request: HttpRequest, pk: int) -> HttpResponse:
    """A force's Scan and Engage periods, newest first, with causes of concern and PPOGs."""
    force = _force(request, pk)
    causes = Finding.objects.visible_to(request.user).select_related("report")
    periods = force.monitoring_periods.order_by("-started_on").prefetch_related(
        Prefetch("causes_of_concern", queryset=causes.order_by("reference")),
        Prefetch("ppog_meetings", queryset=PpogMeeting.objects.order_by("meets_on")),
    )
    today = timezone.localdate()
    context = {
        "force": force,
        "periods": [(period, period.days_in_phase(today=today)) for period in periods],
        "current": next((p for p in periods if p.is_current), None),
        "today": today,
        "can_record": permissions.can_record_monitoring_of(request.user, force),
    }
    return render(request, "recommendations/force_monitoring.html", context)


@require_http_methods(["GET", "POST"])
def engage_enter(request: HttpRequest, pk: int) -> HttpResponse:
    force = _recording_force(request, pk)
    form = monitoring_forms.EngageEntryForm(_posted(request), force=force)
    if request.method == "POST" and form.is_valid():
        try:
            monitoring.engage_enter(
                force=force, by=request.user, today=timezone.localdate(), **form.cleaned_data
            )
        except ValidationError as refusal:
            _add_refusal(form, refusal)
        else:
            return _done(request, force, f"{force} is recorded as in Engage.")
    return _step_page(request, force, ENTER, form)


@require_http_methods(["GET", "POST"])
def engage_causes(request: HttpRequest, pk: int) -> HttpResponse:
    force = _recording_force(request, pk)
    period = MonitoringPeriod.objects.current_engage().filter(force=force).first()
    initial = {"causes": list(period.causes_of_concern.all())} if period else {}
    form = monitoring_forms.EngageCausesForm(_posted(request), initial=initial, force=force)
    if period and request.method == "POST" and form.is_valid():
        try:
            monitoring.engage_causes_set(period=period, by=request.user, **form.cleaned_data)
        except ValidationError as refusal:
            _add_refusal(form, refusal)
        else:
            return _done(request, force, "Causes of concern saved.")
    return _step_page(request, force, CAUSES, form)


@require_http_methods(["GET", "POST"])
def ppog_meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    force = _recording_force(request, pk)
    form = monitoring_forms.PpogMeetingForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = monitoring.ppog_meeting_record(
                force=force, by=request.user, today=timezone.localdate(), **form.cleaned_data
            )
        except ValidationError as refusal:
            _add_refusal(form, refusal)
        else:
            return _done(request, force, f"PPOG meeting of {meeting.meets_on:%-d %B %Y} recorded.")
    return _step_page(request, force, PPOG, form)


@require_POST
def ppog_meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user.has_perm("recommendations.view_ppogmeeting"))
    meeting = PpogMeeting.objects.select_related("monitoring_period__force").filter(pk=pk).first()
    if meeting is None:
        raise refuse_unseen(request, PpogMeeting, pk)
    force = _recording_force(request, meeting.monitoring_period.force_id)
    try:
        monitoring.ppog_meeting_cancel(meeting=meeting, by=request.user, today=timezone.localdate())
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect("recommendations:force-monitoring", force.pk)
    return _done(
        request, force, f"The PPOG meeting planned for {meeting.meets_on:%-d %B %Y} is cancelled."
    )


@require_http_methods(["GET", "POST"])
def engage_exit(request: HttpRequest, pk: int) -> HttpResponse:
    force = _recording_force(request, pk)
    form = monitoring_forms.EngageExitForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            monitoring.engage_exit(
                force=force,
                ended_on=form.cleaned_data["ended_on"],
                by=request.user,
                today=timezone.localdate(),
            )
        except ValidationError as refusal:
            _add_refusal(form, refusal)
        else:
            return _done(request, force, f"{force} is recorded as back in Scan.")
    return _step_page(request, force, EXIT, form)
