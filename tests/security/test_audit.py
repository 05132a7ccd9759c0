"""The audit trail (RELIABILITY.md §B4 items 17, 18; §C2 append-only)."""

import json
import logging
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AppendOnly, AuditEvent, Event
from recommendations import services
from recommendations.models import Role
from recommendations.services import EvidenceFile
from tests.factories import make_finding, make_report, make_user, pdf_upload
from tests.support.subprocesses import run_python

pytestmark = pytest.mark.django_db
SECRET_PASSWORD = "sup3r-secret-passphrase-XYZ"


@pytest.fixture
def pat(db):
    user = make_user(Role.OPCC_STAFF, username="pat")
    user.set_password(SECRET_PASSWORD)
    user.save()
    return user


def events(kind: Event):
    return AuditEvent.objects.filter(event=kind)


def test_sign_in_sign_out_and_failed_sign_in_are_recorded_without_the_password(client, pat, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(
        reverse("login"),
        {"username": "pat", "password": "wrong " + SECRET_PASSWORD},
        HTTP_USER_AGENT="Test browser",
        REMOTE_ADDR="192.0.2.7",
    )
    client.post(reverse("login"), {"username": "pat", "password": SECRET_PASSWORD})
    client.post(reverse("logout"))
    failed = events(Event.SIGN_IN_FAILED).get()
    assert (failed.username, failed.ip_address, failed.user_agent) == (
        "pat",
        "192.0.2.7",
        "Test browser",
    )
    assert events(Event.SIGN_IN).get().user == pat
    assert events(Event.SIGN_OUT).get().user == pat
    assert SECRET_PASSWORD not in caplog.text
    for row in AuditEvent.objects.values():
        assert SECRET_PASSWORD not in str(row)


def test_refused_access_is_recorded(client, force):
    viewer = make_user(Role.VIEWER, force=force)
    finding = make_finding(report=make_report(force=force))
    client.force_login(viewer)
    response = client.post(reverse("recommendations:finding-edit", args=[finding.pk]), {})
    assert response.status_code == 403
    denied = events(Event.ACCESS_DENIED).get()
    assert denied.user == viewer and denied.method == "POST"
    assert denied.path == reverse("recommendations:finding-edit", args=[finding.pk])


def test_evidence_downloads_are_recorded(client, force, lead, opcc):
    finding = make_finding(report=make_report(force=force), owner=lead)
    update = services.progress_update_add(
        finding=finding,
        expected_version=1,
        author=lead,
        narrative="Audit",
        rag="green",
        as_at=date(2025, 1, 1),
        evidence=[EvidenceFile(pdf_upload(), date(2025, 1, 1))],
    )
    evidence = update.evidence.get()
    client.force_login(opcc)
    client.get(reverse("recommendations:evidence-download", args=[evidence.pk]))
    download = events(Event.EVIDENCE_DOWNLOAD).get()
    assert download.user == opcc
    assert download.object_type == "recommendations.Evidence"
    assert download.object_id == str(evidence.pk)


def test_every_data_change_is_recorded_with_who_made_it(client, force, opcc):
    finding = make_finding(report=make_report(force=force))
    client.force_login(opcc)
    client.post(
        reverse("recommendations:finding-assign", args=[finding.pk]),
        {"version": finding.version, "owner_post": "", "opcc_lead": opcc.pk},
    )
    change = events(Event.CHANGED).filter(object_type="recommendations.Finding").get()
    assert change.user == opcc and change.object_id == str(finding.pk)
    assert events(Event.CREATED).filter(object_type="recommendations.Finding").exists()


def test_the_audit_trail_cannot_be_changed_or_deleted_through_the_orm(pat):
    event = AuditEvent.objects.create(event=Event.SIGN_IN, username="pat")
    event.username = "someone else"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_auditevent SET username = 'x'", "DELETE FROM audit_auditevent"]
)
def test_the_database_refuses_update_and_delete_on_the_audit_table(pat, statement):
    AuditEvent.objects.create(event=Event.SIGN_IN, username="pat")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.filter(username="pat").exists()


# Run in a child process: this suite's own database is PostgreSQL.
SQLITE_APPEND_ONLY = r"""
import json, django
django.setup()
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from audit.models import AuditEvent, Event
from audit.services import record
from recommendations.models import User

call_command("migrate", verbosity=0)
assert connection.vendor == "sqlite"
person = User.objects.create_user("gone", first_name="Sam", last_name="Gone")
record(Event.SIGN_IN, user=person)
pk = person.pk
User.objects.filter(pk=pk).delete()
row = AuditEvent.objects.get(event=Event.SIGN_IN)
refused = []
for statement in ("UPDATE audit_auditevent SET username = 'x'", "DELETE FROM audit_auditevent"):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except DatabaseError as exc:
        refused.append(str(exc))
kept = [row.user_id, row.username, row.display_name]
print(json.dumps({"refused": refused, "pk": pk, "row": kept}))
"""


