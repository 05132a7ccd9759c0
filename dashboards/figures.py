"""Every number on the dashboard and in the accountability pack, counted in SQL.

The number of queries does not depend on the amount of data: the names are one
query, every count is one statement (grouped queries joined with UNION ALL), and
lists are sliced. Across all forces the counts are kept per force between looks
(`tallies.py`). The definitions of open, overdue, closed … are in `recommendations.rules`
and `forecast.py`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.conf import settings

from dashboards import measures, tallies
from dashboards.counts import Counts, Figure, grouped_rows, split_rows, totals
from dashboards.engage import Engage, S55Tracker, engage_panel, s55_tracker
from dashboards.forecast import DueGroup, Forecast, forecast, projected_close
from dashboards.scope import Scope
from recommendations.filters import NOT_RATED
from recommendations.models import (
    OPEN_STATUSES,
    Finding,
    FindingKind,
    MonitoringPeriod,
    Rag,
    Status,
)

RAG_ORDER = (Rag.RED, Rag.AMBER, Rag.GREEN, NOT_RATED)
RAG_LABELS = {Rag.RED: "Red", Rag.AMBER: "Amber", Rag.GREEN: "Green", NOT_RATED: "Not rated"}
BURN_UP_MONTHS_BACK = 23  # two years including this month
BURN_UP_MONTHS_AHEAD = 12
TOP = 10


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class MatrixRow:
    kind: FindingKind
    cells: list[Figure]
    total: Figure


def _headline(scope: Scope, counts: Counts, unowned: int) -> list[Figure]:
    today = scope.today
    soon = settings.OVERSIGHT_DUE_SOON_DAYS
    quarter_start, quarter_end = measures.quarter_bounds(today)
    return [
        Figure("Open", counts["open"], scope.link(status="open"), "Not yet finished with"),
        Figure(
            "Overdue",
            counts["overdue"],
            scope.link(overdue="on"),
            "Past the due date with work outstanding",
        ),
        Figure(
            f"Due in the next {soon} days",
            counts["due_soon"],
            scope.link(due_within=soon),
            f"Work outstanding, due by {today + timedelta(days=soon):%-d %b %Y}",
        ),
        Figure(
            "Awaiting assurance",
            counts["awaiting_assurance"],
            scope.link(status=Status.REPORTED_COMPLETE),
            "Reported complete by the force, waiting for the OPCC",
        ),
        Figure(
            "Challenged",
            counts["challenged"],
            scope.link(challenged="on"),
            "Completion claim challenged, back with the force",
        ),
        Figure(
            "Unowned",
            unowned,
            scope.link(status="open", no_owner="on"),
            "Open with no owner, a vacant owner post or a deactivated holder: "
            "their reminders go to the OPCC team address",
        ),
        Figure(
            "Closed this quarter",
            counts["closed_this_quarter"],
            scope.link(closed_from=quarter_start, closed_to=quarter_end),
            f"{quarter_start:%-d %b} to {quarter_end:%-d %b %Y}: closed by HMICFRS, "
            "superseded or no further action",
        ),
    ]


def _matrix(scope: Scope, counts: Counts) -> list[MatrixRow]:
    rows = []
    for kind in FindingKind:
        cells = [
            Figure(
                status.label, counts[f"ks:{kind}:{status}"], scope.link(kind=kind, status=status)
            )
            for status in Status
        ]
        total = sum(cell.value for cell in cells)
        rows.append(MatrixRow(kind, cells, Figure("Total", total, scope.link(kind=kind))))
    return rows


def _rag(scope: Scope, counts: Counts) -> list[Figure]:
    return [
        Figure(RAG_LABELS[rag], counts[f"rag:{rag}"], scope.link(status="open", rag=rag))
        for rag in RAG_ORDER
    ]


def _opcc_rag(scope: Scope, counts: Counts) -> list[Figure]:
    """Open findings by the OPCC's own rating, beside the force's RAG: a challenged finding
    is never shown by the force's rating alone."""
    return [
        Figure(
            RAG_LABELS[rag],
            counts[f"opcc_rag:{rag}"],
            scope.link(status="open", opcc_rag=rag),
        )
        for rag in RAG_ORDER
    ]


