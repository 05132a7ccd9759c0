"""Spreadsheets of findings: reading them, and the templates people fill in.

No database here. `read_spreadsheet(data, filename)` parses CSV or XLSX bytes into
`Candidate`s (intake/candidates.py) plus the problems found in the cells, each with its
line and column; `template_csv()` and `template_xlsx()` give the files to start from.
Checking the candidates against a report and writing them is `imports.py`'s.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from intake.candidates import Candidate, RowError, takes_a_deadline
from intake.extraction import parse_timeframe
from recommendations import textfiles, uploads
from recommendations.models import FindingKind

MB = 1024 * 1024
MAX_ROWS = 10_000
DEFAULT_MAX_MB = 10


def max_upload_bytes() -> int:
    """The spreadsheet size limit: OVERSIGHT_IMPORT_MAX_MB if set, else 10 MB."""
    return int(getattr(settings, "OVERSIGHT_IMPORT_MAX_MB", DEFAULT_MAX_MB)) * MB


NOT_A_SPREADSHEET = (
    "“{name}” is not a spreadsheet we can read. Upload a CSV (.csv) or Excel (.xlsx) file."
)
OLD_EXCEL = (
    "“{name}” is an old-style Excel workbook (.xls). Open it in Excel, save it as "
    "Excel Workbook (.xlsx) or CSV UTF-8, and upload that."
)
EMPTY = "“{name}” is empty. Check you chose the right file and upload it again."
CSV_MALFORMED = "“{name}” cannot be read as CSV ({problem}). Save it again as CSV UTF-8."
NOT_A_WORKBOOK = (
    "“{name}” cannot be opened as an Excel workbook: it is damaged or is not really an "
    ".xlsx file. Save it again from Excel, or as CSV UTF-8, and upload the new copy."
)
NO_HEADER = (
    "The first row of “{name}” must name the columns (reference, kind, text …), but it is "
    "blank. Download the template to see the layout."
)
NO_ROWS = "“{name}” has the column names but no findings below them."
TOO_MANY_ROWS = "“{name}” has more than {limit:,} findings. Split it into smaller files."
MISSING_COLUMN = (
    "There is no “{column}” column. The first row must name the columns; see the template."
)
UNKNOWN_COLUMN = "“{header}” is not a column we know. The columns are: {columns}."
REPEATED_COLUMN = "The “{column}” column appears more than once."
REQUIRED = "This is empty. Every finding needs a {column}."
TOO_LONG = "This is {length} characters long; the most allowed is {limit}."
UNKNOWN_KIND = (
    "“{value}” is not a kind of finding. "
    "Use cause_of_concern, recommendation or area_for_improvement."
)
BAD_DATE = (
    "“{value}” is not a date. Use YYYY-MM-DD or DD/MM/YYYY, for example 2025-06-30 or 30/06/2025."
)
IMPOSSIBLE_DATE = "“{value}” is not a real date."
NUMBER_NOT_DATE = (
    "This cell holds a number, not a date. Format the cell as a date, or type the date as "
    "DD/MM/YYYY."
)


class SpreadsheetError(Exception):
    """A file that cannot be read at all. `message` is written for the uploader."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str
    example: str
    max_length: int | None = None


