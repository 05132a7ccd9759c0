"""Every count on the dashboard, from one SQL statement, and the totals made of it.

`grouped_rows` groups the findings in scope four ways in one UNION ALL; the
dashboard sums the rows in Python (`split_rows`, `totals`). Across all forces the
rows are kept per force between looks (`tallies.py`), which is why the rows can
also be grouped by force. The rules (open, overdue …) are in `recommendations.rules`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncMonth

from dashboards import measures
from dashboards.forecast import FORECAST_WEEKS
from recommendations import rules
from recommendations.filters import NOT_RATED
from recommendations.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Finding,
    FindingKind,
    Status,
)

if TYPE_CHECKING:
    from dashboards.scope import Scope


@dataclass(frozen=True)
class Figure:
    """One number, what it counts, and the findings list that shows those findings."""

    label: str
    value: int
    link: str
    note: str = ""

    @property
    def shown(self) -> str:
        return f"{self.value:,}"


@dataclass
class Counts:
    """Totals derived from the status rows of `grouped_rows`."""

    by_name: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    closed_by_month: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    due_by_month: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    queue: dict[date | None, int] = field(default_factory=lambda: defaultdict(int))

    def __getitem__(self, name: str) -> int:
        return self.by_name[name]


# The grouped rows' columns. Each part of the UNION fills its own and leaves the rest NULL.
_STATUS_COLUMNS = (
    "f_kind",
    "f_status",
    "f_rag",
    "f_opcc_rag",
    "f_overdue",
    "f_due_soon",
    "f_challenged",
    "f_recent",
    "f_day",
)
_WHERE_COLUMNS = ("f_key", "f_owner")
_WHERE_COUNTS = ("n_open", "n_overdue")
_GROUPED = (*_STATUS_COLUMNS, *_WHERE_COLUMNS, "f_force")
_COLUMNS = ("series", *_GROUPED, "n", *_WHERE_COUNTS)
# Where each part is in a row of `_COLUMNS`: the counts (after the grouping), the force
# (the grouping's last column: everything before it keys a count kept per force), …
COUNTS = slice(1 + len(_GROUPED), None)
FORCE = _COLUMNS.index("f_force")
_STATUS = slice(1, 1 + len(_STATUS_COLUMNS))
_KEY, _OWNER = _COLUMNS.index("f_key"), _COLUMNS.index("f_owner")
_STATUS_SERIES = frozenset({"flags", "due"})


class _TypedNull(Value):
    """NULL with its type spelled out, which UNION needs (PostgreSQL reads a bare NULL as
    text). A Value, so Django leaves it out of GROUP BY: a narrower grouping lets
    PostgreSQL hash rather than sort."""

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        return f"CAST(NULL AS {self.output_field.cast_db_type(connection)})", []


def _null(column: str) -> Value:
    """NULL for a column a part does not fill."""
    if column in ("f_kind", "f_status", "f_rag", "f_opcc_rag"):
        output: Any = CharField()
    elif column == "f_day":
        output = DateField()
    elif column in ("f_key", "f_owner", "f_force", *_WHERE_COUNTS):
        output = BigIntegerField()
    else:
        output = BooleanField()
    return _TypedNull(None, output_field=output)


def _part(findings: QuerySet[Finding], series: str, groups: dict, counts: dict) -> QuerySet:
    """One GROUP BY of the UNION: `groups` name the grouped columns, `counts` the counted ones."""
    grouped = {name: groups.get(name, _null(name)) for name in _GROUPED}
    counted = {name: counts.get(name, _null(name)) for name in ("n", *_WHERE_COUNTS)}
    return (
        findings.values(series=Value(series), **grouped).annotate(**counted).values_list(*_COLUMNS)
    )


def grouped_rows(scope: Scope, *, forces: list[int | None] | None = None) -> list[tuple]:
    """Every count the dashboard shows, as grouped rows from one statement (UNION ALL).

    With `forces`, only those forces' findings, and every row says its force
    (`f_force`): the all-forces dashboard keeps its counts per force (`tallies`).

    Four GROUP BYs; PostgreSQL can run them in parallel:

    - "flags": findings by kind, status, RAG, whether overdue, due soon,
      challenged or finished in the forecast window (each a rule of `recommendations.rules`),
      and the month they were closed. A few hundred rows at most.
    - "due": recommendations by due date and whether open, for the deadlines per
      month and the forecast's queue.
    - "report": findings by (report, owner), which is few rows (an owner works on a
      handful of reports) and gives both breakdowns.
    - "theme": findings by theme (a finding may have several, hence its own part).

    Grouping in SQL and summing in Python beats forty `COUNT(*) FILTER` columns:
    each rule is evaluated once per row.
    """
    today = scope.today
    window_start = today - timedelta(days=7 * FORECAST_WEEKS - 1)
    findings = scope.findings().with_finished_on()
    by_force = {}
    if forces is not None:
        of_forces = Q(force_id__in=[f for f in forces if f is not None])
        if None in forces:
            of_forces |= Q(force__isnull=True)
        findings = findings.filter(of_forces)
        by_force = {"f_force": F("force_id")}

    def flag(q: Q) -> ExpressionWrapper:
        return ExpressionWrapper(q, output_field=BooleanField())

    no = Value(False, output_field=BooleanField())
    flags = _part(
        findings,
        "flags",
        {
            "f_kind": F("kind"),
            "f_status": F("status"),
            # RAG matters only while a finding is open; leaving it out of finished rows
            # keeps them few.
            "f_rag": Case(When(rules.open_q(), then=F("rag")), default=Value("")),
            # The OPCC's own rating beside the force's (issue 16, item 6).
            "f_opcc_rag": Case(When(rules.open_q(), then=F("opcc_rag")), default=Value("")),
            "f_overdue": flag(rules.overdue_q(today=today)),
            "f_due_soon": flag(rules.due_soon_q(today=today)),
            "f_challenged": flag(rules.challenged_q()),
            "f_recent": flag(rules.finished_between_q(window_start, today)),
            "f_day": Case(
                # Cast: DATE_TRUNC gives a timestamp, and inside CASE nothing converts it back.
                When(
                    status__in=FINISHED_STATUSES,
                    then=Cast(TruncMonth("finished_on"), DateField()),
                ),
                output_field=DateField(),
            ),
            **by_force,
        },
        {"n": Count("pk")},
    )
    due = _part(
        findings.filter(kind=FindingKind.RECOMMENDATION),
        "due",
        {
            "f_kind": F("kind"),
            # Only open or not matters here: status collapses to two values, fewer rows.
            "f_status": Case(When(rules.open_q(), then=Value("open")), default=Value("")),
            "f_rag": Value(""),
            "f_opcc_rag": Value(""),
            "f_overdue": no,
            "f_due_soon": no,
            "f_challenged": no,
            "f_recent": no,
            "f_day": F("due_on"),
            **by_force,
        },
        {"n": Count("pk")},
    )
    where_counts = {
        "n": Count("pk"),
        "n_open": Count("pk", filter=rules.open_q()),
        "n_overdue": Count("pk", filter=rules.overdue_q(today=today)),
    }
    by_report_and_owner = _part(
        findings,
        "report",
        # Unowned findings (`rules.unowned_q`: a deactivated owner too) count under no
        # owner, as the "Unowned" figure and the list's "No owner" filter do.
        {
            "f_key": F("report_id"),
            "f_owner": Case(
                When(rules.unowned_q(), then=_null("f_owner")),
                default=F("owner_id"),
                output_field=BigIntegerField(),
            ),
            **by_force,
        },
        where_counts,
    )
    by_theme = _part(findings, "theme", {"f_key": F("themes__id"), **by_force}, where_counts)
    return list(flags.union(due, by_report_and_owner, by_theme, all=True))


def split_rows(rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """The status rows ("flags", "due") and the where rows ("report", "theme") of
    `grouped_rows`, each with only the columns its reader uses."""
    status_rows, where_rows = [], []
    for row in rows:
        series, (n, n_open, n_overdue) = row[0], row[COUNTS]
        if series in _STATUS_SERIES:
            status_rows.append((series, *row[_STATUS], n))
        else:
            where_rows.append((series, row[_KEY], row[_OWNER], n, n_open or 0, n_overdue or 0))
    return status_rows, where_rows


def totals(scope: Scope, rows: list[tuple]) -> Counts:
    """Totals from the status rows of `grouped_rows`."""
    quarter_start, quarter_end = measures.quarter_bounds(scope.today)
    counts = Counts()
    total = counts.by_name
    for series, kind, status, rag, opcc_rag, overdue, due_soon, challenged, recent, day, n in rows:
        if series == "due":
            if day is not None:
                counts.due_by_month[day.replace(day=1)] += n
            if status == "open":
                counts.queue[day] += n
            continue
        total["total"] += n
        total[f"ks:{kind}:{status}"] += n
        if status in OPEN_STATUSES:
            total["open"] += n
            total[f"rag:{rag or NOT_RATED}"] += n
            total[f"opcc_rag:{opcc_rag or NOT_RATED}"] += n
            if kind == FindingKind.RECOMMENDATION:
                total["recommendations_open"] += n
        # A flag is NULL, not false, when a compared date is missing: as in WHERE, not counted.
        total["overdue"] += n if overdue else 0
        total["due_soon"] += n if due_soon else 0
        total["challenged"] += n if challenged else 0
        if status == Status.REPORTED_COMPLETE:
            total["awaiting_assurance"] += n
        if status in FINISHED_STATUSES:
            if day is None:
                total["finished_undated"] += n
            else:
                counts.closed_by_month[day] += n
                if quarter_start <= day <= quarter_end:
                    total["closed_this_quarter"] += n
            if recent and kind == FindingKind.RECOMMENDATION:
                total["recommendations_finished_recently"] += n
    return counts
