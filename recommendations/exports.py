"""CSV and XLSX exports of the findings list, with each finding's latest progress update.

The caller fetches the findings (with the current filters) and this module only formats them,
so a row must never trigger a query: everything comes from `select_related`, the prefetched
`themes` and the prefetched `latest_updates` list (zero or one `ProgressUpdate`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from io import BytesIO

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from recommendations.hmicfrs import in_hmicfrs_terms
from recommendations.models import Finding, User

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_DATE_FORMAT = "dd/mm/yyyy"

# (header label, XLSX column width in characters), in column order.
_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Report", 40),
    ("Force", 24),
    ("Kind", 20),
    ("Reference", 11),
    ("Finding", 60),
    ("Parent", 9),
    ("Timeframe", 20),
    ("Original due date", 17),
    ("Due date", 12),
    ("Overdue", 9),
    ("Status", 18),
    ("RAG", 7),
    ("OPCC rating", 12),
    ("Owner", 20),
    ("OPCC lead", 20),
    ("Themes", 30),
    ("Latest update as at", 19),
    ("Latest update RAG", 17),
    ("Latest update", 60),
    ("Latest update by", 20),
    ("HMICFRS ID", 12),
    ("Status in HMICFRS's terms", 26),
    ("HMICFRS status as recorded", 26),
    ("HMICFRS status checked on", 26),
    ("Closed by HMICFRS on", 20),
    ("How HMICFRS closed it", 30),
)
EXPORT_COLUMNS: tuple[str, ...] = tuple(label for label, _width in _COLUMNS)

# OWASP "CSV injection": spreadsheet programs treat a cell starting with one of
# these as a formula (tab and carriage return can hide a formula behind them).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses to open a workbook with a longer cell, so truncate rather than corrupt.
_XLSX_MAX_CELL_CHARS = 32_767


def neutralise(value: object) -> object:
    """Spreadsheet formula injection guard (OWASP CSV injection).

    A str starting with =, +, -, @, tab or carriage return gets a leading apostrophe (');
    other values, numbers and dates included, are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _person(user: User | None) -> str:
    return str(user) if user is not None else ""


def _raw_row(finding: Finding, *, today: date) -> list[object]:
    # Only `latest_updates` and the prefetched themes: `.updates` or a filtered
    # `themes` would bypass the prefetch and cost a query per row.
    latest = finding.latest_updates[0] if finding.latest_updates else None
    return [
        finding.report.title,
        str(finding.force) if finding.force is not None else "",
        finding.get_kind_display(),
        finding.reference,
        finding.text,
        finding.parent.reference if finding.parent_id is not None else "",
        finding.timeframe,
        finding.original_due_on,
        finding.due_on,
        "Yes" if finding.is_overdue(today=today) else "No",
        finding.get_status_display(),
        finding.get_rag_display() if finding.rag else "",
        finding.get_opcc_rag_display() if finding.opcc_rag else "",
        finding.owner_label,
        _person(finding.opcc_lead),
        "; ".join(theme.name for theme in finding.themes.all()),
        latest.as_at if latest else None,
        latest.get_rag_display() if latest else "",
        latest.narrative if latest else "",
        _person(latest.author) if latest else "",
        finding.hmicfrs_id,
        in_hmicfrs_terms(finding.status).label,
        finding.get_hmicfrs_status_display() if finding.hmicfrs_status else "",
        finding.hmicfrs_status_checked_on,
        finding.closed_on,
        finding.get_closure_basis_display() if finding.closure_basis else "",
    ]


def finding_rows(findings: Iterable[Finding], *, today: date) -> Iterator[list[object]]:
    """One row per finding, values in EXPORT_COLUMNS order, already neutralised.

    Dates stay `date` objects and a missing date stays None, for each writer to format.
    """
    for finding in findings:
        yield [neutralise(value) for value in _raw_row(finding, today=today)]


def _attachment_response(content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    # Django's helper quotes/escapes the name (and uses filename*= for non-ASCII).
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    # The export holds force data: keep it out of shared and browser caches.
    response["Cache-Control"] = "no-store, private"
    return response


def _csv_value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def findings_csv_response(
    findings: Iterable[Finding], *, today: date, filename: str
) -> HttpResponse:
    response = _attachment_response(CSV_CONTENT_TYPE, f"{filename}.csv")
    # Without the BOM, Excel reads UTF-8 as the local code page and mangles "–" and "’".
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    for row in finding_rows(findings, today=today):
        writer.writerow([_csv_value(value) for value in row])
    return response


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> WriteOnlyCell:
    if isinstance(value, str):
        # openpyxl raises on control characters that XML cannot hold, so drop them,
        # and guard again in case dropping them uncovered a leading "=".
        value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)[:_XLSX_MAX_CELL_CHARS])
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Belt and braces: neutralise() already stops a leading "=", but a string
        # must never be stored as a formula whatever it starts with.
        cell.data_type = "s"
    elif isinstance(value, date):
        cell.number_format = XLSX_DATE_FORMAT
    return cell


def _xlsx_header(sheet: WriteOnlyWorksheet, labels: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for label in labels:
        cell = _xlsx_cell(sheet, label)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def findings_xlsx_response(
    findings: Iterable[Finding], *, today: date, filename: str
) -> HttpResponse:
    # Write-only mode streams rows instead of holding every cell object in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Findings")
    # In write-only mode, column widths and panes must be set before any row is written.
    for index, (_label, width) in enumerate(_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(_xlsx_header(sheet, EXPORT_COLUMNS))
    count = 0
    for row in finding_rows(findings, today=today):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1

    about = workbook.create_sheet("About")
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 12
    about.append([*_xlsx_header(about, ["Exported on"]), _xlsx_cell(about, today)])
    about.append([*_xlsx_header(about, ["Rows"]), _xlsx_cell(about, count)])

    buffer = BytesIO()
    workbook.save(buffer)
    response = _attachment_response(XLSX_CONTENT_TYPE, f"{filename}.xlsx")
    response.write(buffer.getvalue())
    return response
