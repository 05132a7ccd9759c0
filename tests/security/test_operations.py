"""Operations and the rest of the checklist: every URL behind sign-in, health, uploads,
mass assignment, structured logs, gunicorn's config, and restoring a backup."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from recommendations import services
from recommendations.antivirus import EICAR
from recommendations.models import Evidence, Finding, ProgressUpdate, Status
from recommendations.services import EvidenceFile
from tests.factories import make_finding, make_report, pdf_upload

ROOT = Path(__file__).resolve().parents[2]

# Reachable without signing in, and why.
ANONYMOUS_ALLOWED = {
    "login": "the sign-in page",
    "healthz": "load balancers",
    "reminders:health": "monitoring",
    "reminders:calendar-feed": "calendar programs; the secret token is the credential",
    "admin:login": "the admin's own sign-in page",
    "accounts:sign-in-link-request": "people whose sign-in is locked; answers the same for anyone",
    "accounts:sign-in-link": "the emailed link; lifts a lockout, never signs anyone in",
    "accounts:invitation-accept": "the emailed invitation; the invitee has no account yet",
    "accounts:password-link": "the emailed link to set a new password; the token is the credential",
    "accounts:sso-start": "single sign-on starts before anyone is signed in (404 unless set up)",
    "accounts:sso-callback": "the identity provider's answer; checked against the session's "
    "state, PKCE verifier and nonce (404 unless set up)",
    "publishing:public-page": "the public progress page: only what the OPCC published",
    "publishing:public-csv": "the public page's open data",
    "publishing:public-json": "the public page's open data",
    "publishing:public-document": "the PCC's published response, named by the public page",
}

# The read-only API signs people in itself (a token or the session) and answers 401,
# in JSON, to anyone who is not: a program has no use for a sign-in page.
API_SIGNS_IN_ITSELF = {
    "api:report-list",
    "api:report-detail",
    "api:finding-list",
    "api:finding-detail",
    "api:action-list",
    "api:session-list",
    "api:session-detail",
    "api:schema",
}


def all_url_names(
    resolver: URLResolver | None = None, prefix: str = ""
) -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += all_url_names(pattern, namespace)
        elif pattern.name:
            found.append((prefix + pattern.name, pattern))
    return found


def example_url(name: str, pattern: URLPattern) -> str | None:
    converters = pattern.pattern.converters
    kwargs = {
        key: 1 if type(conv).__name__ == "IntConverter" else "x" for key, conv in converters.items()
    }
    try:
        return reverse(name, kwargs=kwargs)
    except Exception:
        return None


@pytest.mark.django_db
def test_every_url_needs_sign_in_except_an_allow_list(client):
    checked = 0
    for name, pattern in all_url_names():
        url = example_url(name, pattern)
        if url is None:
            continue
        response = client.get(url)
        checked += 1
        if name in ANONYMOUS_ALLOWED:
            assert response.status_code in {200, 404, 503}, name
            continue
        if name in API_SIGNS_IN_ITSELF:
            assert response.status_code == 401, name
            continue
        assert response.status_code in {302, 404, 405}, (name, response.status_code)
        if response.status_code == 302:
            assert "/login/" in response.url, (name, response.url)
    assert checked > 40


@pytest.mark.django_db
def test_healthz_reports_the_database_redis_and_the_last_scan(client, settings):
    settings.REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    body = client.get(reverse("healthz")).json()
    assert body["database"] == "ok" and body["ok"] is True
    assert body["redis"] in {"ok", "not configured"} or body["redis"].startswith("down")
    assert "last_reminder_scan" in body
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    degraded = client.get(reverse("healthz"))
    assert degraded.status_code == 200  # the web still serves pages without Redis
    assert degraded.json()["redis"].startswith("down")


@pytest.mark.django_db
def test_an_over_large_request_is_refused_before_it_is_read(client, opcc, settings):
    settings.OVERSIGHT_MAX_REQUEST_BYTES = 1024 * 1024
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:report-create"),
        {"title": "x" * (2 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert b"too large" in response.content


@pytest.mark.django_db
def test_the_eicar_test_file_is_refused_as_malware(force, lead):
    from django.conf import settings as django_settings
    from django.core.exceptions import ValidationError

    from recommendations import uploads

    text = SimpleUploadedFile("notes.txt", b"Notes\n" + EICAR + b"\n", "text/plain")
    with pytest.raises(ValidationError) as refusal:
        uploads.validate_evidence_upload(text, max_bytes=django_settings.EVIDENCE_MAX_UPLOAD_BYTES)
    assert refusal.value.code == "malware"
    assert "failed the malware check" in refusal.value.messages[0]


@pytest.mark.django_db
def test_extra_fields_in_a_post_cannot_change_protected_values(client, force, opcc, other_force):
    finding = make_finding(report=make_report(force=force))
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:finding-edit", args=[finding.pk]),
        {
            "kind": finding.kind,
            "reference": finding.reference,
            "text": finding.text,
            "version": finding.version,
            "force": other_force.pk,
            "status": Status.CLOSED,
            "original_due_on": "2020-01-01",
            "is_staff": "on",
            "report": make_report(force=other_force).pk,
        },
    )
    assert response.status_code == 302
    fresh = Finding.objects.get(pk=finding.pk)
    assert (fresh.force, fresh.status, fresh.report) == (force, Status.NOT_STARTED, finding.report)
    assert fresh.original_due_on == finding.original_due_on
    opcc.refresh_from_db()
    assert not opcc.is_staff


def test_logs_can_be_one_json_object_per_line():
    from oversight.logging import JsonFormatter

    record = logging.LogRecord(
        "oversight", logging.WARNING, __file__, 1, "Digest %s failed", (7,), None
    )
    record.digest_id = 7
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "Digest 7 failed"
    assert (line["level"], line["logger"], line["digest_id"]) == ("WARNING", "oversight", 7)


def test_gunicorn_configuration_is_valid():
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [
            str(gunicorn),
            "--check-config",
            "--config",
            "oversight/gunicorn.conf.py",
            "oversight.wsgi:application",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SECRET_KEY": "x" * 50},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(not shutil.which("pg_dump"), reason="PostgreSQL client tools missing")
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_the_same_records(
    reference_data, force, lead, tmp_path
):
    assert connection.vendor == "postgresql"
    finding = make_finding(report=make_report(force=force), owner=lead)
    services.progress_update_add(
        finding=finding,
        expected_version=1,
        author=lead,
        narrative="Evidence attached",
        rag="green",
        as_at=date(2025, 3, 1),
        evidence=[EvidenceFile(pdf_upload("audit.pdf"), date(2025, 2, 28))],
    )
    settings_dict = connection.settings_dict
    params = [
        "-h",
        settings_dict["HOST"] or "127.0.0.1",
        "-p",
        str(settings_dict["PORT"] or 5432),
        "-U",
        settings_dict["USER"] or "postgres",
    ]
    dump = tmp_path / "oversight.dump"
    # The commands the README documents for backups and restores.
    subprocess.run(["pg_dump", *params, "-Fc", "-f", str(dump), settings_dict["NAME"]], check=True)
    restored = f"{settings_dict['NAME']}_restored"
    subprocess.run(["dropdb", *params, "--if-exists", restored], check=True)
    subprocess.run(["createdb", *params, restored], check=True)
    try:
        subprocess.run(["pg_restore", *params, "--no-owner", "-d", restored, str(dump)], check=True)
        url = f"postgresql://{params[5]}@{params[1]}:{params[3]}/{restored}"
        with psycopg.connect(url) as restored_db:

            def rows(table: str, columns: str) -> list[tuple]:
                return restored_db.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()

            assert rows("recommendations_finding", "id, reference, text, status, version") == list(
                Finding.objects.order_by("id").values_list(
                    "id", "reference", "text", "status", "version"
                )
            )
            assert rows("recommendations_progressupdate", "id, narrative, rag") == list(
                ProgressUpdate.objects.order_by("id").values_list("id", "narrative", "rag")
            )
            assert rows("recommendations_evidence", "id, original_name, size, file") == list(
                Evidence.objects.order_by("id").values_list("id", "original_name", "size", "file")
            )
    finally:
        subprocess.run(["dropdb", *params, "--if-exists", restored], check=True)
