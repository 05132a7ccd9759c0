"""A small force, built by hand, whose every dashboard figure is worked out in the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from recommendations.models import (
    Finding,
    FindingKind,
    MonitoringPeriod,
    MonitoringPhase,
    PpogMeeting,
    Rag,
    ReportKind,
    Status,
    Theme,
)
from tests.factories import make_finding, make_report

TODAY = date(2026, 5, 20)  # quarter: 1 April to 30 June; forecast window: 26 Feb to 20 May


def _set(finding: Finding, **fields: object) -> Finding:
    Finding.objects.filter(pk=finding.pk).update(**fields)
    finding.refresh_from_db()
    return finding


@dataclass
class World:
    force: object
    other_force: object
    report_a: object
    report_b: object
    national: object
    findings: dict[str, Finding]
    theme_x: Theme
    theme_y: Theme
    period: MonitoringPeriod


@pytest.fixture
def world(force, other_force, lead, other_lead) -> World:
    """Nine findings in the test force, one in another force.

    ref    kind  status             due         rag    owner       notes
    C1     CoC   in progress        —           red    —           cause of concern in Engage
    A-R1   rec   not started        1 May       red    lead        overdue; under C1; theme X
    A-R2   rec   in progress        10 Jun      amber  lead        due soon; challenged; C1; X, Y
    A-R3   rec   reported complete  30 Apr      green  other_lead  awaiting assurance
    A-R4   rec   closed 15 Apr      31 Mar      —      —           closed this quarter
    B-R1   rec   in progress        30 Sep      —      —           not rated
    B-AFI  AFI   not started        —           amber  —           theme Y
    B-R2   rec   no further action  30 Apr      —      —           changed 20 Mar (last quarter)
    B-R3   rec   superseded         31 Jul      —      —           changed 2 May (this quarter)
    C-R1   rec   in progress        10 May      red    —           other force, overdue
    """
    report_a = make_report(force=force, published_on=date(2026, 1, 10), title="Report A")
    report_b = make_report(
        force=force,
        kind=ReportKind.NCPI,
        published_on=date(2026, 3, 5),
        title="Report B",
        response_published_on=date(2026, 4, 20),
    )
    report_c = make_report(force=other_force, published_on=date(2026, 2, 1), title="Report C")
    national = make_report(
        force=None, kind=ReportKind.THEMATIC, published_on=date(2026, 5, 1), title="National D"
    )
    theme_x = Theme.objects.create(name="Theme X", slug="theme-x")
    theme_y = Theme.objects.create(name="Theme Y", slug="theme-y")
    coc, afi = FindingKind.CAUSE_OF_CONCERN, FindingKind.AREA_FOR_IMPROVEMENT

    f = {}
    f["C1"] = _set(
        make_finding(report=report_a, kind=coc, reference="C1"),
        status=Status.IN_PROGRESS,
        rag=Rag.RED,
    )
    f["A-R1"] = _set(
        make_finding(
            report=report_a,
            reference="R1",
            parent=f["C1"],
            due_on=date(2026, 5, 1),
            owner=lead,
            themes=[theme_x],
        ),
        rag=Rag.RED,
    )
    f["A-R2"] = _set(
        make_finding(
            report=report_a,
            reference="R2",
            parent=f["C1"],
            due_on=date(2026, 6, 10),
            owner=lead,
            themes=[theme_x, theme_y],
        ),
        status=Status.IN_PROGRESS,
        rag=Rag.AMBER,
        challenged_at=datetime(2026, 5, 5, 10, tzinfo=UTC),
    )
    f["A-R3"] = _set(
        make_finding(report=report_a, reference="R3", due_on=date(2026, 4, 30), owner=other_lead),
        status=Status.REPORTED_COMPLETE,
        rag=Rag.GREEN,
        status_changed_at=datetime(2026, 5, 8, 9, tzinfo=UTC),
    )
    f["A-R4"] = _set(
        make_finding(report=report_a, reference="R4", due_on=date(2026, 3, 31)),
        status=Status.CLOSED,
        closed_on=date(2026, 4, 15),
        closure_basis="letter",
        closure_reference="HMICFRS letter 1",
        status_changed_at=datetime(2026, 4, 20, 9, tzinfo=UTC),
    )
    f["B-R1"] = _set(
        make_finding(report=report_b, reference="R1", due_on=date(2026, 9, 30)),
        status=Status.IN_PROGRESS,
    )
    f["B-AFI"] = _set(
        make_finding(report=report_b, kind=afi, reference="AFI1", themes=[theme_y]),
        rag=Rag.AMBER,
    )
    f["B-R2"] = _set(
        make_finding(report=report_b, reference="R2", due_on=date(2026, 4, 30)),
        status=Status.NO_FURTHER_ACTION,
        no_further_action_reason="Covered by national work",
        status_changed_at=datetime(2026, 3, 20, 12, tzinfo=UTC),
    )
    f["B-R3"] = _set(
        make_finding(report=report_b, reference="R3", due_on=date(2026, 7, 31)),
        status=Status.SUPERSEDED,
        superseded_by=f["B-R1"],
        status_changed_at=datetime(2026, 5, 2, 12, tzinfo=UTC),
    )
    f["C-R1"] = _set(
        make_finding(report=report_c, reference="R1", due_on=date(2026, 5, 10)),
        status=Status.IN_PROGRESS,
        rag=Rag.RED,
    )
    period = MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 1, 30)
    )
    period.causes_of_concern.set([f["C1"]])
    PpogMeeting.objects.create(monitoring_period=period, meets_on=date(2026, 3, 1))
    PpogMeeting.objects.create(monitoring_period=period, meets_on=date(2026, 6, 15))
    PpogMeeting.objects.create(monitoring_period=period, meets_on=date(2026, 9, 15))
    return World(
        force=force,
        other_force=other_force,
        report_a=report_a,
        report_b=report_b,
        national=national,
        findings=f,
        theme_x=theme_x,
        theme_y=theme_y,
        period=period,
    )