def test_on_sqlite_too_the_database_refuses_changes_and_removing_a_user_rewrites_nothing(
    tmp_path,
):
    result = run_python(
        SQLITE_APPEND_ONLY,
        {"DJANGO_SECRET_KEY": "test-only", "OVERSIGHT_VAR_DIR": str(tmp_path)},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["refused"]) == 2
    assert all("append-only" in message for message in report["refused"])
    assert report["row"] == [report["pk"], "gone", "Sam Gone"]


def test_administrators_can_search_and_export_and_nobody_else_can(client, pat, opcc):
    AuditEvent.objects.create(event=Event.SIGN_IN_FAILED, username="=cmd|calc", path="/x")
    admin = make_user(Role.ADMINISTRATOR)
    for user, expected in ((opcc, 403), (admin, 200)):
        client.force_login(user)
        assert client.get(reverse("audit:log")).status_code == expected
        assert client.get(reverse("audit:export")).status_code == expected
    page = client.get(reverse("audit:log"), {"event": "sign_in_failed"})
    assert [e.username for e in page.context["page"].object_list] == ["=cmd|calc"]
    exported = client.get(reverse("audit:export"), {"q": "cmd"}).content.decode("utf-8-sig")
    assert "'=cmd|calc" in exported  # neutralised for spreadsheets


def test_behind_a_trusted_proxy_the_audit_records_the_client_not_the_proxy(settings, rf):
    from audit.context import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.1", REMOTE_ADDR="10.0.0.2")
    settings.AXES_IPWARE_PROXY_COUNT = None
    assert client_ip(request) == "10.0.0.2"
    settings.AXES_IPWARE_PROXY_COUNT = 1
    assert client_ip(request) == "192.0.2.1"  # the address our one proxy saw


def test_reading_a_finding_or_report_is_recorded_and_a_refused_read_is_not_a_read(
    client, force, other_force, opcc, outsider
):
    finding = make_finding(report=make_report(force=force))
    finding_url = reverse("recommendations:finding-detail", args=[finding.pk])
    report_url = reverse("recommendations:report-detail", args=[finding.report_id])
    client.force_login(opcc)
    assert client.get(finding_url).status_code == 200
    viewed = events(Event.FINDING_VIEWED).get()
    assert (viewed.user, viewed.object_id) == (opcc, str(finding.pk))
    assert viewed.object_type == "recommendations.Finding"
    assert client.get(report_url).status_code == 200  # a report's page shows its findings
    assert events(Event.REPORT_VIEWED).get().object_id == str(finding.report_id)

    client.force_login(outsider)  # scoped to another force: 404, and no "viewed"
    assert client.get(finding_url).status_code == 404
    assert client.get(report_url).status_code == 404
    assert events(Event.FINDING_VIEWED).count() == 1
    assert events(Event.REPORT_VIEWED).count() == 1


@pytest.mark.parametrize("name", ["finding-export-csv", "finding-export-xlsx"])
def test_exports_are_recorded_with_their_filters(client, force, opcc, name):
    make_finding(report=make_report(force=force))
    client.force_login(opcc)
    response = client.get(reverse(f"recommendations:{name}"), {"kind": "recommendation", "q": ""})
    assert response.status_code == 200
    exported = events(Event.FINDINGS_EXPORTED).get()
    assert exported.user == opcc
    assert exported.detail == {
        "format": name.rsplit("-", 1)[1],
        "filters": {"kind": "recommendation"},
    }


def test_a_spreadsheet_import_is_recorded_once_and_a_refused_one_not_at_all(force, opcc):
    from intake import imports, spreadsheets

    report = make_report(force=force)
    good = b"reference,kind,text\nR1,recommendation,The force should act.\nA1,afi,Improve.\n"
    sheet = spreadsheets.read_spreadsheet(good, "findings.csv", published_on=report.published_on)
    with transaction.atomic():
        imports.findings_import(report=report, sheet=sheet, by=opcc)
    imported = events(Event.FINDINGS_IMPORTED).get()
    assert (imported.user, imported.object_id) == (opcc, str(report.pk))
    assert imported.detail["file"] == "findings.csv"
    assert imported.detail["findings"] == 2

    clash = spreadsheets.read_spreadsheet(good, "again.csv", published_on=report.published_on)
    with pytest.raises(imports.ImportRejected), transaction.atomic():
        imports.findings_import(report=report, sheet=clash, by=opcc)  # the references exist
    assert events(Event.FINDINGS_IMPORTED).count() == 1


@pytest.mark.parametrize(("name", "file_format"), [("pack", "html"), ("pack-pdf", "pdf")])
def test_producing_an_accountability_pack_is_recorded(client, force, opcc, name, file_format):
    make_finding(report=make_report(force=force))
    client.force_login(opcc)
    response = client.get(reverse(f"dashboards:{name}"), {"force": force.pk})
    assert response.status_code == 200
    produced = events(Event.PACK_PRODUCED).get()
    assert produced.user == opcc
    assert produced.detail == {"format": file_format, "filters": {"force": str(force.pk)}}
