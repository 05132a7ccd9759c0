"""Bringing many findings into a report at once: from a spreadsheet, or from the review screen.

Every import is all-or-nothing (RELIABILITY.md §C3). Every row is checked first and every
problem is reported with its line number, its column and what is wrong; duplicates (within
the file and against the report's existing findings) are among those problems. If there is
any problem, nothing is written. The write runs in one transaction, with the report's row
locked so that two imports into one report cannot interleave, and repeats the checks inside
it, so a finding added since the preview is still caught.

- `spreadsheets.read_spreadsheet(data, filename)` parses CSV or XLSX bytes (no
  database) into `Candidate`s plus the problems found in the cells.
- `check(report, candidates)` resolves parents, people and themes and finds duplicates with
  a fixed number of queries, whatever the number of rows. The rules on a finding's shape
  are the service's (`services.finding_shape_errors`), and so are their messages; owners
  and OPCC leads are looked up as the forms list them (`User.objects.owner_candidates`,
  `opcc_lead_candidates`).
- `findings_import(...)` writes a spreadsheet with bulk inserts (history included, through
  simple-history's `bulk_create_with_history`); `draft_save(...)` writes the review screen's
  findings one by one through `services.finding_create`. Both raise `ImportRejected`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from audit import services as audit
from intake.candidates import Candidate, RowError, date_out_of_range, sits_under_a_cause
from intake.spreadsheets import (
    COLUMN_NAMES,
    LIMITS,
    REQUIRED,
    REQUIRED_COLUMNS,
    TOO_LONG,
    Sheet,
    shorten,
)
from recommendations import plaintext, services, signals
from recommendations.models import Finding, FindingKind, Report, Theme, User

# Rows per INSERT. A 5,000-row file is one statement per table; the cap keeps any one
# statement to a bounded size.
BATCH_SIZE = 5_000


# simple-history's change reason column holds 100 characters.
_REASON_CHARS = 100
DUPLICATE_IN_FILE = "The reference “{reference}” is used again: it was first used on line {line}."
DUPLICATE_EXISTING = "This report already has a finding numbered “{reference}”."
PARENT_NOT_FOUND = "There is no cause of concern “{reference}” in this file or in the report."
# The service's message about the parent, said of the parent the row names.
PARENT_NAMED = "“{reference}” is a {kind}. {problem}"
PARENT_GONE = "The cause of concern it sat under is no longer in this report."
# Where the service's message about a field is shown.
_SHAPE_COLUMNS = {"parent": "parent_reference", "due_on": "due_on"}
NO_SUCH_OWNER = (
    "No force lead or OPCC staff member who can own this report's findings has the username "
    "“{value}”."
)
NO_SUCH_OPCC_LEAD = (
    "No OPCC staff member who can see this report's findings has the username “{value}”."
)
NO_SUCH_THEME = (
    "There is no theme called “{value}”. Check the spelling, or ask an administrator to add it."
)
NOT_SAVED = "{reference} could not be saved: {problem}"


class ImportRejected(Exception):
    """Nothing was written, because of these problems."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} problem(s); nothing was imported.")


@dataclass
class Planned:
    """A candidate that passed every check, with its links resolved to ids."""

    candidate: Candidate
    parent_pk: int | None = None
    # The casefolded reference of a cause of concern created by the same import.
    parent_new: str = ""
    owner_id: int | None = None
    opcc_lead_id: int | None = None
    theme_ids: tuple[int, ...] = ()


# Who a username may name: the people the finding forms offer for that role
# (User.objects.owner_candidates / opcc_lead_candidates), the field it fills, and the
# message when it names nobody among them.
_PEOPLE: dict[str, tuple[Callable[[int | None], QuerySet[User]], str, str]] = {
    "owner_username": (
        lambda force_id: User.objects.owner_candidates(force_id),
        "owner_id",
        NO_SUCH_OWNER,
    ),
    "opcc_lead_username": (
        lambda force_id: User.objects.opcc_lead_candidates(force_id),
        "opcc_lead_id",
        NO_SUCH_OPCC_LEAD,
    ),
}