# ---------------------------------------------------------------- by report, theme and owner


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    detail: str
    total: Figure | None
    open: Figure
    overdue: Figure


@dataclass(frozen=True)
class Breakdowns:
    reports: list[BreakdownRow]
    reports_more: int
    themes: list[BreakdownRow]
    owners: list[BreakdownRow]
    owners_more: int
    # Open findings that no one owns (`rules.unowned_q`: no owner, a vacant owner post or
    # a deactivated holder): their deadlines go to the OPCC team address's reminders.
    unowned_open: int
    # Findings per report, for the burn-up's "opened" series.
    report_totals: dict[int, int]


def _breakdowns(scope: Scope, rows: list[tuple]) -> Breakdowns:
    """By report, owner and theme, from the where rows of `grouped_rows`; names from `Names`."""
    reports: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    owners: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    themes: dict[int | None, list[int]] = {}
    for series, key, owner, n, n_open, n_overdue in rows:
        values = [n, n_open, n_overdue]
        if series == "theme":
            themes[key] = values
        else:
            for target in (reports[key], owners[owner]):
                for i, value in enumerate(values):
                    target[i] += value

    names = scope.names

    def row(label: str, detail: str, values: list[int], **filters: Any) -> BreakdownRow:
        total, open_, overdue = values
        return BreakdownRow(
            label,
            detail,
            Figure("All", total, scope.link(**filters)),
            Figure("Open", open_, scope.link(status="open", **filters)),
            Figure("Overdue", overdue, scope.link(overdue="on", **filters)),
        )

    ranked_reports = sorted(reports.items(), key=lambda item: (-item[1][1], -item[1][2], item[0]))
    report_rows = []
    for key, values in ranked_reports[:TOP]:
        report = names.reports.get(key)
        title = report.title if report else "Report"
        force = scope.force_name(report.force_id if report else None)
        report_rows.append(row(title, force, values, report=key))

    theme_rows = [
        row(names.themes.get(key, "Theme"), "", values, theme=key)
        for key, values in sorted(
            ((k, v) for k, v in themes.items() if k is not None),
            key=lambda item: names.themes.get(item[0], ""),
        )
    ]
    if themes.get(None):
        total, open_, overdue = themes[None]
        theme_rows.append(
            BreakdownRow(
                "No theme",
                "",
                Figure("All", total, ""),
                Figure("Open", open_, ""),
                Figure("Overdue", overdue, ""),
            )
        )

    ranked_owners = sorted(
        ((key, values) for key, values in owners.items() if values[1]),
        key=lambda item: (-item[1][2], -item[1][1], names.owners.get(item[0], "")),
    )
    owner_rows = []
    for key, values in ranked_owners[:TOP]:
        filters = {"owner": key} if key else {"no_owner": "on"}
        label = names.owners.get(key, "Former owner") if key else "No owner"
        full = row(label, "", values, **filters)
        owner_rows.append(BreakdownRow(label, "", None, full.open, full.overdue))

    return Breakdowns(
        reports=report_rows,
        reports_more=max(0, len(ranked_reports) - TOP),
        themes=theme_rows,
        owners=owner_rows,
        owners_more=max(0, len(ranked_owners) - TOP),
        unowned_open=owners[None][1] if None in owners else 0,
        report_totals={key: values[0] for key, values in reports.items()},
    )


# ---------------------------------------------------------------- burn-up


@dataclass(frozen=True)
class Month:
    month: date
    opened: Figure
    closed: Figure
    due: Figure
    opened_total: int
    closed_total: int


