import csv
import io
from datetime import date, datetime

import pytest
from django.db.models import Prefetch
from openpyxl import Workbook, load_workbook

from recommendations.exports import (
    EXPORT_COLUMNS,
    finding_rows,
    findings_csv_response,
    findings_xlsx_response,
    neutralise,
)
from recommendations.models import (
    Finding,
    FindingKind,
    ProgressUpdate,
    Rag,
    Role,
    Status,
    Theme,
    User,
)
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2025, 10, 15)


def _fetched(*findings: Finding) -> list[Finding]:
    """The findings as the list view fetches them for export, already evaluated."""
    return list(
        Finding.objects.filter(pk__in=[finding.pk for finding in findings])
        .select_related("report", "force", "owner", "opcc_lead", "parent")
        .prefetch_related(
            "themes",
            Prefetch(
                "updates",
                queryset=ProgressUpdate.objects.select_related("author").order_by(
                    "-as_at", "-created_at"
                )[:1],
                to_attr="latest_updates",
            ),
        )
        .order_by("pk")
    )


def _update(finding: Finding, author: User, *, as_at: date, narrative: str, rag: Rag) -> None:
    ProgressUpdate.objects.create(
        finding=finding, author=author, as_at=as_at, narrative=narrative, rag=rag
    )


def _csv_rows(findings: list[Finding]) -> list[list[str]]:
    response = findings_csv_response(findings, today=TODAY, filename="findings")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _xlsx_workbook(findings: list[Finding]) -> Workbook:
    response = findings_xlsx_response(findings, today=TODAY, filename="findings")
    return load_workbook(io.BytesIO(response.content))


@pytest.fixture
def detailed(force, lead, opcc) -> Finding:
    """An overdue recommendation under a cause of concern, with themes and two updates."""
    report = make_report(force=force, title="PEEL 2025 Testshire")
    concern = make_finding(report=report, kind=FindingKind.CAUSE_OF_CONCERN, reference="C1")
    finding = make_finding(
        report=report,
        reference="R1",
        text="The force should answer 999 calls faster.\nWithin three months.",
        parent=concern,
        timeframe="Within three months",
        due_on=date(2025, 9, 30),
        owner=lead,
        opcc_lead=opcc,
        rag=Rag.AMBER,
        status=Status.IN_PROGRESS,
        themes=[
            Theme.objects.create(name="Export call handling", slug="export-call-handling"),
            Theme.objects.create(name="Export vulnerability", slug="export-vulnerability"),
        ],
    )
    _update(finding, lead, as_at=date(2025, 6, 1), narrative="Old news.", rag=Rag.RED)
    _update(finding, opcc, as_at=date(2025, 8, 1), narrative="Call times down.", rag=Rag.GREEN)
    return finding


def test_rows_follow_the_header_and_show_only_the_latest_update(detailed):
    (row,) = finding_rows(_fetched(detailed), today=TODAY)

    assert dict(zip(EXPORT_COLUMNS, row, strict=True)) == {
        "Report": "PEEL 2025 Testshire",
        "Force": "Testshire Constabulary",
        "Kind": "Recommendation",
        "Reference": "R1",
        "Finding": "The force should answer 999 calls faster.\nWithin three months.",
        "Parent": "C1",
        "Timeframe": "Within three months",
        "Original due date": date(2025, 9, 30),
        "Due date": date(2025, 9, 30),
        "Overdue": "Yes",
        "Status": "In progress",
        "RAG": "Amber",
        "OPCC rating": "",
        "Owner": "lead",
        "OPCC lead": "opcc-officer",
        "Themes": "Export call handling; Export vulnerability",
        "Latest update as at": date(2025, 8, 1),
        "Latest update RAG": "Green",
        "Latest update": "Call times down.",
        "Latest update by": "opcc-officer",
        "HMICFRS ID": "",
        "Status in HMICFRS's terms": "Being progressed",
        "HMICFRS status as recorded": "",
        "HMICFRS status checked on": None,
        "Closed by HMICFRS on": None,
        "How HMICFRS closed it": "",
    }


def test_a_finding_without_updates_or_people_has_empty_update_columns():
    finding = make_finding(
        report=make_report(force=None, title="National thematic"),
        kind=FindingKind.AREA_FOR_IMPROVEMENT,
        reference="AFI1",
    )

    (row,) = finding_rows(_fetched(finding), today=TODAY)
    values = dict(zip(EXPORT_COLUMNS, row, strict=True))

    assert values["Force"] == ""
    assert values["Parent"] == ""
    assert values["Due date"] is None
    assert values["Overdue"] == "No"
    assert values["Status"] == "Not started"
    assert values["RAG"] == values["Owner"] == values["OPCC lead"] == values["Themes"] == ""
    assert values["Latest update as at"] is None
    assert values["Latest update RAG"] == values["Latest update"] == ""
    assert values["Latest update by"] == ""


def test_rows_make_no_queries_once_the_findings_are_fetched(
    detailed, force, lead, django_assert_num_queries
):
    bare = make_finding(report=make_report(force=force))
    _update(bare, lead, as_at=date(2025, 7, 1), narrative="Started.", rag=Rag.AMBER)
    findings = _fetched(detailed, bare, make_finding())

    with django_assert_num_queries(0):
        rows = list(finding_rows(findings, today=TODAY))

    assert len(rows) == 3


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil")', "+cmd", "-2+3", "@SUM(A1)", "\tleading tab", "\rleading cr"],
)
def test_neutralise_prefixes_formula_triggers_with_an_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value", [-2, -2.5, 0, date(2025, 1, 1), None, "", "Plain text", "A-1", "'already"]
)
def test_neutralise_leaves_other_values_alone(value):
    assert neutralise(value) == value