@dataclass
class Plan:
    rows: list[Planned]
    errors: list[RowError]

    def counts(self) -> dict[str, int]:
        return {k: sum(r.candidate.kind == k for r in self.rows) for k in FindingKind.values}


def check(
    report: Report,
    candidates: Sequence[Candidate],
    *,
    errors: Iterable[RowError] = (),
    today: date | None = None,
) -> Plan:
    """Check every candidate against the rules and the report's existing findings.

    A fixed number of queries (existing findings, owners, OPCC leads, themes), whatever the
    number of rows. `errors` are problems already found while reading; the result holds
    those and all new ones, sorted by line and column. `today` (default: the local date)
    bounds the due dates accepted.
    """
    today = today or timezone.localdate()
    problems = list(errors)
    # A cell already reported while reading (an unknown kind, say) is not reported twice.
    reported = {(e.line, e.column) for e in problems}
    existing = {
        reference.casefold(): (pk, kind)
        for pk, reference, kind in report.findings.values_list("pk", "reference", "kind")
    }
    first_use: dict[str, Candidate] = {}
    for candidate in candidates:
        problems += [
            p for p in _row_problems(candidate, today) if (p.line, p.column) not in reported
        ]
        key = candidate.reference.casefold()
        if not key:
            continue
        if key in first_use:
            problems.append(_dup(candidate, DUPLICATE_IN_FILE, line=first_use[key].line))
        else:
            first_use[key] = candidate
            if key in existing:
                problems.append(_dup(candidate, DUPLICATE_EXISTING))

    people = {
        column: _usernames(choices(report.force_id), {getattr(c, column) for c in candidates})
        for column, (choices, _field, _message) in _PEOPLE.items()
    }
    themes = _themes({t for c in candidates for t in c.themes})

    rows = []
    for candidate in candidates:
        planned = Planned(candidate)
        problems += _resolve_parent(candidate, planned, first_use, existing)
        for column, (_choices, field_name, message) in _PEOPLE.items():
            username = getattr(candidate, column)
            if not username:
                continue
            setattr(planned, field_name, people[column].get(username))
            if getattr(planned, field_name) is None:
                problems.append(
                    RowError(candidate.line, column, message.format(value=shorten(username)))
                )
        theme_ids = []
        for name in candidate.themes:
            theme_id = themes.get(name.casefold())
            if theme_id is None:
                problems.append(
                    RowError(candidate.line, "themes", NO_SUCH_THEME.format(value=shorten(name)))
                )
            elif theme_id not in theme_ids:
                theme_ids.append(theme_id)
        planned.theme_ids = tuple(theme_ids)
        rows.append(planned)
    order = {name: i for i, name in enumerate(COLUMN_NAMES)}
    problems.sort(key=lambda e: (e.line, order.get(e.column, -1 if e.column == "" else 99)))
    return Plan(rows=rows, errors=problems)


def _dup(candidate: Candidate, message: str, **params: object) -> RowError:
    return RowError(
        candidate.line,
        "reference",
        message.format(reference=shorten(candidate.reference), **params),
    )


def _row_problems(candidate: Candidate, today: date) -> list[RowError]:
    problems = []
    out_of_range = candidate.due_on and date_out_of_range(candidate.due_on, today=today)
    if out_of_range:
        problems.append(RowError(candidate.line, "due_on", out_of_range))
    for column in REQUIRED_COLUMNS:
        if not getattr(candidate, column):
            problems.append(RowError(candidate.line, column, REQUIRED.format(column=column)))
    for column, limit in LIMITS.items():
        length = len(getattr(candidate, column))
        if length > limit:
            problems.append(
                RowError(candidate.line, column, TOO_LONG.format(length=length, limit=limit))
            )
    return problems


