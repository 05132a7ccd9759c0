"""Posts that own findings, their holders over time, and assigning a report's findings in bulk."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from recommendations import assignment, forms, permissions
from recommendations.models import Post
from recommendations.models.posts import TITLE_TAKEN
from recommendations.views.common import require, visible_report


def _visible_post(request: HttpRequest, pk: int) -> Post:
    require(request.user.has_perm("recommendations.view_post"))
    post = Post.objects.visible_to(request.user).select_related("force", "holder")
    found = post.filter(pk=pk).first()
    if found is None:
        raise Http404("No post you may see has that number.")
    return found


@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    require(request.user.has_perm("recommendations.view_post"))
    posts = Post.objects.visible_to(request.user).select_related("force", "holder")
    context = {
        "posts": posts.order_by("-is_active", "force__name", "title"),
        "can_add": request.user.has_perm("recommendations.add_post"),
    }
    return render(request, "recommendations/post_list.html", context)


@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest) -> HttpResponse:
    require(request.user.has_perm("recommendations.add_post"))
    form = forms.PostForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        post = form.save(commit=False)
        require(permissions.can_manage_post(request.user, post))
        try:
            with transaction.atomic():
                post.save()
        except IntegrityError:
            form.add_error("title", TITLE_TAKEN)
        else:
            messages.success(request, f"Post “{post.title}” added. Now say who holds it.")
            return redirect("recommendations:post-detail", post.pk)
    return render(request, "recommendations/post_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The post, who has held it, what it owns, and the handover form."""
    post = _visible_post(request, pk)
    can_manage = permissions.can_manage_post(request.user, post)
    form = forms.HandoverForm(request.POST or None, post=post) if can_manage else None
    status = 200
    if request.method == "POST":
        require(can_manage)
        if form.is_valid():
            try:
                assignment.post_hand_over(
                    post=post,
                    holder=form.cleaned_data["holder"],
                    on=form.cleaned_data["on"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"“{post.title}” handed over.")
                return redirect("recommendations:post-detail", post.pk)
        status = 400
    context = {
        "post": post,
        "form": form,
        "holdings": post.holdings.select_related("holder", "recorded_by"),
        "findings": post.findings.visible_to(request.user).select_related("report"),
        "today": timezone.localdate(),
    }
    return render(request, "recommendations/post_detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def report_findings_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the owner post and OPCC lead of many of a report's findings at once."""
    report = visible_report(request, pk)
    require(permissions.can_change_report(request.user, report))
    require(request.user.has_perm("recommendations.change_finding"))
    # "?findings=1&findings=2" ticks those findings: the link shown after bringing them in.
    initial = {"findings": [v for v in request.GET.getlist("findings") if v.isdigit()]}
    form = forms.BulkAssignForm(
        request.POST or None, report=report, user=request.user, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                assigned = assignment.findings_assign(
                    findings=list(data["findings"]),
                    by=request.user,
                    owner_post=data["owner_post"] or assignment.UNCHANGED,
                    opcc_lead=data["opcc_lead"] or assignment.UNCHANGED,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"{len(assigned)} findings assigned.")
                return redirect("recommendations:report-detail", report.pk)
        status = 400
    return render(
        request,
        "recommendations/report_assign.html",
        {"report": report, "form": form},
        status=status,
    )