@pytest.fixture
def hostile(force, lead) -> Finding:
    finding = make_finding(
        report=make_report(force=force),
        reference="-2+3",
        text='=HYPERLINK("http://evil")',
        timeframe="@SUM(A1)",
    )
    _update(finding, lead, as_at=date(2025, 7, 1), narrative="+cmd", rag=Rag.RED)
    return finding


HOSTILE_CELLS = {
    "Reference": "'-2+3",
    "Finding": '\'=HYPERLINK("http://evil")',
    "Timeframe": "'@SUM(A1)",
    "Latest update": "'+cmd",
}


def test_csv_neutralises_formulas(hostile):
    header, row = _csv_rows(_fetched(hostile))

    values = dict(zip(header, row, strict=True))
    for column, expected in HOSTILE_CELLS.items():
        assert values[column] == expected


def test_xlsx_stores_neutralised_formulas_as_plain_strings(hostile):
    sheet = _xlsx_workbook(_fetched(hostile))["Findings"]

    for column, expected in HOSTILE_CELLS.items():
        cell = sheet.cell(row=2, column=EXPORT_COLUMNS.index(column) + 1)
        assert cell.data_type != "f"
        assert cell.value == expected
        assert cell.value.startswith("'")


def test_xlsx_drops_control_characters_that_xml_cannot_hold(force):
    finding = make_finding(report=make_report(force=force), text="\x01=1+1 and a \x0bbreak")

    sheet = _xlsx_workbook(_fetched(finding))["Findings"]

    cell = sheet.cell(row=2, column=EXPORT_COLUMNS.index("Finding") + 1)
    assert cell.value == "'=1+1 and a break"
    assert cell.data_type != "f"


def test_csv_has_a_bom_a_header_and_iso_dates(detailed):
    response = findings_csv_response(_fetched(detailed), today=TODAY, filename="findings")

    assert response.content.startswith(b"\xef\xbb\xbf")
    header, row = _csv_rows(_fetched(detailed))
    assert tuple(header) == EXPORT_COLUMNS
    values = dict(zip(header, row, strict=True))
    assert values["Due date"] == "2025-09-30"
    assert values["Latest update as at"] == "2025-08-01"
    assert values["Finding"] == "The force should answer 999 calls faster.\nWithin three months."


def test_csv_writes_a_missing_date_as_an_empty_cell():
    finding = make_finding(kind=FindingKind.CAUSE_OF_CONCERN)

    header, row = _csv_rows(_fetched(finding))

    values = dict(zip(header, row, strict=True))
    assert values["Due date"] == values["Latest update as at"] == ""


def test_xlsx_has_a_bold_frozen_header_and_real_dates(detailed):
    workbook = _xlsx_workbook(_fetched(detailed))

    assert workbook.sheetnames == ["Findings", "About"]
    sheet = workbook["Findings"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert tuple(header) == EXPORT_COLUMNS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["E"].width >= 40  # the finding's full text
    for column in ("Original due date", "Due date", "Latest update as at"):
        cell = sheet.cell(row=2, column=EXPORT_COLUMNS.index(column) + 1)
        assert cell.is_date
        assert cell.number_format == "dd/mm/yyyy"
    due = sheet.cell(row=2, column=EXPORT_COLUMNS.index("Due date") + 1)
    assert due.value == datetime(2025, 9, 30)  # noqa: DTZ001 - openpyxl reads naive datetimes
    assert sheet.cell(row=2, column=EXPORT_COLUMNS.index("Overdue") + 1).value == "Yes"


def test_xlsx_about_sheet_gives_the_export_date_and_row_count(detailed):
    workbook = _xlsx_workbook(_fetched(detailed, make_finding()))

    about = [[cell.value for cell in row] for row in workbook["About"].iter_rows()]
    assert about == [["Exported on", datetime(2025, 10, 15)], ["Rows", 2]]  # noqa: DTZ001
    assert workbook["About"]["B1"].number_format == "dd/mm/yyyy"
    assert workbook["Findings"].max_row == 3


def test_csv_response_headers(detailed):
    response = findings_csv_response(
        _fetched(detailed), today=TODAY, filename="findings-2025-10-15"
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="findings-2025-10-15.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"


def test_xlsx_response_headers(detailed):
    response = findings_xlsx_response(
        _fetched(detailed), today=TODAY, filename="findings-2025-10-15"
    )

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="findings-2025-10-15.xlsx"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"


def test_exports_of_no_findings_have_just_the_header():
    assert _csv_rows([]) == [list(EXPORT_COLUMNS)]
    workbook = _xlsx_workbook([])
    assert workbook["Findings"].max_row == 1
    assert workbook["About"]["B2"].value == 0


def test_people_appear_by_full_name_when_they_have_one(force):
    named = make_user(Role.FORCE_LEAD, force=force, first_name="Dana", last_name="Scully")
    finding = make_finding(report=make_report(force=force), owner=named)

    (row,) = finding_rows(_fetched(finding), today=TODAY)

    assert row[EXPORT_COLUMNS.index("Owner")] == "Dana Scully"
