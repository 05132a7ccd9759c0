"""intake/imports.py: reading, checking and writing a spreadsheet of findings."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from django.db import IntegrityError

from intake import imports, spreadsheets
from intake.candidates import Candidate, RowError
from intake.imports import ImportRejected
from intake.spreadsheets import SpreadsheetError
from recommendations import services
from recommendations.models import Finding, FindingKind, Role, Theme
from tests.factories import make_finding, make_report, make_user
from tests.intake.spreadsheets import csv_bytes, many_rows, row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def themes(db) -> list[Theme]:
    return [
        Theme.objects.create(name="Call handling", slug="call-handling"),
        Theme.objects.create(name="Vulnerability", slug="vulnerability"),
    ]


def read(data: bytes, name: str = "findings.csv", report=None) -> spreadsheets.Sheet:
    published = report.published_on if report else date(2024, 11, 14)
    return spreadsheets.read_spreadsheet(data, name, published_on=published)


def run(report, data: bytes, name: str = "findings.csv", by=None) -> list[Finding]:
    return imports.findings_import(report=report, sheet=read(data, name, report), by=by)


def rejected(report, data: bytes, name: str = "findings.csv") -> list[RowError]:
    before = Finding.objects.count(), Finding.history.count()
    with pytest.raises(ImportRejected) as info:
        run(report, data, name)
    assert (Finding.objects.count(), Finding.history.count()) == before, "something was written"
    return info.value.errors


def failure(data: bytes, name: str = "findings.csv") -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as info:
        read(data, name)
    return info.value


# ---------------------------------------------------------------- happy paths


def test_a_csv_import_creates_findings_parents_people_themes_and_history(
    report, force, opcc, lead, themes
):
    existing = make_finding(report=report, kind=FindingKind.CAUSE_OF_CONCERN, reference="CoC0")
    data = csv_bytes(
        [
            row("CoC1", "Cause of concern", "Calls are not answered quickly enough."),
            row(
                "R1",
                text="Within three months, the force should call back abandoned calls.",
                parent_reference="coc1",
                timeframe="Within three months",
                addressee="the force",
                owner_username=lead.username,
                opcc_lead_username=opcc.username,
                themes="Call handling; vulnerability",
            ),
            row("R2", "recommendation", parent_reference="CoC0", due_on="2025-06-30"),
            row("R3", "rec", due_on="31/05/2025"),
            row("AFI1", "AFI", "The force should improve its investigation plans."),
        ]
    )
    created = run(report, data, by=opcc)
    assert [f.reference for f in created] == ["CoC1", "R1", "R2", "R3", "AFI1"]
    found = {f.reference: f for f in report.findings.select_related("parent")}
    assert found["R1"].parent == found["CoC1"]
    assert found["R2"].parent == existing
    assert found["R3"].parent is None
    # An empty due_on is worked out from the timeframe and the report's publication date.
    assert found["R1"].due_on == found["R1"].original_due_on == date(2025, 2, 14)
    assert found["R2"].due_on == date(2025, 6, 30)
    assert found["R3"].due_on == date(2025, 5, 31)
    assert found["CoC1"].due_on is None
    assert (found["R1"].owner, found["R1"].opcc_lead) == (lead, opcc)
    assert {t.name for t in found["R1"].themes.all()} == {"Call handling", "Vulnerability"}
    assert found["AFI1"].kind == FindingKind.AREA_FOR_IMPROVEMENT
    assert all(f.force == force for f in created)
    # Audited: one "created" history record each, naming who imported it and from where.
    record = found["R1"].history.get()
    assert record.history_type == "+"
    assert record.history_user == opcc
    assert record.history_change_reason == "Imported from findings.csv"
    assert record.parent_id == found["CoC1"].pk
    assert {t.theme.name for t in record.themes.all()} == {"Call handling", "Vulnerability"}


def test_an_xlsx_import_reads_date_cells_and_numbers(report):
    data = xlsx_bytes(
        [
            row("R1", due_on=datetime(2025, 7, 1)),  # noqa: DTZ001 - Excel dates are naive
            row(2, due_on=date(2025, 8, 1)),  # a reference typed as a number
            row("R3", due_on="01/09/2025"),
        ]
    )
    created = run(report, data, "findings.xlsx")
    assert [(f.reference, f.due_on) for f in created] == [
        ("R1", date(2025, 7, 1)),
        ("2", date(2025, 8, 1)),
        ("R3", date(2025, 9, 1)),
    ]


def test_headings_are_matched_loosely_and_unused_columns_may_be_left_out(report):
    data = csv_bytes([["R1", "Recommendation", "Do it.", "1/2/2026"]], header=[
        " Reference ", "KIND", "Text", "Due date"
    ])  # fmt: skip
    (finding,) = run(report, data)
    assert finding.due_on == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8-sig", b""), ("cp1252", b""), ("utf-16", b"")]
)
def test_utf8_with_or_without_a_bom_utf16_and_windows_1252_are_read(report, encoding, prefix):
    data = prefix + csv_bytes([row("R1", text="The force should spend £5 on café signs.")],
                              encoding=encoding)  # fmt: skip
    (finding,) = run(report, data)
    assert finding.text == "The force should spend £5 on café signs."


def test_semicolon_separated_files_are_read(report):
    data = b"reference;kind;text\nR1;recommendation;The force should act.\n"
    assert [f.reference for f in run(report, data)] == ["R1"]


def test_blank_rows_are_skipped_but_lines_keep_their_numbers(report):
    data = csv_bytes([row("R1"), [""] * 10, row("R2", due_on="soon")])
    errors = rejected(report, data)
    assert [(e.line, e.column) for e in errors] == [(4, "due_on")]


def test_text_keeps_its_line_breaks(report):
    (finding,) = run(report, csv_bytes([row("R1", text="First part:\r\n• second part")]))
    assert finding.text == "First part:\n• second part"


# ---------------------------------------------------------------- every problem, with its line


def test_every_problem_is_listed_with_line_and_column_and_nothing_is_written(report, themes, lead):
    make_finding(report=report, reference="R9")
    data = csv_bytes(
        [
            row("CoC1", "cause_of_concern", due_on="2025-01-01"),  # line 2
            row("R1", "widget"),  # 3
            row("R2", due_on="31/02/2025"),  # 4
            row("R3", due_on="next Tuesday"),  # 5
            row("r2"),  # 6: duplicate of line 4
            row("R9"),  # 7: already in the report
            row("R4", parent_reference="CoC7"),  # 8
            row("R5", parent_reference="R3"),  # 9: not a cause of concern
            row("AFI1", "area_for_improvement", parent_reference="CoC1"),  # 10
            row("R6", owner_username="nobody", opcc_lead_username=lead.username),  # 11
            row("R7", themes="Call handling; Custody"),  # 12
            row("", "recommendation", " "),  # 13
            row("R" * 31),  # 14
        ]
    )
    errors = rejected(report, data)
    assert [(e.line, e.column) for e in errors] == [
        (2, "due_on"),
        (3, "kind"),
        (4, "due_on"),
        (5, "due_on"),
        (6, "reference"),
        (7, "reference"),
        (8, "parent_reference"),
        (9, "parent_reference"),
        (10, "parent_reference"),
        (11, "owner_username"),
        (11, "opcc_lead_username"),  # a force lead cannot be the OPCC lead
        (12, "themes"),
        (13, "reference"),
        (13, "text"),
        (14, "reference"),
    ]
    messages = {(e.line, e.column): e.message for e in errors}
    assert messages[(2, "due_on")] == "A cause of concern carries no deadline of its own."
    assert messages[(3, "kind")].startswith("“widget” is not a kind of finding.")
    assert messages[(4, "due_on")] == "“31/02/2025” is not a real date."
    assert messages[(5, "due_on")].startswith("“next Tuesday” is not a date. Use YYYY-MM-DD")
    assert messages[(6, "reference")] == (
        "The reference “r2” is used again: it was first used on line 4."
    )
    assert messages[(7, "reference")] == "This report already has a finding numbered “R9”."
    assert messages[(8, "parent_reference")] == (
        "There is no cause of concern “CoC7” in this file or in the report."
    )
    # The shape rules' messages are the service's; the import names the parent it means.
    assert messages[(9, "parent_reference")] == (
        f"“R3” is a recommendation. {services.PARENT_MUST_BE_CAUSE_OF_CONCERN}"
    )
    assert messages[(10, "parent_reference")] == services.ONLY_RECOMMENDATIONS_HAVE_PARENT
    assert messages[(11, "owner_username")].endswith("has the username “nobody”.")
    assert messages[(12, "themes")].startswith("There is no theme called “Custody”.")
    assert messages[(13, "text")] == "This is empty. Every finding needs a text."
    assert messages[(14, "reference")] == "This is 31 characters long; the most allowed is 30."


def test_a_parent_linked_by_id_must_still_be_a_cause_of_concern(report):
    """The review screen links an existing parent by id; the service's rule still holds."""
    other = make_finding(report=report, reference="R9")
    gone = other.pk + 1000
    candidates = [
        Candidate(line=1, reference="R1", kind="recommendation", text="x", parent_pk=other.pk),
        Candidate(line=2, reference="R2", kind="recommendation", text="y", parent_pk=gone),
    ]
    assert imports.check(report, candidates).errors == [
        RowError(1, "parent_reference", services.PARENT_MUST_BE_CAUSE_OF_CONCERN),
        RowError(2, "parent_reference", imports.PARENT_GONE),
    ]


