"""The spreadsheet import pages, the template downloads, and who may use any of it."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from intake import spreadsheets
from recommendations.models import Finding
from tests.factories import make_finding
from tests.intake.conftest import import_url, intake_url, review_url
from tests.intake.spreadsheets import csv_bytes, row, xlsx_bytes

pytestmark = pytest.mark.django_db

GOOD = [
    row("CoC1", "cause_of_concern", "Calls are not answered quickly enough."),
    row("R1", parent_reference="CoC1", timeframe="Within three months"),
    row("AFI1", "area_for_improvement"),
]


def check_file(client: Client, report, data: bytes, name: str = "findings.csv"):
    return client.post(import_url(report), {"file": SimpleUploadedFile(name, data)})


def confirm(client: Client, report, token: str):
    return client.post(import_url(report), {"op": "confirm", "token": token})


def test_the_import_page_explains_the_columns_and_offers_the_templates(opcc_client, report):
    html = opcc_client.get(import_url(report)).content.decode()
    for column in spreadsheets.COLUMN_NAMES:
        assert f"<code>{column}</code>" in html
    assert reverse("intake:import-template-csv") in html
    assert reverse("intake:import-template-xlsx") in html


def test_check_then_import(opcc_client, report):
    response = check_file(opcc_client, report, csv_bytes(GOOD))
    assert response.status_code == 200
    html = response.content.decode()
    assert "“findings.csv” is ready to import: 3 findings" in html
    assert "Import 3 findings" in html
    assert Finding.objects.count() == 0  # a preview writes nothing
    token = response.context["token"]
    stored = opcc_client.session[f"intake.import.{report.pk}"]["stored"]
    assert default_storage.exists(stored)

    response = confirm(opcc_client, report, token)
    assert response.status_code == 302
    assert response.url == report.get_absolute_url()
    assert sorted(report.findings.values_list("reference", flat=True)) == ["AFI1", "CoC1", "R1"]
    assert report.findings.get(reference="R1").parent.reference == "CoC1"
    assert not default_storage.exists(stored)  # the waiting copy is gone
    page = opcc_client.get(response.url).content.decode()
    assert "3 findings imported from findings.csv." in page
    # The same preview cannot be imported twice.
    again = confirm(opcc_client, report, token)
    assert again.status_code == 302 and again.url == import_url(report)
    assert report.findings.count() == 3


def test_an_xlsx_file_is_checked_and_imported(opcc_client, report):
    response = check_file(opcc_client, report, xlsx_bytes(GOOD), "findings.xlsx")
    assert response.status_code == 200
    assert confirm(opcc_client, report, response.context["token"]).status_code == 302
    assert report.findings.count() == 3


def test_problems_are_listed_by_line_and_column_and_nothing_is_kept(opcc_client, report):
    make_finding(report=report, reference="R1")
    data = csv_bytes([*GOOD, row("R2", "widget"), row("R3", due_on="2025-13-01")])
    response = check_file(opcc_client, report, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported. 3 problems in “findings.csv”" in html
    assert "<tr><td>3</td><td>reference</td><td>This report already has a finding numbered" in html
    assert "<tr><td>5</td><td>kind</td><td>“widget” is not a kind of finding." in html
    assert "<tr><td>6</td><td>due_on</td><td>“2025-13-01” is not a real date.</td></tr>" in html
    assert "Import 3 findings" not in html
    assert f"intake.import.{report.pk}" not in opcc_client.session
    assert report.findings.count() == 1


def test_a_clash_added_after_the_preview_is_caught_on_import(opcc_client, report):
    response = check_file(opcc_client, report, csv_bytes(GOOD))
    make_finding(report=report, reference="AFI1", kind="area_for_improvement")
    response = confirm(opcc_client, report, response.context["token"])
    assert response.status_code == 400
    html = response.content.decode()
    assert "The report changed after the preview, so nothing was imported." in html
    assert "This report already has a finding numbered “AFI1”." in html
    assert report.findings.count() == 1


def test_a_forged_or_stale_token_imports_nothing(opcc_client, report):
    check_file(opcc_client, report, csv_bytes(GOOD))
    response = confirm(opcc_client, report, "not-the-token")
    assert response.status_code == 302
    assert Finding.objects.count() == 0
    assert "That preview has expired" in opcc_client.get(response.url).content.decode()


def test_another_users_preview_cannot_be_imported(client, opcc, report, force):
    from recommendations.models import Role
    from tests.factories import make_user

    first = Client()
    first.force_login(opcc)
    token = check_file(first, report, csv_bytes(GOOD)).context["token"]
    second = make_user(Role.OPCC_STAFF, username="second-opcc")
    client.force_login(second)
    assert confirm(client, report, token).status_code == 302
    assert Finding.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "The submitted file is empty."),
        ("junk.csv", b"MZ\x90\x00" + bytes(range(256)) * 8, "is not a plain text file"),
        ("odd.csv", b"reference,kind,text\nR1,recommendation,\x81\x8d\n", "text encoding"),
        ("fake.xlsx", b"reference,kind,text\n", "not a genuine Excel (.xlsx) file"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "old-style Excel workbook"),
        ("notes.txt", b"reference,kind,text\n", "not a spreadsheet we can read"),
        ("header.csv", b"reference,kind,text\n", "has the column names but no findings"),
    ],
)
def test_files_that_cannot_be_read_get_a_clear_message(opcc_client, report, name, data, message):
    response = check_file(opcc_client, report, data, name)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'href="#id_file"' in html
    assert Finding.objects.count() == 0


def test_missing_columns_are_reported(opcc_client, report):
    response = check_file(opcc_client, report, b"reference,kind\nR1,recommendation\n")
    assert response.status_code == 400
    assert "<tr><td>1</td><td>text</td><td>There is no “text” column." in (
        response.content.decode()
    )


def test_a_50_mb_upload_is_refused_with_the_limit(opcc_client, report):
    data = b"reference,kind,text\n" + b"R1,recommendation," + b"x" * (50 * 1024 * 1024) + b"\n"
    response = check_file(opcc_client, report, data, "huge.csv")
    assert response.status_code == 400
    assert "“huge.csv” is larger than the 10 MB limit." in response.content.decode()
    assert Finding.objects.count() == 0


# ---------------------------------------------------------------- templates


def test_the_csv_template_is_an_attachment_with_every_column(opcc_client):
    response = opcc_client.get(reverse("intake:import-template-csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="findings-import-template.csv"'
    )
    text = response.content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == list(spreadsheets.COLUMN_NAMES)


def test_the_xlsx_template_has_the_columns_and_a_guide(opcc_client):
    response = opcc_client.get(reverse("intake:import-template-xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="findings-import-template.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(response.content))
    header = next(workbook["Findings"].iter_rows(values_only=True))
    assert list(header) == list(spreadsheets.COLUMN_NAMES)
    guide = [r[0] for r in workbook["How to fill this in"].iter_rows(values_only=True)]
    assert set(spreadsheets.COLUMN_NAMES) <= set(guide)


# ---------------------------------------------------------------- who may


def _all_urls(report):
    return [
        intake_url(report),
        review_url(report),
        import_url(report),
        reverse("intake:import-template-csv"),
        reverse("intake:import-template-xlsx"),
    ]


@pytest.mark.parametrize("who", ["viewer", "lead"])
def test_viewers_and_force_leads_are_refused(request, client, report, who):
    client.force_login(request.getfixturevalue(who))
    for url in _all_urls(report):
        assert client.get(url).status_code == 403, url
    posts = [
        (intake_url(report), {"text": "Recommendations\n\nThe force should act."}),
        (review_url(report), {"op": "save", "revision": "1"}),
        (import_url(report), {"file": SimpleUploadedFile("f.csv", csv_bytes(GOOD))}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Finding.objects.count() == 0


def test_opcc_staff_of_another_force_get_404_for_this_forces_report(client, outsider, report):
    client.force_login(outsider)
    for url in _all_urls(report)[:3]:
        assert client.get(url).status_code == 404, url
    response = client.post(
        import_url(report), {"file": SimpleUploadedFile("f.csv", csv_bytes(GOOD))}
    )
    assert response.status_code == 404
    # The templates hold nothing of any force.
    assert client.get(reverse("intake:import-template-csv")).status_code == 200


def test_only_staff_of_all_forces_import_into_a_national_report(client, outsider, opcc):
    """A national report concerns every force: staff scoped to one read it, but do not
    give it findings (issue 12, item 2)."""
    from tests.factories import make_report

    national = make_report(force=None)
    client.force_login(outsider)
    assert check_file(client, national, csv_bytes(GOOD)).status_code == 403
    assert Finding.objects.count() == 0
    client.force_login(opcc)
    assert check_file(client, national, csv_bytes(GOOD)).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, report):
    for url in _all_urls(report):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(import_url(report), {"op": "confirm", "token": "x"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Finding.objects.count() == 0
