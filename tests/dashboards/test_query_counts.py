"""The dashboard and the pack cost the same number of queries for 10 findings and for 2,000."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recommendations.models import (
    Finding,
    FindingKind,
    MonitoringPeriod,
    MonitoringPhase,
    PpogMeeting,
    ProgressUpdate,
    Rag,
    Status,
    Theme,
)
from tests.factories import make_report

pytestmark = pytest.mark.django_db


def add_findings(force, owners, n: int, *, seed: int) -> None:
    """n findings of every kind, status and date, written with bulk_create (fast)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    themes = list(Theme.objects.all()) or [
        Theme.objects.create(name=f"Theme {i}", slug=f"bulk-theme-{i}") for i in range(4)
    ]
    reports = [
        make_report(force=force, published_on=today - timedelta(days=rng.randint(20, 700)))
        for _ in range(5)
    ]
    findings = []
    for i in range(n):
        kind = rng.choice(list(FindingKind))
        status = rng.choice(list(Status))
        due_on = today + timedelta(days=rng.randint(-200, 200))
        if kind == FindingKind.CAUSE_OF_CONCERN:
            due_on = None
        if status == Status.SUPERSEDED:
            status = Status.IN_PROGRESS  # a successor would be needed
        findings.append(
            Finding(
                report=reports[i % 5],
                force=force,
                kind=kind,
                reference=f"B{seed}-{i}",
                text=f"Bulk finding {i}",
                due_on=due_on,
                original_due_on=due_on,
                status=status,
                rag=rng.choice([*Rag.values, ""]),
                owner=rng.choice([*owners, None]),
                status_changed_at=datetime.now(UTC) - timedelta(days=rng.randint(0, 300)),
                challenged_at=datetime.now(UTC)
                if status == Status.IN_PROGRESS and i % 7 == 0
                else None,
                closed_on=today - timedelta(days=rng.randint(0, 300))
                if status == Status.CLOSED
                else None,
                closure_reference="Letter" if status == Status.CLOSED else "",
                closure_basis="letter" if status == Status.CLOSED else "",
                no_further_action_reason="Reason" if status == Status.NO_FURTHER_ACTION else "",
            )
        )
    findings = Finding.objects.bulk_create(findings)
    Finding.themes.through.objects.bulk_create(
        [Finding.themes.through(finding_id=f.pk, theme_id=rng.choice(themes).pk) for f in findings]
    )
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(
                finding=f, narrative="Bulk update", rag=Rag.AMBER, as_at=today, author=owners[0]
            )
            for f in findings
        ]
    )
    period = MonitoringPeriod.objects.filter(force=force, ended_on__isnull=True).first()
    if period is None:
        period = MonitoringPeriod.objects.create(
            force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 1, 1)
        )
        PpogMeeting.objects.create(monitoring_period=period, meets_on=today + timedelta(days=9))
    causes = [f for f in findings if f.kind == FindingKind.CAUSE_OF_CONCERN]
    period.causes_of_concern.add(*causes)


def queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


# Not "page": that is Playwright's fixture, and the name would make these browser tests.
@pytest.mark.parametrize("url_name", ["dashboards:dashboard", "dashboards:pack"])
@pytest.mark.parametrize("one_force", [False, True], ids=["all forces", "one force"])
def test_query_count_is_the_same_for_10_and_2000_findings(
    client, force, opcc, lead, other_lead, url_name, one_force
):
    client.force_login(opcc)
    url = reverse(url_name)
    params = {"force": force.pk} if one_force else None
    add_findings(force, [lead, other_lead], 10, seed=1)
    small = queries(client, url, params)
    add_findings(force, [lead, other_lead], 1990, seed=2)
    assert Finding.objects.count() == 2000
    large = queries(client, url, params)
    assert large == small
    if url_name == "dashboards:dashboard":
        # The target (issue: dashboards), counted from the first query of the request:
        # the session, the person (with permissions and roles), the names, the counts,
        # the at-risk recommendations and, for a force in Engage, its causes of concern.
        assert large <= 6


def test_a_force_scoped_viewer_costs_the_same_too(client, force, viewer, lead, other_lead):
    client.force_login(viewer)
    url = reverse("dashboards:dashboard")
    add_findings(force, [lead, other_lead], 10, seed=3)
    small = queries(client, url)
    add_findings(force, [lead, other_lead], 1990, seed=4)
    assert queries(client, url) == small