COLUMNS: tuple[Column, ...] = (
    Column(
        "reference", True, "As numbered in the report, e.g. R3. Unique in the report.", "R1", 30
    ),
    Column(
        "kind",
        True,
        "cause_of_concern, recommendation or area_for_improvement "
        "(“Area for improvement”, “CoC” and “AFI” are understood too).",
        "recommendation",
    ),
    Column("text", True, "The finding's full text.", "The force should …"),
    Column(
        "parent_reference",
        False,
        "For a recommendation: the reference of the cause of concern it answers, "
        "in this file or already in the report.",
        "CoC1",
        30,
    ),
    Column("addressee", False, "Who it is addressed to.", "the force", 200),
    Column("timeframe", False, "The timeframe as written.", "Within three months", 200),
    Column(
        "due_on",
        False,
        "YYYY-MM-DD or DD/MM/YYYY. Leave it empty to work it out from the timeframe and the "
        "report's publication date. Never for a cause of concern.",
        "30/06/2025",
    ),
    Column("owner_username", False, "Username of the force owner.", "jsmith"),
    Column("opcc_lead_username", False, "Username of the OPCC lead.", "opcc"),
    Column(
        "themes",
        False,
        "Theme names separated by semicolons; each theme must already exist.",
        "Call handling; Vulnerability",
    ),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS = tuple(column.name for column in COLUMNS if column.required)
LIMITS = {column.name: column.max_length for column in COLUMNS if column.max_length}


# Headings people write instead of ours (after lower-casing and turning spaces into _).
_ALIASES = {
    "ref": "reference",
    "type": "kind",
    "finding": "text",
    "parent": "parent_reference",
    "cause_of_concern": "parent_reference",
    "due": "due_on",
    "due_date": "due_on",
    "owner": "owner_username",
    "opcc_lead": "opcc_lead_username",
    "theme": "themes",
}
_KINDS = {
    "cause of concern": FindingKind.CAUSE_OF_CONCERN,
    "causes of concern": FindingKind.CAUSE_OF_CONCERN,
    "coc": FindingKind.CAUSE_OF_CONCERN,
    "recommendation": FindingKind.RECOMMENDATION,
    "recommendations": FindingKind.RECOMMENDATION,
    "rec": FindingKind.RECOMMENDATION,
    "area for improvement": FindingKind.AREA_FOR_IMPROVEMENT,
    "areas for improvement": FindingKind.AREA_FOR_IMPROVEMENT,
    "afi": FindingKind.AREA_FOR_IMPROVEMENT,
}


@dataclass
class Sheet:
    """A spreadsheet read: its findings and the problems found in its cells."""

    name: str
    candidates: list[Candidate]
    errors: list[RowError] = field(default_factory=list)


def read_spreadsheet(
    data: bytes,
    filename: str,
    *,
    published_on: date | None = None,
    max_bytes: int | None = None,
) -> Sheet:
    """Parse a CSV or XLSX file of findings. No database access.

    Raises SpreadsheetError for a file that cannot be read at all (wrong type, empty,
    binary, unreadable encoding, not a workbook, too large, no rows). Problems in cells
    come back in `Sheet.errors`. `published_on` turns timeframes into due dates where the
    due_on cell is empty.
    """
    name = uploads.safe_download_name(filename or "")
    extension = PurePath(filename or "").suffix.lower()
    if extension == ".xls":
        raise SpreadsheetError(OLD_EXCEL.format(name=name), code="old_excel")
    if extension not in {".csv", ".xlsx"}:
        raise SpreadsheetError(NOT_A_SPREADSHEET.format(name=name), code="unsupported")
    _check_upload(data, name, max_bytes if max_bytes is not None else max_upload_bytes())
    rows = _csv_rows(data, name) if extension == ".csv" else _xlsx_rows(data, name)
    return _sheet(rows, name, published_on)


def _check_upload(data: bytes, name: str, max_bytes: int) -> None:
    """Size, emptiness and content-matches-extension checks shared with evidence uploads
    (including the zip-bomb guard for .xlsx)."""
    if not data.strip():
        raise SpreadsheetError(EMPTY.format(name=name), code="empty")
    try:
        uploads.validate_evidence_upload(SimpleUploadedFile(name, data), max_bytes=max_bytes)
    except ValidationError as exc:
        raise SpreadsheetError(" ".join(exc.messages), code=exc.code or "invalid") from exc


def _csv_rows(data: bytes, name: str) -> Iterator[tuple[int, list[object]]]:
    try:
        text = textfiles.decode_text(data, name=name)
    except textfiles.NotText as exc:
        raise SpreadsheetError(exc.message, code=exc.code) from exc
    header = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in header:
        # Excel in some locales writes semicolons; "Unicode text" uses tabs.
        delimiter = next((d for d in (";", "\t") if d in header), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Numbered as records, as a spreadsheet program shows them, not physical lines.
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        problem = f"line {reader.line_num}: {exc}"
        raise SpreadsheetError(
            CSV_MALFORMED.format(name=name, problem=problem), code="malformed"
        ) from exc


def _xlsx_rows(data: bytes, name: str) -> Iterator[tuple[int, list[object]]]:
    # openpyxl raises a wide range of exceptions for damaged or fake workbooks (zip,
    # XML, KeyError for missing parts, ValueError for bad cell data); each means the same
    # thing to the uploader.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise SpreadsheetError(NOT_A_WORKBOOK.format(name=name), code="not_a_workbook") from exc
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(values)
    except SpreadsheetError:
        raise
    except Exception as exc:
        raise SpreadsheetError(NOT_A_WORKBOOK.format(name=name), code="not_a_workbook") from exc
    finally:
        workbook.close()


def _header_name(value: object) -> str:
    name = re.sub(r"[\s\-]+", "_", _cell_text(value).casefold()).strip("_")
    return _ALIASES.get(name, name)


def _sheet(rows: Iterator[tuple[int, list[object]]], name: str, published_on: date | None) -> Sheet:
    first = next(rows, None)
    if first is None:
        raise SpreadsheetError(EMPTY.format(name=name), code="empty")
    _line, header = first
    if not any(_cell_text(v) for v in header):
        raise SpreadsheetError(NO_HEADER.format(name=name), code="no_header")
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    for position, value in enumerate(header):
        written = _cell_text(value)
        if not written:
            continue
        column = _header_name(value)
        if column not in COLUMN_NAMES:
            errors.append(
                RowError(
                    1,
                    written,
                    UNKNOWN_COLUMN.format(header=written, columns=", ".join(COLUMN_NAMES)),
                )
            )
        elif column in positions:
            errors.append(RowError(1, column, REPEATED_COLUMN.format(column=column)))
        else:
            positions[column] = position
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            errors.append(RowError(1, column, MISSING_COLUMN.format(column=column)))
    if errors:
        return Sheet(name=name, candidates=[], errors=errors)

    candidates: list[Candidate] = []
    for line, values in rows:
        cells = {column: values[i] if i < len(values) else None for column, i in positions.items()}
        if not any(_cell_text(v) for v in cells.values()):
            continue  # blank rows, often left at the end of a sheet
        if len(candidates) >= MAX_ROWS:
            raise SpreadsheetError(
                TOO_MANY_ROWS.format(name=name, limit=MAX_ROWS), code="too_many_rows"
            )
        candidates.append(_candidate(line, cells, errors, published_on))
    if not candidates:
        raise SpreadsheetError(NO_ROWS.format(name=name), code="no_rows")
    return Sheet(name=name, candidates=candidates, errors=errors)


def _candidate(
    line: int, cells: dict[str, object], errors: list[RowError], published_on: date | None
) -> Candidate:
    def text(column: str) -> str:
        return " ".join(_cell_text(cells.get(column)).split())

    kind_written = text("kind")
    kind = parse_kind(kind_written)
    if kind_written and kind is None:
        errors.append(RowError(line, "kind", UNKNOWN_KIND.format(value=shorten(kind_written))))
    due_on = None
    if cells.get("due_on") not in (None, ""):
        try:
            due_on = parse_date(cells["due_on"])
        except ValueError as exc:
            errors.append(RowError(line, "due_on", str(exc)))
    timeframe = text("timeframe")
    if due_on is None and timeframe and kind and takes_a_deadline(kind):
        parsed = parse_timeframe(timeframe)
        due_on = parsed.due_on(published_on) if parsed else None
    body = _cell_text(cells.get("text")).replace("\r\n", "\n").replace("\r", "\n").strip()
    return Candidate(
        line=line,
        reference=text("reference"),
        kind=kind or "",
        text=body,
        parent_reference=text("parent_reference"),
        addressee=text("addressee"),
        timeframe=timeframe,
        due_on=due_on,
        owner_username=text("owner_username"),
        opcc_lead_username=text("opcc_lead_username"),
        themes=tuple(t for t in (" ".join(p.split()) for p in text("themes").split(";")) if t),
    )


def parse_kind(value: str) -> str | None:
    """A FindingKind value from its value, its label or a common abbreviation."""
    key = re.sub(r"[\s_\-]+", " ", value.strip().casefold())
    return _KINDS.get(key)


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(value: object) -> date | None:
    """A date cell: a real date (from Excel), YYYY-MM-DD or DD/MM/YYYY. Raises ValueError
    with a message for the uploader."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(NUMBER_NOT_DATE)
    written = _cell_text(value)
    if not written:
        return None
    if match := _ISO_DATE.fullmatch(written):
        year, month, day = match.groups()
    elif match := _UK_DATE.fullmatch(written):
        day, month, year = match.groups()
    else:
        raise ValueError(BAD_DATE.format(value=shorten(written)))
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(IMPOSSIBLE_DATE.format(value=shorten(written))) from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).replace("\ufeff", "").replace("\xa0", " ").strip()


def shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


TEMPLATE_NAME = "findings-import-template"
_KIND_CHOICES = ",".join(FindingKind.values)


def template_csv() -> bytes:
    """The header row only: example rows would be imported if someone forgot to delete them."""
    out = io.StringIO()
    csv.writer(out).writerow(COLUMN_NAMES)
    # The BOM makes Excel open the file as UTF-8, so £ and curly quotes survive.
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Findings"
    sheet.append(COLUMN_NAMES)
    bold = Font(bold=True)
    widths = {"text": 80, "due_on": 14, "themes": 30, "addressee": 24, "timeframe": 24}
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = widths.get(column.name, 18)
    sheet.freeze_panes = "A2"
    kinds = DataValidation(type="list", formula1=f'"{_KIND_CHOICES}"', allow_blank=True)
    kinds.error = "Choose cause_of_concern, recommendation or area_for_improvement."
    sheet.add_data_validation(kinds)
    kinds.add(f"B2:B{MAX_ROWS + 1}")

    guide = workbook.create_sheet("How to fill this in")
    guide.append(["Column", "Required", "What to put", "Example"])
    for cell in guide[1]:
        cell.font = bold
    for column in COLUMNS:
        guide.append(
            [column.name, "Yes" if column.required else "No", column.description, column.example]
        )
    guide.append([])
    guide.append(
        [
            "Only the first sheet (Findings) is read. Its first row must keep these column names. "
            "Nothing is imported unless every row is valid."
        ]
    )
    for letter, width in zip("ABCD", (20, 10, 90, 30), strict=True):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