def _burn_up(scope: Scope, counts: Counts, report_totals: dict[int, int]) -> list[Month]:
    """Month by month: opened, closed and due, with running totals since the first finding."""
    opened_by_month: dict[date, int] = defaultdict(int)
    for report_id, total in report_totals.items():
        report = scope.names.reports.get(report_id)
        if report is not None:
            opened_by_month[report.published_on.replace(day=1)] += total
    this_month = scope.today.replace(day=1)
    first = measures.add_months(this_month, -BURN_UP_MONTHS_BACK)
    last = measures.add_months(this_month, BURN_UP_MONTHS_AHEAD)
    # Running totals count everything before the window too.
    opened_total = sum(n for day, n in opened_by_month.items() if day < first)
    closed_total = sum(n for day, n in counts.closed_by_month.items() if day < first)
    months = []
    month = first
    while month <= last:
        end = measures.month_end(month)
        opened = opened_by_month.get(month, 0)
        closed = counts.closed_by_month.get(month, 0)
        due = counts.due_by_month.get(month, 0)
        opened_total += opened
        closed_total += closed
        months.append(
            Month(
                month=month,
                opened=Figure("Opened", opened, scope.link(published_from=month, published_to=end)),
                closed=Figure("Closed", closed, scope.link(closed_from=month, closed_to=end)),
                due=Figure(
                    "Due",
                    due,
                    scope.link(kind=FindingKind.RECOMMENDATION, due_from=month, due_to=end),
                ),
                opened_total=opened_total,
                closed_total=closed_total,
            )
        )
        month = measures.add_months(month, 1)
    # Trim empty months at both ends, keeping this month and the next three for context.
    horizon = measures.add_months(this_month, 3)
    busy = [
        i
        for i, m in enumerate(months)
        if m.opened.value or m.closed.value or m.due.value or this_month <= m.month <= horizon
    ]
    return months[busy[0] : busy[-1] + 1] if busy else []


def _queue(counts: Counts) -> list[DueGroup]:
    """Open recommendations by due date, in the forecast's queue order (no due date last)."""
    return [
        DueGroup(day, n)
        for day, n in sorted(
            counts.queue.items(), key=lambda item: (item[0] is None, item[0] or date.min)
        )
    ]


@dataclass(frozen=True)
class AtRiskItem:
    finding: Finding
    projected_close: date | None


def _at_risk_items(
    scope: Scope, projection: Forecast, limit: int, *, latest_updates: bool
) -> list[AtRiskItem]:
    """The first `limit` at-risk recommendations in queue order, with their projected dates.

    Only the due dates that hold at-risk recommendations are fetched; within a
    date the last `at_risk` by id are the ones at risk (they close last).
    """
    chosen = []
    wanted = 0
    for group in projection.groups:
        if group.at_risk:
            chosen.append(group)
            wanted += group.at_risk
            if wanted >= limit:
                break
    if not chosen:
        return []
    rows = (
        scope.findings()
        .filter(
            kind=FindingKind.RECOMMENDATION,
            status__in=OPEN_STATUSES,
            due_on__in=[group.due_on for group in chosen],
        )
        .select_related("report", "owner", "owner_post__holder")
        .order_by("due_on", "pk")
    )
    if latest_updates:
        rows = rows.with_latest_update()
    by_date: dict[date, list[Finding]] = defaultdict(list)
    for finding in rows:
        by_date[finding.due_on].append(finding)
    items = []
    for group in chosen:
        members = by_date[group.due_on]
        for position, finding in enumerate(members):
            if position >= group.size - group.at_risk:
                rank = group.first_rank + position
                projected = projected_close(
                    rank, today=scope.today, finished=projection.finished, weeks=projection.weeks
                )
                items.append(AtRiskItem(finding, projected))
    return items[:limit]


