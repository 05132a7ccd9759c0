"""The read-only API: reports, findings, actions and accountability sessions, scoped
exactly as the signed-in person's pages are, with the findings list's own filters. Each
request answered is recorded in the audit trail, with the filters applied and the token
used."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from accountability.models import AgendaItem, Question, Session, SessionAction
from api import serializers
from api.filters import ActionFilterForm, SessionFilterForm, form_parameters, valid_form
from api.models import ApiToken
from audit import services as audit
from recommendations.filters import FindingFilterForm, ReportFilterForm
from recommendations.models import Action, Finding, Report


class ApiView(generics.GenericAPIView):
    """Read-only, paged, audited. Subclasses say which permission the pages ask for."""

    http_method_names = ["get", "head", "options"]
    required_permission = "recommendations.view_finding"
    applied_filters: dict[str, str]

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200 and request.method == "GET":
            token = request.auth if isinstance(request.auth, ApiToken) else None
            audit.record(
                audit.Event.API_READ,
                request=request._request,
                detail={
                    "filters": getattr(self, "applied_filters", {}),
                    "token": token.prefix if token else None,
                },
            )
        return response


class ReportList(ApiView, generics.ListAPIView):
    serializer_class = serializers.ReportSerializer
    required_permission = "recommendations.view_report"

    @extend_schema(parameters=form_parameters(ReportFilterForm))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Report]:
        form = valid_form(ReportFilterForm, self.request.query_params, self.request.user)
        self.applied_filters = _applied(form)
        reports = Report.objects.visible_to(self.request.user)
        if form.is_bound:
            reports = form.filter(reports)
        return (
            reports.select_related("force", "framework")
            .prefetch_related("judgments__area")
            .order_by("-published_on", "pk")
        )


class ReportDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.ReportSerializer
    required_permission = "recommendations.view_report"

    def get_queryset(self) -> QuerySet[Report]:
        return (
            Report.objects.visible_to(self.request.user)
            .select_related("force", "framework")
            .prefetch_related("judgments__area")
        )


def _findings_for(request: Request) -> QuerySet[Finding]:
    return (
        Finding.objects.visible_to(request.user)
        .select_related("report", "force", "owner", "owner_post__holder", "opcc_lead")
        .prefetch_related("themes")
        .with_latest_update()
    )


class FindingList(ApiView, generics.ListAPIView):
    serializer_class = serializers.FindingSerializer

    @extend_schema(parameters=form_parameters(FindingFilterForm))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Finding]:
        form = valid_form(FindingFilterForm, self.request.query_params, self.request.user)
        self.applied_filters = _applied(form)
        findings = _findings_for(self.request)
        if not form.is_bound:
            return findings.order_by("due_on", "reference", "pk")
        # The list's own filtering and order; the id last so pages never overlap.
        filtered = form.filter(findings, today=timezone.localdate())
        return filtered.order_by(*filtered.query.order_by, "pk")


class FindingDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.FindingSerializer

    def get_queryset(self) -> QuerySet[Finding]:
        return _findings_for(self.request)


class ActionList(ApiView, generics.ListAPIView):
    serializer_class = serializers.ActionSerializer

    @extend_schema(parameters=form_parameters(ActionFilterForm))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Action]:
        form = valid_form(ActionFilterForm, self.request.query_params, self.request.user)
        self.applied_filters = _applied(form)
        actions = Action.objects.filter(
            finding__in=Finding.objects.visible_to(self.request.user)
        ).select_related("finding__report", "owner", "owner_post__holder")
        if form.is_bound:
            actions = form.filter(actions)
        return actions.order_by("due_on", "pk")


def _sessions_for(request: Request) -> QuerySet[Session]:
    """Sessions of the forces the person sees, each with its agenda (questions, answers,
    what was said and decided) and its actions, in a fixed number of queries."""
    items = AgendaItem.objects.select_related("finding", "record").prefetch_related(
        Prefetch("questions", queryset=Question.objects.select_related("answer").order_by("pk"))
    )
    actions = SessionAction.objects.select_related(
        "action__owner", "action__owner_post__holder"
    ).order_by("action__due_on", "pk")
    return (
        Session.objects.visible_to(request.user)
        .select_related("force")
        .prefetch_related(Prefetch("items", queryset=items), Prefetch("actions", queryset=actions))
    )


class SessionList(ApiView, generics.ListAPIView):
    serializer_class = serializers.SessionSerializer
    required_permission = "accountability.view_session"

    @extend_schema(parameters=form_parameters(SessionFilterForm))
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Session]:
        form = valid_form(SessionFilterForm, self.request.query_params, self.request.user)
        self.applied_filters = _applied(form)
        sessions = _sessions_for(self.request)
        if form.is_bound:
            sessions = form.filter(sessions)
        return sessions.order_by("-held_on", "pk")


class SessionDetail(ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.SessionSerializer
    required_permission = "accountability.view_session"

    def get_queryset(self) -> QuerySet[Session]:
        return _sessions_for(self.request)


def _applied(form: Any) -> dict[str, str]:
    if not form.is_bound:
        return {}
    return {
        name: str(getattr(value, "pk", value))
        for name, value in form.cleaned_data.items()
        if value not in (None, "", False)
    }
