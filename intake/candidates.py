"""A finding about to be created, whichever way it came in, and what can be wrong with one.

The review screen's findings (`drafts.DraftFinding`) and a spreadsheet's rows
(`spreadsheets.read_spreadsheet`) are both `Candidate`s, and `imports.check`,
`imports.findings_import` and `imports.draft_save` take them. The rules on a finding's
shape (what may sit under a cause of concern, what may have a deadline) are the
service's; the helpers here only ask it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recommendations import dates, services
from recommendations.models import FindingKind


def date_out_of_range(value: date, *, today: date) -> str:
    """The message for a date outside the range a person may enter (the domain's rule,
    `recommendations.dates`), or "" for one inside it."""
    if dates.EARLIEST <= value <= dates.latest_enterable(today):
        return ""
    return dates.out_of_range_message(today)


@dataclass(frozen=True)
class RowError:
    """One problem: the line (a spreadsheet's row, the header being line 1; or a finding's
    position on the review screen), the column it is in ("" for the whole row) and what is
    wrong."""

    line: int
    column: str
    message: str


@dataclass(kw_only=True)
class Candidate:
    """One finding to bring in, as written. `kind` is "" when a spreadsheet's cell was not a
    kind (that problem is reported where the cell was read)."""

    reference: str
    kind: str
    text: str
    timeframe: str = ""
    due_on: date | None = None
    addressee: str = ""
    # Its cause of concern: one in the same batch or in the report, by reference (as a
    # spreadsheet names it), or one already in the report, by id (as the review links it).
    parent_reference: str = ""
    parent_pk: int | None = None
    owner_username: str = ""
    opcc_lead_username: str = ""
    themes: tuple[str, ...] = ()
    # Where it stands in what was brought in, for messages about it (see RowError.line).
    line: int = 0

    @property
    def kind_label(self) -> str:
        return FindingKind(self.kind).label if self.kind in FindingKind.values else ""

    @property
    def is_cause_of_concern(self) -> bool:
        return self.kind == FindingKind.CAUSE_OF_CONCERN


def takes_a_deadline(kind: str) -> bool:
    """May a finding of this kind have a due date? (A cause of concern has none.)"""
    shape = services.finding_shape_errors(kind=kind, parent_kind=None, has_due_date=True)
    return "due_on" not in shape


def sits_under_a_cause(kind: str) -> bool:
    """May a finding of this kind sit under a cause of concern? (Only a recommendation.)"""
    shape = services.finding_shape_errors(
        kind=kind, parent_kind=FindingKind.CAUSE_OF_CONCERN, has_due_date=False
    )
    return "parent" not in shape
