"""Evidence in S3-compatible object storage (OVERSIGHT_STORAGE=s3), against a real
S3 server (moto's standalone server): stored privately, downloaded only through the
permission-checked view, and a store that is missing a file or is down gives a clear
message with nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recommendations.models import Evidence, ProgressUpdate
from tests.factories import PDF_BYTES, make_finding, make_report, pdf_upload
from tests.support.s3 import BUCKET, REGION, S3Server

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    if s3_server.process is None:
        s3_server.start()
    client = s3_server.client()
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings()}
    yield s3_server
    if s3_server.process is not None:
        listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
        for item in listed:
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
        client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def finding(force, lead):
    return make_finding(report=make_report(force=force), owner=lead)


def post_update(client, finding, **extra):
    return client.post(
        reverse("recommendations:update-create", args=[finding.pk]),
        {
            "version": finding.version,
            "narrative": "Training delivered.",
            "rag": "green",
            "as_at": "2026-06-01",
            "evidence": pdf_upload("audit.pdf"),
            "evidence_effective_on": "2026-05-30",
            **extra,
        },
    )


def keys(server) -> list[str]:
    return [o["Key"] for o in server.client().list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_an_upload_goes_to_the_bucket_privately(s3, client, finding, lead, settings):
    client.force_login(lead)
    assert post_update(client, finding).status_code == 302
    evidence = Evidence.objects.get()
    assert keys(s3) == [evidence.file.name]
    assert not (Path(settings.MEDIA_ROOT) / evidence.file.name).exists()
    stored = s3.client().get_object(Bucket=BUCKET, Key=evidence.file.name)["Body"].read()
    assert stored == PDF_BYTES
    grants = s3.client().get_object_acl(Bucket=BUCKET, Key=evidence.file.name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner alone
    assert all("AllUsers" not in str(g["Grantee"]) for g in grants)


def test_a_download_streams_through_the_permission_check(s3, client, finding, lead, outsider):
    client.force_login(lead)
    post_update(client, finding)
    evidence = Evidence.objects.get()
    url = reverse("recommendations:evidence-download", args=[evidence.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_file_missing_from_the_bucket_says_so(s3, client, finding, lead):
    client.force_login(lead)
    post_update(client, finding)
    evidence = Evidence.objects.get()
    s3.client().delete_object(Bucket=BUCKET, Key=evidence.file.name)
    response = client.get(reverse("recommendations:evidence-download", args=[evidence.pk]))
    assert response.status_code == 404
    assert b"missing from storage" in response.content


def test_a_refused_file_never_reaches_the_bucket(s3, client, finding, lead):
    client.force_login(lead)
    eicar = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    response = post_update(
        client, finding, evidence=SimpleUploadedFile("notes.txt", eicar, content_type="text/plain")
    )
    assert response.status_code in (200, 400)
    assert keys(s3) == [] and not Evidence.objects.exists()


def test_with_the_store_down_an_upload_saves_nothing_and_says_why(s3, client, finding, lead):
    client.force_login(lead)
    s3.stop()
    try:
        response = post_update(client, finding)
        assert response.status_code in (200, 400, 409)
        assert b"file store cannot be reached" in response.content
        assert not ProgressUpdate.objects.exists() and not Evidence.objects.exists()
        finding.refresh_from_db()
        assert finding.version == 1
    finally:
        s3.start()
        s3.client().create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )


def test_with_the_store_down_a_download_is_503_not_500(s3, client, finding, lead):
    client.force_login(lead)
    post_update(client, finding)
    evidence = Evidence.objects.get()
    s3.stop()
    try:
        response = client.get(reverse("recommendations:evidence-download", args=[evidence.pk]))
        assert response.status_code == 503
        assert b"cannot be reached" in response.content
    finally:
        s3.start()
        s3.client().create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )


def test_the_setting_chooses_the_store():
    def backend(**env: str) -> str:
        code = (
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STORAGES['default']['BACKEND'])"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            capture_output=True,
            text=True,
        )
        return done.stdout.strip() or done.stderr.strip().splitlines()[-1]

    assert backend(DJANGO_SETTINGS_MODULE="oversight.settings").endswith("FileSystemStorage")
    s3_env = {"OVERSIGHT_STORAGE": "s3", "OVERSIGHT_S3_BUCKET": "b"}
    assert backend(DJANGO_SETTINGS_MODULE="oversight.settings", **s3_env).endswith("S3Storage")
    refused = backend(DJANGO_SETTINGS_MODULE="oversight.settings", OVERSIGHT_STORAGE="s3")
    assert "needs OVERSIGHT_S3_BUCKET" in refused