@pytest.mark.parametrize("bad_line", [2, 2501, 5001])
def test_one_bad_row_at_the_start_middle_or_end_stops_the_whole_import(report, bad_line):
    rows = [row(f"R{n}") for n in range(1, 5001)]
    rows[bad_line - 2] = row(f"R{bad_line - 1}", due_on="32/01/2025")
    errors = rejected(report, csv_bytes(rows))
    assert errors == [RowError(bad_line, "due_on", "“32/01/2025” is not a real date.")]


def test_a_duplicate_against_an_existing_finding_ignores_case(report):
    make_finding(report=report, reference="AFI3")
    errors = rejected(report, csv_bytes([row("afi3", "area_for_improvement")]))
    assert errors == [
        RowError(2, "reference", "This report already has a finding numbered “afi3”.")
    ]


def test_a_finding_with_the_same_reference_in_another_report_is_no_clash(report, force):
    make_finding(report=make_report(force=force), reference="R1")
    assert len(run(report, csv_bytes([row("R1")]))) == 1


def test_an_owner_must_be_able_to_see_the_reports_force(report, other_force):
    stranger = make_user(Role.FORCE_LEAD, force=other_force, username="stranger")
    errors = rejected(report, csv_bytes([row("R1", owner_username=stranger.username)]))
    assert [(e.line, e.column) for e in errors] == [(2, "owner_username")]