def _resolve_parent(
    candidate: Candidate,
    planned: Planned,
    in_file: dict[str, Candidate],
    existing: dict[str, tuple[int, str]],
) -> list[RowError]:
    """Link the candidate to its cause of concern, and check its shape with the service."""
    line, column = candidate.line, "parent_reference"
    parent_kind: str | None = None
    if candidate.parent_pk is not None:
        parent_kind = dict(existing.values()).get(candidate.parent_pk)
        if parent_kind is None:
            return [RowError(line, column, PARENT_GONE)]
        planned.parent_pk = candidate.parent_pk
    elif reference := candidate.parent_reference:
        key = reference.casefold()
        if key in in_file:
            parent_kind = in_file[key].kind
            planned.parent_new = key
        elif key in existing:
            planned.parent_pk, parent_kind = existing[key]
        else:
            return [RowError(line, column, PARENT_NOT_FOUND.format(reference=shorten(reference)))]
    if not candidate.kind:
        return []  # not a kind: reported where the cell was read
    if parent_kind == "":
        # Nor is the parent's, which its own line reports; judge this row as if it were.
        parent_kind = FindingKind.CAUSE_OF_CONCERN
    shape = services.finding_shape_errors(
        kind=candidate.kind, parent_kind=parent_kind, has_due_date=candidate.due_on is not None
    )
    return [
        RowError(line, _SHAPE_COLUMNS[name], _named(candidate, name, problem, parent_kind))
        for name, problem in shape.items()
    ]


def _named(candidate: Candidate, name: str, problem: str, parent_kind: str | None) -> str:
    """The service's message. When the trouble is the parent's kind, it names the parent."""
    reference = candidate.parent_reference
    if name != "parent" or not parent_kind or not reference:
        return problem
    if not sits_under_a_cause(candidate.kind):
        return problem  # the trouble is this row's kind, whatever the parent
    label = FindingKind(parent_kind).label.lower()
    return PARENT_NAMED.format(reference=shorten(reference), kind=label, problem=problem)


def _usernames(users: QuerySet[User], wanted: set[str]) -> dict[str, int]:
    wanted.discard("")
    if not wanted:
        return {}
    return dict(users.filter(username__in=wanted).values_list("username", "pk"))


def _themes(wanted: set[str]) -> dict[str, int]:
    """Themes by name or slug, compared without case. One query, only if any are named."""
    if not wanted:
        return {}
    found = {}
    for pk, name, slug in Theme.objects.values_list("pk", "name", "slug"):
        found[slug.casefold()] = pk
        found[name.casefold()] = pk
    return found


def _lock(report: Report) -> None:
    """Serialise imports into one report: the second waits, then sees the first's rows."""
    Report.objects.select_for_update().filter(pk=report.pk).values_list("pk", flat=True).get()


@transaction.atomic
def findings_import(
    *, report: Report, sheet: Sheet, by: User | None, now: datetime | None = None
) -> list[Finding]:
    """Write a spreadsheet's findings, all or none. Raises ImportRejected.

    Queries: a lock and the checks' four reads; then, per ⌈rows / BATCH_SIZE⌉, one INSERT
    of findings and one of their history for causes of concern and again for the rest
    (so recommendations can carry their parent's id from the start, and the history
    records the parent); and, if any row names themes, one INSERT of links, one read of
    the new history ids and one INSERT of the themes' history.
    """
    _lock(report)
    plan = check(report, sheet.candidates, errors=sheet.errors)
    if plan.errors:
        raise ImportRejected(plan.errors)
    # Bulk inserts send no model signals: say that the data changed, once committed.
    signals.announce_bulk_change_on_commit()
    now = now or timezone.now()
    reason = f"Imported from {sheet.name}"[:_REASON_CHARS]

    def create(rows: list[Planned], new_parents: dict[str, int]) -> list[Finding]:
        objs = [_finding(report, row, new_parents) for row in rows]
        if not objs:
            return []
        return bulk_create_with_history(
            objs,
            Finding,
            batch_size=BATCH_SIZE,
            default_user=by,
            default_change_reason=reason,
            default_date=now,
        )

    causes = [r for r in plan.rows if r.candidate.kind == FindingKind.CAUSE_OF_CONCERN]
    others = [r for r in plan.rows if r.candidate.kind != FindingKind.CAUSE_OF_CONCERN]
    created_causes = create(causes, {})
    new_parents = {
        row.candidate.reference.casefold(): finding.pk
        for row, finding in zip(causes, created_causes, strict=True)
    }
    created_others = create(others, new_parents)
    pairs = [
        *zip(causes, created_causes, strict=True),
        *zip(others, created_others, strict=True),
    ]
    _link_themes(pairs)
    # Bulk inserts send no signals, so the audit trail's per-row events do not fire:
    # one event, in the same transaction, says who brought in what.
    audit.record(
        audit.Event.FINDINGS_IMPORTED,
        user=by,
        obj=report,
        detail={"file": sheet.name, "findings": len(pairs), "by_kind": plan.counts()},
    )
    by_line = {row.candidate.line: finding for row, finding in pairs}
    return [by_line[row.candidate.line] for row in plan.rows]


