"""An HMICFRS letter as it was brought in: the evidence behind each closure, revisit note
or new finding it recorded, readable by whoever may see its report and force."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from intake.models import Letter
from recommendations.models import Finding, Report
from recommendations.views.common import record_read, refuse_unseen, require


@require_GET
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user.has_perm("recommendations.view_finding"))
    letters = Letter.objects.filter(report__in=Report.objects.visible_to(user))
    if user.force_id is not None:
        letters = letters.filter(Q(force__isnull=True) | Q(force_id=user.force_id))
    letter = letters.select_related("report", "force", "recorded_by").filter(pk=pk).first()
    if letter is None:
        raise refuse_unseen(request, Letter, pk)
    # The letter quotes findings, so reading it is a read of its report.
    record_read(request, letter.report)
    outcomes = letter.outcomes.filter(finding__in=Finding.objects.visible_to(user)).select_related(
        "finding"
    )
    context = {"letter": letter, "outcomes": outcomes, "current": "reports"}
    return render(request, "intake/letter_detail.html", context)
