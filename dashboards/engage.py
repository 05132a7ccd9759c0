"""The Engage panel (a force's causes of concern and their recommendations' progress, the
forces in Engage) and the PCC's s.55 response tracker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q

from dashboards.counts import Figure
from dashboards.scope import ReportName, Scope
from publishing.models import FINISHED_STAGES, Stage
from recommendations.models import (
    Finding,
    MonitoringPeriod,
    Report,
    Status,
)
from recommendations.models.reports import s55_last_day, s55_response_awaited

S55_WINDOW_DAYS = 183  # reports published in the last six months
S55_LIMIT = 15


@dataclass(frozen=True)
class CauseOfConcern:
    finding: Finding
    children: list[Figure]
    children_total: int

    @property
    def children_counted(self) -> list[Figure]:
        """The statuses that some of its recommendations are in (the pack lists only these)."""
        return [figure for figure in self.children if figure.value]


@dataclass(frozen=True)
class Engage:
    period: MonitoringPeriod
    days: int
    next_ppog: date | None
    causes: list[CauseOfConcern]

    @property
    def causes_open(self) -> int:
        return sum(1 for cause in self.causes if cause.finding.is_open)

    @property
    def causes_closed(self) -> int:
        return len(self.causes) - self.causes_open


def engage_panel(scope: Scope) -> tuple[Engage | None, list[tuple[MonitoringPeriod, int]]]:
    """The chosen force's Engage panel, or, across all forces, the forces in Engage."""
    today = scope.today
    periods = scope.names.engage
    if scope.force_id is None:
        return None, [(period, period.days_in_phase(today=today)) for period in periods]
    period = next((p for p in periods if p.force_id == scope.force_id), None)
    if period is None:
        return None, []
    status_counts = {
        f"children_{status}": Count("children", filter=Q(children__status=status))
        for status in Status
    }
    causes = (
        Finding.objects.visible_to(scope.user)
        .filter(monitoring_periods=period.pk)
        .select_related("report")
        .annotate(children_total=Count("children"), **status_counts)
        .order_by("report__published_on", "reference")
    )
    return (
        Engage(
            period=period,
            days=period.days_in_phase(today=today),
            next_ppog=period.next_ppog,
            causes=[
                CauseOfConcern(
                    finding=cause,
                    children=[
                        Figure(
                            status.label,
                            getattr(cause, f"children_{status}"),
                            # Counted over all the cause's recommendations, whatever
                            # the dashboard's filters: so is the list it opens.
                            scope.link(filtered=False, parent=cause.pk, status=status),
                        )
                        for status in Status
                    ],
                    children_total=cause.children_total,
                )
                for cause in causes
            ],
        ),
        [],
    )


@dataclass(frozen=True)
class S55Row:
    report: Report
    force_name: str
    due_on: date
    days_left: int | None
    published_late: bool
    stage_label: str = ""


@dataclass(frozen=True)
class S55Tracker:
    rows: list[S55Row]
    more: int


def s55_tracker(scope: Scope) -> S55Tracker:
    """Reports of the last six months: responses outstanding (most urgent first), then published.

    From the report names already loaded (`load_names`), filtered as the dashboard is:
    a chosen force's own reports and the national ones it must answer.
    """
    since = scope.today - timedelta(days=S55_WINDOW_DAYS)
    f = scope.filters
    awaited, settled = [], []
    for pk, name in scope.names.reports.items():
        if name.published_on < since:
            continue
        if f.get("force") and name.force_id not in (f["force"], None):
            continue
        if f.get("report") and pk != f["report"]:
            continue
        if f.get("published_from") and name.published_on < f["published_from"]:
            continue
        if f.get("published_to") and name.published_on > f["published_to"]:
            continue
        still_awaited = name.response_stage not in FINISHED_STAGES and s55_response_awaited(
            response_published_on=name.response_published_on,
            entered_after_the_fact=name.entered_after_the_fact,
        )
        (awaited if still_awaited else settled).append((pk, name))
    awaited.sort(key=lambda item: s55_last_day(item[1].published_on))
    settled.sort(key=lambda item: item[1].published_on, reverse=True)
    ordered = awaited + settled
    # Rows (and their reports) only for what is shown: a national body's half-year
    # holds hundreds of reports.
    rows = [_s55_row(scope, pk, name) for pk, name in ordered[:S55_LIMIT]]
    return S55Tracker(rows=rows, more=max(0, len(ordered) - S55_LIMIT))


def _s55_row(scope: Scope, pk: int, name: ReportName) -> S55Row:
    report = Report(
        pk=pk,
        title=name.title,
        force_id=name.force_id,
        published_on=name.published_on,
        response_published_on=name.response_published_on,
        entered_after_the_fact=name.entered_after_the_fact,
    )
    # Read by recommendations/_s55.html: a settled response is neither due nor late.
    report.response_stage = name.response_stage
    settled = name.response_stage in FINISHED_STAGES
    return S55Row(
        report=report,
        force_name=scope.force_name(name.force_id),
        due_on=report.response_due_on,
        days_left=None if settled else report.response_days_left(today=scope.today),
        published_late=report.response_published_late(),
        stage_label=Stage(name.response_stage).label if name.response_stage else "",
    )