def test_an_opcc_lead_must_be_able_to_see_the_reports_force(report, other_force):
    stranger = make_user(Role.OPCC_STAFF, force=other_force, username="elsewhere")
    errors = rejected(report, csv_bytes([row("R1", opcc_lead_username=stranger.username)]))
    assert errors == [
        RowError(2, "opcc_lead_username", imports.NO_SUCH_OPCC_LEAD.format(value="elsewhere"))
    ]


def test_missing_and_unknown_columns_are_named(report):
    data = csv_bytes([["R1", "x", "y"]], header=["reference", "colour", "kind"])
    errors = rejected(report, data)
    assert [(e.line, e.column) for e in errors] == [(1, "text"), (1, "colour")]
    assert errors[0].message.startswith("There is no “text” column.")
    assert errors[1].message.startswith("“colour” is not a column we know.")


def test_a_repeated_column_is_refused(report):
    errors = rejected(report, csv_bytes([["R1", "R1"]], header=["reference", "Reference"]))
    assert RowError(1, "reference", "The “reference” column appears more than once.") in errors


def test_a_number_in_an_xlsx_date_cell_is_explained(report):
    errors = rejected(report, xlsx_bytes([row("R1", due_on=45678)]), "findings.xlsx")
    assert errors == [RowError(2, "due_on", spreadsheets.NUMBER_NOT_DATE)]


def test_a_database_failure_mid_import_writes_nothing(report, monkeypatch):
    """The checks normally catch a clash; if the database still refuses (a race), the
    transaction takes every row with it."""
    make_finding(report=report, reference="R3")
    real_check = imports.check

    def blind_check(report, candidates, *, errors=()):
        plan = real_check(report, candidates, errors=errors)
        plan.errors = []
        return plan

    monkeypatch.setattr(imports, "check", blind_check)
    before = Finding.objects.count(), Finding.history.count()
    with pytest.raises(IntegrityError):
        run(report, csv_bytes([row(f"R{n}") for n in (1, 2, 3, 4)]))
    assert (Finding.objects.count(), Finding.history.count()) == before


# ---------------------------------------------------------------- files that cannot be read


def test_an_empty_file_is_refused():
    assert failure(b"").code == "empty"
    assert failure(b"  \r\n").code == "empty"


def test_binary_junk_named_csv_is_refused():
    """The decoder is tested in tests/test_textfiles.py; this is the spreadsheet's use of it."""
    error = failure(b"MZ\x90\x00" + bytes(range(256)) * 10)
    assert "not a plain text file" in error.message or "binary" in error.message


def test_control_characters_beyond_the_sample_are_refused():
    data = csv_bytes([row(f"R{n}") for n in range(3000)]) + b"\x01\x02\x03"
    assert failure(data).code == "binary"


def test_a_header_with_nothing_below_it_is_refused():
    assert (
        failure(csv_bytes([])).message
        == "“findings.csv” has the column names but no findings below them."
    )


def test_a_blank_first_row_is_refused():
    assert failure(b",,,\nR1,recommendation,x\n").code == "no_header"


