"""Pages for what the PCC publishes: the s.55 responses (list, editor, stages, final
versions, the drafted statement as a print page, PDF and Word), the public summaries and
releases, and the public progress page itself (no sign-in).

Thin views: an access-checked get, a form, a service, then redirect or render.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from publishing import access, documents, history, public, services
from publishing.forms import DocumentForm, ResponseForm, StageForm, StartForm, SummariesForm
from publishing.models import PublicRelease, PublicSummary, ResponseDocument, S55Response, Stage
from recommendations import uploads
from recommendations.models import Finding, Force, Report

GET_POST = require_http_methods(["GET", "POST"])


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _response(request: HttpRequest, pk: int) -> S55Response:
    """A response of a force the user sees; others' are not there (404)."""
    _require(request.user.has_perm("publishing.view_s55response"))
    queryset = S55Response.objects.select_related("report", "force", "approved_by")
    if request.user.force_id is not None:
        queryset = queryset.filter(force_id=request.user.force_id)
    return get_object_or_404(queryset, pk=pk)


def _attachment(handle: Any, name: str) -> FileResponse:
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=uploads.safe_download_name(name),
        content_type=uploads.stored_content_type(name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


# ---------------------------------------------------------------- responses


@require_GET
def response_list(request: HttpRequest) -> HttpResponse:
    """Reports of the last two years with the response of each force the user sees."""
    _require(request.user.has_perm("publishing.view_s55response"))
    today = timezone.localdate()
    responses = S55Response.objects.select_related("force")
    if request.user.force_id is not None:
        responses = responses.filter(force_id=request.user.force_id)
    reports = (
        Report.objects.visible_to(request.user)
        .filter(published_on__gte=today - timedelta(days=731))
        .select_related("force")
        .prefetch_related(Prefetch("s55_responses", queryset=responses, to_attr="responses"))
        .order_by("-published_on", "title")
    )
    forces = _answering_forces(request)
    context = {"reports": reports, "today": today, "forces": forces, "current": "responses"}
    return render(request, "publishing/response_list.html", context)


def _answering_forces(request: HttpRequest) -> Any:
    """The forces whose responses to a national report this user may start."""
    if request.user.force_id is not None:
        return Force.objects.filter(pk=request.user.force_id)
    # The forces this install tracks: those with reports or findings of their own.
    return Force.objects.filter(Q(reports__isnull=False) | Q(findings__isnull=False)).distinct()


@require_POST
def response_start(request: HttpRequest, report_pk: int) -> HttpResponse:
    _require(request.user.has_perm("publishing.add_s55response"))
    report = get_object_or_404(Report.objects.visible_to(request.user), pk=report_pk)
    if report.force is not None:
        force = report.force
    else:
        form = StartForm(request.POST, forces=_answering_forces(request))
        if not form.is_valid():
            messages.error(request, "Choose the force this response is for.")
            return redirect("publishing:response-list")
        force = form.cleaned_data["force"]
    _require(access.can_start(request.user, report, force))
    response = services.response_start(report=report, force=force, by=request.user)
    return redirect("publishing:response-detail", pk=response.pk)


@require_GET
def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    response = _response(request, pk)
    _require(access.can_view(request.user, response))
    answers = response.recommendation_responses.select_related("finding").order_by(
        "finding__reference"
    )
    user = request.user
    context = {
        "response": response,
        "answers": answers,
        "documents": response.documents.select_related("uploaded_by"),
        "next_stages": services.ALLOWED[Stage(response.stage)],
        "can_draft": access.can_draft(user, response),
        "can_approve": access.can_approve(user, response),
        "can_supply": access.can_supply_comments(user, response),
        "today": timezone.localdate(),
        "current": "responses",
    }
    return render(request, "publishing/response_detail.html", context)


@require_GET
def response_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every saved version of the statement and of each recommendation's response."""
    response = _response(request, pk)
    _require(access.can_view(request.user, response))
    context = {
        "response": response,
        "versions": history.response_versions(response),
        "answer_versions": history.answer_versions(response),
        "current": "responses",
    }
    return render(request, "publishing/response_history.html", context)


@GET_POST
def response_edit(request: HttpRequest, pk: int) -> HttpResponse:
    response = _response(request, pk)
    _require(access.can_draft(request.user, response))
    answers = list(
        response.recommendation_responses.select_related("finding").order_by("finding__reference")
    )
    form = ResponseForm(request.POST or None, response=response, answers=answers)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_edit(
                response=response,
                expected_version=form.cleaned_data["version"],
                by=request.user,
                narrative=form.narrative(),
                answers=form.answer_pairs(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Response saved.")
            return redirect("publishing:response-detail", pk=response.pk)
    context = {"response": response, "form": form, "current": "responses"}
    status = 409 if form.has_error("__all__", "stale") else 200
    return render(request, "publishing/response_form.html", context, status=status)


@GET_POST
def response_stage(request: HttpRequest, pk: int, stage: str) -> HttpResponse:
    response = _response(request, pk)
    if stage not in Stage.values:
        raise Http404
    to = Stage(stage)
    if to == Stage.APPROVED:
        _require(access.can_approve(request.user, response))
    elif to == Stage.COMMENTS_RECEIVED:
        _require(access.can_supply_comments(request.user, response))
    else:
        _require(access.can_draft(request.user, response))
    form = StageForm(
        request.POST or None,
        request.FILES or None,
        stage=to,
        initial={"version": response.version, "on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = services.StageDetails(
            on=data.get("on"),
            comments_due_on=data.get("comments_due_on"),
            comments=data.get("comments", ""),
            comments_file=data.get("comments_file"),
            url=data.get("url", ""),
            reason=data.get("reason", ""),
        )
        try:
            services.response_move(
                response=response,
                to=to,
                by=request.user,
                expected_version=data["version"],
                details=details,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The response is now: {to.label}.")
            return redirect("publishing:response-detail", pk=response.pk)
    allowed = to in services.ALLOWED[Stage(response.stage)]
    context = {"response": response, "form": form, "to": to, "allowed": allowed}
    return render(
        request, "publishing/response_stage.html", context, status=200 if allowed else 409
    )


@GET_POST
def response_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    response = _response(request, pk)
    _require(access.can_draft(request.user, response))
    _require(request.user.has_perm("publishing.add_responsedocument"))
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.response_document_add(
                response=response, upload=form.cleaned_data["file"], by=request.user
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, f"Version {document.number} kept.")
            return redirect("publishing:response-detail", pk=response.pk)
    return render(request, "publishing/document_form.html", {"response": response, "form": form})


@require_GET
def response_document_download(request: HttpRequest, pk: int) -> FileResponse:
    _require(request.user.has_perm("publishing.view_responsedocument"))
    document = get_object_or_404(ResponseDocument.objects.select_related("response"), pk=pk)
    if not access.can_view(request.user, document.response):
        raise Http404
    return _attachment(document.file.open("rb"), document.original_name)


@require_GET
def response_comments_file(request: HttpRequest, pk: int) -> FileResponse:
    response = _response(request, pk)
    _require(access.can_view(request.user, response))
    if not response.comments_file:
        raise Http404
    return _attachment(response.comments_file.open("rb"), response.comments_file_name)


def _statement(request: HttpRequest, pk: int) -> documents.Statement:
    response = _response(request, pk)
    _require(access.can_view(request.user, response))
    return documents.statement(response, today=timezone.localdate())


@require_GET
def statement_print(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    context = documents.context(statement, for_pdf=False)
    return render(request, "publishing/statement.html", context)


@require_GET
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    html = render_to_string(
        "publishing/statement.html", documents.context(statement, for_pdf=True), request=request
    )
    out = HttpResponse(documents.as_pdf(html), content_type="application/pdf")
    out["Content-Disposition"] = f'attachment; filename="pcc-response-{statement.response.pk}.pdf"'
    return out


@require_GET
def statement_docx(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    out = HttpResponse(documents.as_docx(statement), content_type=uploads.DOCX_CONTENT_TYPE)
    out["Content-Disposition"] = f'attachment; filename="pcc-response-{statement.response.pk}.docx"'
    return out


# ---------------------------------------------------------------- the public page, for staff


def _publishable_force(request: HttpRequest, slug: str) -> Force:
    _require(request.user.has_perm("publishing.publish_publicrelease"))
    force = get_object_or_404(Force, slug=slug)
    if not access.sees_force(request.user, force.pk):
        raise Http404
    _require(access.can_publish_page_of(request.user, force))
    return force


@require_GET
def release_list(request: HttpRequest) -> HttpResponse:
    _require(request.user.has_perm("publishing.publish_publicrelease"))
    forces = _answering_forces(request).order_by("name")
    latest = {}
    for release in PublicRelease.objects.filter(force__in=forces).order_by(
        "force_id", "-published_at"
    ):
        latest.setdefault(release.force_id, release)
    rows = [(force, latest.get(force.pk)) for force in forces]
    return render(request, "publishing/release_list.html", {"rows": rows, "current": "public"})


@GET_POST
def release(request: HttpRequest, slug: str) -> HttpResponse:
    """The force's public page as staff see it: what the next release would show, and
    the button that publishes it."""
    force = _publishable_force(request, slug)
    if request.method == "POST":
        services.public_release_publish(force=force, by=request.user)
        cache.delete(_release_key(force.slug))
        messages.success(request, "The public page now shows what is marked publishable.")
        return redirect("publishing:release", slug=force.slug)
    last = PublicRelease.objects.filter(force=force).first()
    preview = public.Page(public.snapshot(force, now=timezone.now()), timezone.localdate())
    reports = Report.objects.filter(
        Q(force=force) | Q(force__isnull=True, findings__force=force)
    ).distinct()
    context = {
        "force": force,
        "last": last,
        "preview": preview,
        "reports": reports.order_by("-published_on", "title"),
        "current": "public",
    }
    return render(request, "publishing/release.html", context)


@GET_POST
def public_summaries(request: HttpRequest, slug: str, report_pk: int) -> HttpResponse:
    force = _publishable_force(request, slug)
    report = get_object_or_404(
        Report.objects.filter(Q(force=force) | Q(force__isnull=True)), pk=report_pk
    )
    findings = list(
        Finding.objects.filter(report=report, force=force, kind__in=public.PUBLIC_KINDS).order_by(
            "reference"
        )
    )
    current = {s.finding_id: s for s in PublicSummary.objects.filter(finding__in=findings)}
    form = SummariesForm(request.POST or None, findings=findings, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.public_summaries_save(
                report=report, force=force, by=request.user, summaries=form.summaries()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                "Public summaries saved. They appear on the public page when you publish it.",
            )
            return redirect("publishing:release", slug=force.slug)
    context = {"force": force, "report": report, "form": form, "current": "public"}
    return render(request, "publishing/public_summaries.html", context)


# ---------------------------------------------------------------- the public page


def _release_key(slug: str) -> str:
    return f"publishing:release:{slug}"


def _public_page(slug: str) -> public.Page:
    """The force's latest release, read for today. The release's id is cached until the
    next publish; the rendered bodies are cached under it (see `_cached_body`)."""
    key = _release_key(slug)
    found = cache.get(key)
    if found is None:
        release = (
            PublicRelease.objects.filter(force__slug=slug)
            .order_by("-published_at", "-pk")
            .values("pk", "data")
            .first()
        )
        if release is None:
            raise Http404("Nothing has been published for this force yet.")
        found = (release["pk"], release["data"])
        cache.set(key, found, settings.OVERSIGHT_PUBLIC_CACHE_SECONDS)
    return public.Page(found[1], timezone.localdate())


def _frameable(response: HttpResponse) -> HttpResponse:
    """Only the origins in the setting may frame the public page; with none, it refuses
    framing as every other page does."""
    origins = settings.OVERSIGHT_PUBLIC_FRAME_ANCESTORS
    if origins:
        response._csp_replace = {"frame-ancestors": list(origins)}  # read by django-csp
        response.xframe_options_exempt = True
    response["Cache-Control"] = f"public, max-age={settings.OVERSIGHT_PUBLIC_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"  # open data
    return response


def _cached_body(slug: str, fmt: str, render_body: Any) -> tuple[public.Page, str]:
    page = _public_page(slug)
    key = f"publishing:body:{slug}:{fmt}:{page.data['published_at']}:{page.today}"
    body = cache.get(key)
    if body is None:
        body = render_body(page)
        cache.set(key, body, settings.OVERSIGHT_PUBLIC_CACHE_SECONDS)
    return page, body


@login_not_required
@require_GET
def public_page(request: HttpRequest, slug: str) -> HttpResponse:
    def render_page(page: public.Page) -> str:
        context = {"page": page, "force": page.data["force"], "reports": page.reports()}
        return render_to_string("publishing/public_page.html", context)

    _, body = _cached_body(slug, "html", render_page)
    return _frameable(HttpResponse(body))


@login_not_required
@require_GET
def public_csv(request: HttpRequest, slug: str) -> HttpResponse:
    _, body = _cached_body(slug, "csv", lambda page: page.as_csv())
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{slug}-progress.csv"'
    return _frameable(response)


@login_not_required
@require_GET
def public_json(request: HttpRequest, slug: str) -> HttpResponse:
    _, body = _cached_body(slug, "json", lambda page: page.as_json())
    return _frameable(HttpResponse(body, content_type="application/json"))


@login_not_required
@require_GET
def public_document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """The published document of a response the force's current release names."""
    page = _public_page(slug)
    named = {(r["pcc_response"] or {}).get("id") for r in page.data["reports"]}
    if pk not in named:
        raise Http404
    response = get_object_or_404(S55Response, pk=pk, stage=Stage.PUBLISHED)
    document = response.latest_document()
    if document is None:
        raise Http404
    return _attachment(document.file.open("rb"), document.original_name)