def _fields(row: Planned) -> dict[str, object]:
    """A checked candidate's values as a finding's fields (its parent aside), for both
    ways of writing one."""
    candidate = row.candidate
    # As a form would clean them: no bidi controls, and no line breaks in single lines.
    return {
        "kind": candidate.kind,
        "reference": plaintext.single_line(candidate.reference),
        "text": plaintext.multi_line(candidate.text),
        "addressee": plaintext.single_line(candidate.addressee),
        "timeframe": plaintext.single_line(candidate.timeframe),
        "due_on": candidate.due_on,
        "owner_id": row.owner_id,
        "opcc_lead_id": row.opcc_lead_id,
    }


def _finding(report: Report, row: Planned, new_parents: dict[str, int]) -> Finding:
    """The unsaved finding a bulk insert writes; `services.finding_create` sets the same
    force and original due date for one created singly."""
    fields = _fields(row)
    return Finding(
        report=report,
        force=report.force,
        parent_id=row.parent_pk or new_parents.get(row.parent_new),
        original_due_on=fields["due_on"],
        **fields,
    )


def _link_themes(pairs: list[tuple[Planned, Finding]]) -> None:
    """Theme links, and their history rows, so that each finding's first historical record
    shows the themes it was imported with (as a form save would)."""
    through = Finding.themes.through
    links = [
        through(finding_id=finding.pk, theme_id=theme_id)
        for row, finding in pairs
        for theme_id in row.theme_ids
    ]
    if not links:
        return
    links = through.objects.bulk_create(links, batch_size=BATCH_SIZE)
    history = Finding.history.model
    history_ids = dict(
        history.objects.filter(id__in={link.finding_id for link in links}).values_list(
            "id", "history_id"
        )
    )
    theme_history = history.themes.model
    theme_history.objects.bulk_create(
        [
            theme_history(
                history_id=history_ids[link.finding_id],
                id=link.pk,
                finding_id=link.finding_id,
                theme_id=link.theme_id,
            )
            for link in links
        ],
        batch_size=BATCH_SIZE,
    )


@transaction.atomic
def draft_save(*, report: Report, candidates: Sequence[Candidate], by: User) -> list[Finding]:
    """Create the review screen's findings through `services.finding_create`, all or none.

    Causes of concern are created first so that recommendations can name them as parents.
    Raises ImportRejected, with `line` the finding's position in the review.
    """
    _lock(report)
    plan = check(report, candidates)
    if plan.errors:
        raise ImportRejected(plan.errors)
    parents: dict[int, Finding] = Finding.objects.in_bulk(
        [row.parent_pk for row in plan.rows if row.parent_pk]
    )
    created: dict[int, Finding] = {}
    new_causes: dict[str, Finding] = {}
    ordered = sorted(plan.rows, key=lambda r: r.candidate.kind != FindingKind.CAUSE_OF_CONCERN)
    for row in ordered:
        candidate = row.candidate
        parent = parents.get(row.parent_pk) if row.parent_pk else new_causes.get(row.parent_new)
        try:
            finding = services.finding_create(
                report=report, created_by=by, parent=parent, themes=row.theme_ids, **_fields(row)
            )
        except ValidationError as exc:
            problem = " ".join(exc.messages)
            raise ImportRejected(
                [
                    RowError(
                        candidate.line,
                        "",
                        NOT_SAVED.format(reference=candidate.reference, problem=problem),
                    )
                ]
            ) from exc
        created[candidate.line] = finding
        if candidate.kind == FindingKind.CAUSE_OF_CONCERN:
            new_causes[candidate.reference.casefold()] = finding
    return [created[row.candidate.line] for row in plan.rows]