# ---------------------------------------------------------------- the whole dashboard


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    counts: Counts
    headline: list[Figure]
    matrix: list[MatrixRow]
    rag: list[Figure]
    opcc_rag: list[Figure]
    breakdowns: Breakdowns
    burn_up: list[Month]
    forecast: Forecast
    at_risk: list[AtRiskItem]
    engage: Engage | None
    forces_in_engage: list[tuple[MonitoringPeriod, int]]
    s55: S55Tracker

    def __getstate__(self) -> dict[str, Any]:
        # The scope carries the names (every report, owner and theme the person may see:
        # far larger than the figures), which are cached on their own (`names_for`); a
        # board read back from the cache is given its reader's scope (`for_scope`).
        return {**self.__dict__, "scope": None}

    def for_scope(self, scope: Scope) -> Dashboard:
        """This board as seen in `scope`: the same figures, the reader's names."""
        return replace(self, scope=scope)

    @property
    def total(self) -> int:
        return self.counts["total"]

    @property
    def rag_pairs(self) -> list[tuple[Figure, Figure]]:
        """Each rating with the force's count and the OPCC's beside it."""
        return list(zip(self.rag, self.opcc_rag, strict=True))

    def forecast_links(self) -> dict[str, str]:
        return {
            "open": self.scope.link(kind=FindingKind.RECOMMENDATION, status="open"),
            "finished": self.scope.link(
                kind=FindingKind.RECOMMENDATION,
                closed_from=self.forecast.window_start,
                closed_to=self.forecast.today,
            ),
        }

    def chart_data(self) -> dict[str, Any]:
        """Everything the charts draw, for `json_script`: labels, values and drill-down links."""
        statuses = list(Status)
        return {
            "kindStatus": {
                "labels": [row.kind.label for row in self.matrix],
                "datasets": [
                    {
                        "label": status.label,
                        "data": [row.cells[i].value for row in self.matrix],
                        "links": [row.cells[i].link for row in self.matrix],
                    }
                    for i, status in enumerate(statuses)
                ],
            },
            "rag": {
                "labels": [figure.label for figure in self.rag],
                "datasets": [
                    {
                        "label": "Force's RAG",
                        "data": [figure.value for figure in self.rag],
                        "links": [figure.link for figure in self.rag],
                    },
                    {
                        "label": "OPCC's rating",
                        "data": [figure.value for figure in self.opcc_rag],
                        "links": [figure.link for figure in self.opcc_rag],
                    },
                ],
            },
            "burnUp": {
                "labels": [f"{month.month:%b %Y}" for month in self.burn_up],
                "datasets": [
                    {
                        "label": "Opened (running total)",
                        "type": "line",
                        "data": [month.opened_total for month in self.burn_up],
                        "links": [month.opened.link for month in self.burn_up],
                    },
                    {
                        "label": "Closed (running total)",
                        "type": "line",
                        "data": [month.closed_total for month in self.burn_up],
                        "links": [month.closed.link for month in self.burn_up],
                    },
                    {
                        "label": "Recommendations due that month (HMICFRS deadlines)",
                        "type": "bar",
                        "data": [month.due.value for month in self.burn_up],
                        "links": [month.due.link for month in self.burn_up],
                    },
                ],
            },
            "themes": {
                "labels": [row.label for row in self.breakdowns.themes],
                "datasets": [
                    {
                        "label": "Open",
                        "data": [row.open.value for row in self.breakdowns.themes],
                        "links": [row.open.link for row in self.breakdowns.themes],
                    },
                    {
                        "label": "Overdue",
                        "data": [row.overdue.value for row in self.breakdowns.themes],
                        "links": [row.overdue.link for row in self.breakdowns.themes],
                    },
                ],
            },
        }


def dashboard(scope: Scope, *, at_risk_limit: int = TOP, for_pack: bool = False) -> Dashboard:
    """Every figure for the scope; the pack wants more at-risk items, with their latest update."""
    if tallies.kept_per_force(scope):
        rows = tallies.all_forces_rows(scope, grouped_rows)
    else:
        rows = grouped_rows(scope)
    status_rows, where_rows = split_rows(rows)
    counts = totals(scope, status_rows)
    breakdowns = _breakdowns(scope, where_rows)
    projection = forecast(
        _queue(counts), today=scope.today, finished=counts["recommendations_finished_recently"]
    )
    engage, forces_in_engage = engage_panel(scope)
    return Dashboard(
        scope=scope,
        counts=counts,
        headline=_headline(scope, counts, breakdowns.unowned_open),
        matrix=_matrix(scope, counts),
        rag=_rag(scope, counts),
        opcc_rag=_opcc_rag(scope, counts),
        breakdowns=breakdowns,
        burn_up=_burn_up(scope, counts, breakdowns.report_totals),
        forecast=projection,
        at_risk=_at_risk_items(scope, projection, at_risk_limit, latest_updates=for_pack),
        engage=engage,
        forces_in_engage=forces_in_engage,
        s55=s55_tracker(scope),
    )
