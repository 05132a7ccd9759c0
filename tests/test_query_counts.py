"""List, detail and home pages use a constant number of queries, whatever the data size."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recommendations import services
from recommendations.models import AssuranceDecision, Theme
from recommendations.services import EvidenceFile
from tests.factories import make_finding, make_report, pdf_upload

pytestmark = pytest.mark.django_db


def build(force, lead, opcc, n: int):
    """n findings over several reports, with updates, evidence, decisions and shared themes."""
    today = timezone.localdate()
    themes = [
        Theme.objects.get_or_create(slug=f"theme-{i}", defaults={"name": f"Theme {i}"})[0]
        for i in range(3)
    ]
    reports = [make_report(force=force) for _ in range(3)]
    first = None
    for i in range(n):
        finding = make_finding(
            report=reports[i % 3],
            owner=lead,
            opcc_lead=opcc,
            due_on=today + timedelta(days=(i % 60) - 30),
            themes=[themes[i % 3]],
        )
        first = first or finding
    for k in range(min(n, 10)):
        first.refresh_from_db()
        services.progress_update_add(
            finding=first,
            expected_version=first.version,
            author=lead,
            narrative=f"Update {k}",
            rag="amber",
            as_at=date(2025, 1, 1) + timedelta(days=k),
            evidence=[EvidenceFile(pdf_upload(f"e{k}.pdf"), date(2025, 1, 1))],
        )
        AssuranceDecision.objects.create(
            finding=first, outcome="challenged", reason=f"r{k}", decided_by=opcc
        )
    return first


def count_queries(client, url: str, params: dict | None = None) -> int:
    # Warm up first: filter choices are cached for a minute after the first request.
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("home", None),
        ("finding-list", None),
        ("finding-list", {"status": "open", "overdue": "on", "q": "improve", "sort": "-due"}),
        ("report-list", None),
    ],
)
def test_list_pages_query_count_does_not_grow_with_data(
    client, force, lead, opcc, url_name, params
):
    client.force_login(opcc)
    build(force, lead, opcc, 5)
    small = count_queries(client, reverse(f"recommendations:{url_name}"), params)
    build(force, lead, opcc, 200)
    assert count_queries(client, reverse(f"recommendations:{url_name}"), params) == small
    assert small <= 12


def test_finding_detail_query_count_does_not_grow_with_updates(client, force, lead, opcc):
    client.force_login(opcc)
    quiet = make_finding(report=make_report(force=force), owner=lead)
    busy = build(force, lead, opcc, 30)
    quiet_count = count_queries(client, reverse("recommendations:finding-detail", args=[quiet.pk]))
    busy_count = count_queries(client, reverse("recommendations:finding-detail", args=[busy.pk]))
    assert busy.updates.count() == 10 and busy.history.count() > 10
    # Resolving names in the change history costs at most one query per related model.
    assert busy_count <= quiet_count + 3
    assert busy_count <= 25


def test_report_detail_query_count_does_not_grow_with_findings(client, force, lead, opcc):
    client.force_login(opcc)
    small_report = make_report(force=force)
    for _ in range(3):
        make_finding(report=small_report, owner=lead)
    big_report = make_report(force=force)
    for _ in range(60):
        make_finding(report=big_report, owner=lead)
    small = count_queries(client, reverse("recommendations:report-detail", args=[small_report.pk]))
    big = count_queries(client, reverse("recommendations:report-detail", args=[big_report.pk]))
    assert big == small


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "open", "overdue": "on", "sort": "-due"},
        {"kind": "recommendation", "rag": "amber", "theme": "THEME"},
        {"q": "improve"},
        {"q": "improve", "status": "open", "page": "2"},
    ],
    ids=["no filter", "open overdue", "kind rag theme", "text search", "search page 2"],
)
def test_findings_list_meets_its_query_budget(client, force, lead, opcc, params):
    """At most 6 queries (issue: dashboards), from the session to the last row."""
    client.force_login(opcc)
    build(force, lead, opcc, 60)
    if params.get("theme") == "THEME":
        params = {**params, "theme": str(Theme.objects.get(slug="theme-1").pk)}
    assert count_queries(client, reverse("recommendations:finding-list"), params) <= 6
