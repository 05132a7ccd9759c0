"""Illustrative demo data for what the PCC publishes (`manage.py seed_demo` calls this
after the domain's scenario): a published response to the PEEL report, a response in
progress to the NCPI report, public summaries and one release of the public page.

Every text is written for the demo; none is real HMICFRS or PCC text. Idempotent:
rows are found by natural keys, and a second run changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction

from publishing import public, services
from publishing.models import (
    PublicRelease,
    PublicSummary,
    RecommendationResponse,
    S55Response,
    Stage,
)
from recommendations.models import Finding, FindingKind, Force, Report, ReportKind, User

DEMO_FORCE_SLUG = "northmoor-constabulary-illustrative"

NARRATIVE = {
    "headline": "HMICFRS inspected {force} and published its report on {published}. "
    "It found that the force's response to children at risk was not consistently good "
    "enough, and set out causes of concern with recommendations to put that right.\n\n"
    "(Illustrative text written for the Oversight demo.)",
    "pcc_view": "I share the inspectorate's concern. The findings echo themes raised in "
    "earlier inspections, and the public must be able to trust that every report of a "
    "child at risk is acted on promptly.",
    "force_progress": "Since the inspection the force has trained its response officers "
    "in recognising risk to children, added supervisors to the child abuse investigation "
    "team, and begun a review of referrals with its safeguarding partners.",
    "scrutiny": "I will hold the Chief Constable to account for this work at my "
    "performance and accountability meetings, where progress on each recommendation is a "
    "standing item, and my office will check the evidence behind every claim of completion.",
    "next_steps": "The force will report progress to my office each month. I expect the "
    "work on this report to run alongside the PEEL recommendations.",
}

SUMMARIES = {
    ReportKind.PEEL: {
        "R1": "The force is improving how quickly officers attend reports that a child may "
        "be at risk.",
        "R2": "The force is reviewing how risk to children is recorded and shared with "
        "partner agencies.",
        "R3": "Response officers are being trained to recognise risk to children.",
        "R4": "Supervision of child protection investigations is being strengthened.",
        "AFI1": "The force is looking at how it records the voice of the child.",
    },
    ReportKind.NCPI: {
        "R1": "The force is setting up daily reviews of open child protection referrals.",
        "R2": "Joint training with partners on referral thresholds is being planned.",
    },
}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def _answer_all(response: S55Response) -> None:
    for row in response.recommendation_responses.select_related("finding"):
        if not row.is_answered:
            row.steps = (
                f"The force has agreed an action plan for {row.finding.reference}, owned by a "
                "chief officer, with milestones my office will check. (Illustrative.)"
            )
            row.save()


def _narrate(response: S55Response, *, published: date) -> None:
    texts = {
        name: text.format(force=response.force, published=f"{published:%-d %B %Y}")
        for name, text in NARRATIVE.items()
    }
    changed = [name for name, text in texts.items() if getattr(response, name) != text]
    for name in changed:
        setattr(response, name, texts[name])
    if changed:
        response.save()


@transaction.atomic
def seed_publishing(*, today: date) -> None:
    force = Force.objects.get(slug=DEMO_FORCE_SLUG)
    opcc, pcc = User.objects.get(username="opcc"), User.objects.get(username="pcc")
    reports = {r.kind: r for r in Report.objects.filter(force=force)}
    peel, ncpi = reports[ReportKind.PEEL], reports[ReportKind.NCPI]

    # The PEEL report: answered, approved, sent and published.
    response = services.response_start(report=peel, force=force, by=opcc)
    if response.stage == Stage.NOT_STARTED:
        _narrate(response, published=peel.published_on)
        _answer_all(response)
        published_on = peel.response_published_on or peel.published_on + timedelta(days=50)
        for stage, details, by in (
            (
                Stage.COMMENTS_INVITED,
                services.StageDetails(on=peel.published_on + timedelta(days=3)),
                opcc,
            ),
            (
                Stage.COMMENTS_RECEIVED,
                services.StageDetails(
                    on=peel.published_on + timedelta(days=27),
                    comments="The force accepts the findings and has a plan for each "
                    "recommendation. (Illustrative.)",
                ),
                opcc,
            ),
            (Stage.DRAFT, services.StageDetails(), opcc),
            (Stage.APPROVED, services.StageDetails(), pcc),
            (Stage.SENT, services.StageDetails(on=published_on - timedelta(days=1)), opcc),
            (
                Stage.PUBLISHED,
                services.StageDetails(on=published_on, url=peel.response_url),
                opcc,
            ),
        ):
            response = services.response_move(response=response, to=stage, by=by, details=details)
        S55Response.objects.filter(pk=response.pk).update(
            approved_at=_at(published_on - timedelta(days=3))
        )

    # The NCPI report: comments in, a draft with one recommendation still to answer.
    response = services.response_start(report=ncpi, force=force, by=opcc)
    if response.stage == Stage.NOT_STARTED:
        _narrate(response, published=ncpi.published_on)
        for stage, details in (
            (
                Stage.COMMENTS_INVITED,
                services.StageDetails(
                    on=ncpi.published_on + timedelta(days=2),
                    comments_due_on=ncpi.published_on + timedelta(days=30),
                ),
            ),
            (
                Stage.COMMENTS_RECEIVED,
                services.StageDetails(
                    on=ncpi.published_on + timedelta(days=31),
                    comments="The force welcomes the inspection and has begun daily reviews of "
                    "open referrals. (Illustrative.)",
                ),
            ),
            (Stage.DRAFT, services.StageDetails()),
        ):
            response = services.response_move(response=response, to=stage, by=opcc, details=details)
        last = response.recommendation_responses.order_by("-finding__reference").first()
        if last is not None:
            RecommendationResponse.objects.filter(pk=last.pk).update(steps="")

    # Public summaries, then one release of the public page.
    for kind, summaries in SUMMARIES.items():
        findings = Finding.objects.filter(
            report=reports[kind],
            reference__in=summaries,
            kind__in=(FindingKind.RECOMMENDATION, FindingKind.AREA_FOR_IMPROVEMENT),
        )
        for finding in findings:
            PublicSummary.objects.get_or_create(
                finding=finding,
                defaults={
                    "summary": summaries[finding.reference],
                    "publishable": True,
                    "updated_by": opcc,
                },
            )
    if not PublicRelease.objects.filter(force=force).exists():
        now = _at(today)
        PublicRelease.objects.create(
            force=force,
            published_by=opcc,
            published_at=now,
            data=public.snapshot(force, now=now),
        )
