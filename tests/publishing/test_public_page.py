"""The public progress page: nothing unmarked reaches it, it changes only when published,
it is served from the cache, and only the listed origins may frame it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from publishing import services
from publishing.models import PublicSummary, Stage
from publishing.services import StageDetails
from recommendations import services as domain
from recommendations.models import AssuranceDecision, Finding, Post, Status
from recommendations.services import EvidenceFile
from tests.factories import make_finding, pdf_upload

pytestmark = pytest.mark.django_db

SECRET = "SECRET-OFFICIAL-SENSITIVE-7f3a"


def _urls(force) -> list[str]:
    return [
        reverse(f"publishing:{name}", args=[force.slug])
        for name in ("public-page", "public-csv", "public-json")
    ]


def _published_response(report, opcc, pcc, **narrative):
    response = services.response_start(report=report, force=report.force, by=opcc)
    response = services.response_move(response=response, to=Stage.DRAFT, by=opcc)
    answers = {
        r.finding_id: (f"{SECRET} steps", "") for r in response.recommendation_responses.all()
    }
    response = services.response_edit(
        response=response,
        expected_version=response.version,
        by=opcc,
        narrative=narrative,
        answers=answers,
    )
    response = services.response_move(response=response, to=Stage.APPROVED, by=pcc)
    response = services.response_move(
        response=response, to=Stage.SENT, by=opcc, details=StageDetails(on=date(2026, 2, 1))
    )
    return services.response_move(
        response=response,
        to=Stage.PUBLISHED,
        by=opcc,
        details=StageDetails(on=date(2026, 2, 2), url="https://pcc.example/response-peel"),
    )


def test_a_secret_in_every_private_field_appears_in_no_public_response_csv_or_json(
    report, lead, opcc, pcc, force
):
    secret_names = {"first_name": SECRET, "last_name": SECRET}
    for person in (lead, opcc):
        for name, value in secret_names.items():
            setattr(person, name, value)
        person.save()
    report.summary = SECRET
    report.response_url = f"https://secret.example/{SECRET}"
    report.save()
    post = Post.objects.create(title=SECRET, force=force, holder=lead)
    shown = make_finding(
        report=report,
        reference="R1",
        text=f"{SECRET} finding text",
        addressee=SECRET,
        timeframe=SECRET,
        owner=lead,
        opcc_lead=opcc,
        due_on=date(2026, 7, 1),
    )
    Finding.objects.filter(pk=shown.pk).update(
        owner_post=post, hmicfrs_id=SECRET, closure_reference=SECRET
    )
    shown.refresh_from_db()
    domain.progress_update_add(
        finding=shown,
        expected_version=shown.version,
        author=lead,
        narrative=f"{SECRET} update",
        rag="green",
        as_at=date(2026, 3, 1),
        evidence=[EvidenceFile(pdf_upload(f"{SECRET}.pdf"), date(2026, 3, 1), SECRET)],
        reports_complete=True,
    )
    shown.refresh_from_db()
    AssuranceDecision.objects.create(
        finding=shown, outcome="accepted", reason=SECRET, decided_by=opcc, opcc_rag="green"
    )
    hidden = make_finding(report=report, reference="R2", text=SECRET, due_on=date(2026, 7, 2))
    Finding.objects.filter(pk=hidden.pk).update(
        status=Status.NO_FURTHER_ACTION, no_further_action_reason=SECRET
    )
    PublicSummary.objects.create(finding=hidden, summary=SECRET, publishable=False)
    PublicSummary.objects.create(finding=shown, summary="Public words", publishable=True)
    narrative = dict.fromkeys(
        ("headline", "pcc_view", "force_progress", "scrutiny", "next_steps"), SECRET
    )
    response = _published_response(report, opcc, pcc, **narrative)
    response.chief_constable_comments = SECRET
    response.save()
    services.public_release_publish(force=force, by=opcc)

    anonymous = Client()
    for url in _urls(force):
        body = anonymous.get(url).content.decode()
        assert "Public words" in body
        assert SECRET not in body, url
    page = anonymous.get(_urls(force)[0]).content.decode()
    assert "https://pcc.example/response-peel" in page  # the published response, by link


def test_the_page_changes_only_when_published(report, recommendations, opcc, force):
    first = recommendations[0]
    PublicSummary.objects.create(finding=first, summary="Version one", publishable=True)
    services.public_release_publish(force=force, by=opcc)
    PublicSummary.objects.filter(finding=first).update(summary="Half-finished edit")
    anonymous = Client()
    page = anonymous.get(_urls(force)[0]).content.decode()
    assert "Version one" in page and "Half-finished" not in page
    services.public_release_publish(force=force, by=opcc)
    # The publish view drops the cached release; here the service is called directly.
    from django.core.cache import cache

    cache.clear()
    assert "Half-finished edit" in anonymous.get(_urls(force)[0]).content.decode()


def test_the_public_page_is_one_query_or_fewer_when_warm(
    report, recommendations, opcc, force, settings, django_assert_max_num_queries
):
    for finding in recommendations:
        PublicSummary.objects.create(finding=finding, summary="Said", publishable=True)
    services.public_release_publish(force=force, by=opcc)
    anonymous = Client()
    for url in _urls(force):
        assert anonymous.get(url).status_code == 200
    for url in _urls(force):
        with django_assert_max_num_queries(1):
            response = anonymous.get(url)
        assert response.status_code == 200
        assert "public" in response["Cache-Control"]


def test_counts_csv_and_json_agree(report, recommendations, afi, opcc, force):
    Finding.objects.filter(pk=recommendations[0].pk).update(due_on=date(2020, 1, 1))
    Finding.objects.filter(pk=recommendations[1].pk).update(due_on=date(2099, 1, 1))
    for finding in [*recommendations, afi]:
        PublicSummary.objects.create(finding=finding, summary="=cmd|x", publishable=True)
    services.public_release_publish(force=force, by=opcc)
    anonymous = Client()
    data = json.loads(anonymous.get(_urls(force)[2]).content)
    assert data["counts"] == {"total": 3, "by_status": {"Not started": 3}, "overdue": 1}
    assert data["page"] == _urls(force)[0]
    rows = list(csv.DictReader(io.StringIO(anonymous.get(_urls(force)[1]).content.decode())))
    assert [r["reference"] for r in rows] == ["AFI1", "R1", "R2"]
    assert rows[1]["overdue"] == "True"
    assert rows[0]["public_summary"] == "'=cmd|x"  # never a spreadsheet formula


def test_a_force_with_nothing_published_has_no_page(force):
    assert Client().get(_urls(force)[0]).status_code == 404


def test_framing_is_refused_everywhere_unless_the_origin_is_listed(
    report, recommendations, opcc, force, settings
):
    services.public_release_publish(force=force, by=opcc)
    anonymous = Client()
    page = anonymous.get(_urls(force)[0])
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"

    settings.OVERSIGHT_PUBLIC_FRAME_ANCESTORS = ["https://www.pcc.example"]
    page = anonymous.get(_urls(force)[0])
    assert "frame-ancestors https://www.pcc.example" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page
    other = anonymous.get(reverse("login"))
    assert "frame-ancestors 'none'" in other["Content-Security-Policy"]
    assert other["X-Frame-Options"] == "DENY"


def test_a_draft_summary_marked_publishable_needs_words(report, recommendations, opcc, force):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.public_summaries_save(
            report=report, force=force, by=opcc, summaries={recommendations[0].pk: ("", True)}
        )
    assert not PublicSummary.objects.exists()


def test_the_published_document_is_served_only_once_published_and_released(
    report, recommendations, opcc, pcc, force
):
    response = _published_response(report, opcc, pcc)
    services.response_document_add(response=response, upload=pdf_upload("final.pdf"), by=opcc)
    url = reverse("publishing:public-document", args=[force.slug, response.pk])
    anonymous = Client()
    services.public_release_publish(force=force, by=opcc)
    got = anonymous.get(url)
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
    assert (
        anonymous.get(
            reverse("publishing:public-document", args=[force.slug, response.pk + 1])
        ).status_code
        == 404
    )