@pytest.mark.parametrize(
    "data",
    [
        b"reference,kind,text\n",  # a CSV renamed .xlsx
        b"PK\x03\x04" + b"\x00" * 100,  # a broken zip
        b"%PDF-1.7 not a workbook",
    ],
)
def test_an_xlsx_that_is_not_a_workbook_is_refused(data):
    error = failure(data, "findings.xlsx")
    assert "findings.xlsx" in error.message


def test_a_zip_without_a_workbook_inside_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")  # a Word document, renamed
    assert "not a genuine Excel (.xlsx) file" in failure(out.getvalue(), "findings.xlsx").message


def test_a_workbook_with_a_damaged_sheet_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "this is not xml <")
    assert failure(out.getvalue(), "findings.xlsx").code == "not_a_workbook"


def test_old_excel_and_other_types_get_advice():
    assert ".xlsx" in failure(b"\xd0\xcf\x11\xe0", "findings.xls").message
    assert failure(b"hello", "findings.txt").code == "unsupported"


def test_a_file_over_the_limit_is_refused(settings):
    settings.OVERSIGHT_IMPORT_MAX_MB = 1
    error = failure(csv_bytes([row("R1", text="x" * 1_100_000)]))
    assert "is larger than the 1 MB limit" in error.message


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    assert "more than 3 findings" in failure(csv_bytes([row(f"R{n}") for n in range(4)])).message


# ---------------------------------------------------------------- templates


def test_the_templates_read_back_as_empty_spreadsheets_with_every_column():
    for content, name in (
        (spreadsheets.template_csv(), "t.csv"),
        (spreadsheets.template_xlsx(), "t.xlsx"),
    ):
        assert failure(content, name).code == "no_rows"


def test_a_filled_in_xlsx_template_imports(report):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(spreadsheets.template_xlsx()))
    assert workbook.sheetnames == ["Findings", "How to fill this in"]
    sheet = workbook["Findings"]
    sheet.append(row("R1", due_on=datetime(2025, 12, 31)))  # noqa: DTZ001 - as Excel writes it
    out = io.BytesIO()
    workbook.save(out)
    (finding,) = run(report, out.getvalue(), "filled.xlsx")
    assert finding.due_on == date(2025, 12, 31)


# ---------------------------------------------------------------- queries


def test_an_import_costs_the_same_queries_for_50_or_500_rows(
    report, themes, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size, other in ((50, report), (500, make_report(force=report.force))):
        sheet = read(csv_bytes(many_rows(size, themes="Call handling; Vulnerability")))
        with CaptureQueriesContext(connection) as queries:
            imports.findings_import(report=other, sheet=sheet, by=None)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_500_row_import_has_a_bounded_number_of_queries(
    report, themes, opcc, lead, django_assert_max_num_queries
):
    rows = many_rows(500, themes="Call handling; Vulnerability")
    for cells in rows:
        cells[7], cells[8] = lead.username, opcc.username  # owner_username, opcc_lead_username
    sheet = read(csv_bytes(rows))
    # Lock, 4 checks; findings + history for causes, then for the rest; theme links, the
    # new history ids, theme history; the audit event; plus the savepoint pair of the
    # nested transaction.
    with django_assert_max_num_queries(15):
        created = imports.findings_import(report=report, sheet=sheet, by=opcc)
    assert len(created) == 500
    assert Finding.objects.filter(report=report, parent__isnull=False).count() == 450
    assert Finding.history.filter(history_user=opcc).count() == 500
    assert Finding.themes.through.objects.count() == 900


@pytest.mark.parametrize(
    ("due_on", "accepted"),
    [("31/12/1989", False), ("01/01/1990", True), ("31/12/2034", True), ("31/12/9999", False)],
)
def test_due_dates_run_from_1990_to_ten_years_ahead(report, due_on, accepted):
    """Issue 12 item 1: every date a person can enter has a sensible range."""
    data = csv_bytes([row("R1", due_on=due_on)])
    today = date(2025, 6, 1)
    sheet = read(data, "findings.csv", report)
    errors = imports.check(report, sheet.candidates, errors=sheet.errors, today=today).errors
    assert errors == ([] if accepted else [RowError(2, "due_on", errors[0].message)])
    if not accepted:
        assert errors[0].message == "Enter a date from 1 January 1990 to 1 June 2035."


def test_a_timeframe_from_a_publication_date_at_the_end_of_the_calendar_has_no_due_date():
    data = csv_bytes([row("R1", timeframe="Within three months")])
    sheet = spreadsheets.read_spreadsheet(data, "f.csv", published_on=date(9999, 12, 31))
    assert sheet.candidates[0].due_on is None
