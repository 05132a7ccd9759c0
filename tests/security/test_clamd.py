"""Evidence is scanned by ClamAV's real daemon when OVERSIGHT_CLAMD_ADDRESS is set."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recommendations import antivirus, uploads
from recommendations.antivirus import EICAR
from recommendations.models import Evidence, ProgressUpdate
from tests.factories import make_finding, make_report, pdf_upload
from tests.support.processes import ClamdServer


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    server = ClamdServer(tmp_path_factory.mktemp("clamd"), stream_max_bytes=1024 * 1024).start()
    yield server
    server.stop()


@pytest.fixture
def scanning(settings, clamd):
    settings.OVERSIGHT_CLAMD_ADDRESS = clamd.address
    return clamd


def verdict(content: bytes, name: str = "notes.txt") -> str:
    """ "clean", or the refusal's code."""
    upload = SimpleUploadedFile(name, content, "text/plain")
    try:
        antivirus.scan(upload, name=name)
    except ValidationError as refusal:
        assert upload.tell() == 0  # left ready to be stored, or read again
        return refusal.code
    return "clean"


def test_clean_files_pass_and_the_test_signature_is_found(scanning):
    assert verdict(b"Minutes of the PPOG meeting.\n") == "clean"
    assert verdict(b"Minutes\n" + EICAR + b"\n") == "malware"


def test_a_signature_past_the_first_chunk_is_found(scanning):
    # Uploads are streamed in 64 KiB chunks; the signature lies across the first boundary.
    padding = b"a" * (64 * 1024 - 20)
    assert verdict(padding + EICAR + b"b" * 1000) == "malware"
    assert verdict(padding * 3) == "clean"


def test_a_file_over_clamds_stream_limit_is_refused_not_passed(scanning):
    # clamd answers "size limit exceeded" (or hangs up): no verdict, so no file.
    assert verdict(b"x" * (2 * 1024 * 1024)) == "scanner_unavailable"


def test_no_daemon_listening_means_no_file(settings, tmp_path):
    stopped = ClamdServer(tmp_path)  # a free port with nothing on it
    settings.OVERSIGHT_CLAMD_ADDRESS = stopped.address
    assert verdict(b"Minutes\n") == "scanner_unavailable"


@pytest.mark.django_db
def test_evidence_upload_validation_uses_the_daemon(scanning):
    from django.conf import settings

    infected = SimpleUploadedFile("notes.txt", b"Notes\n" + EICAR, "text/plain")
    with pytest.raises(ValidationError) as refusal:
        uploads.validate_evidence_upload(infected, max_bytes=settings.EVIDENCE_MAX_UPLOAD_BYTES)
    assert refusal.value.code == "malware"


@pytest.mark.django_db
def test_an_infected_upload_is_refused_with_a_message_and_nothing_is_stored(
    client, scanning, force, lead, opcc
):
    finding = make_finding(
        report=make_report(force=force), owner=lead, opcc_lead=opcc, due_on=date(2025, 6, 30)
    )
    client.force_login(lead)
    url = reverse("recommendations:update-create", args=[finding.pk])
    data = {
        "version": finding.version,
        "narrative": "Audit attached.",
        "rag": "green",
        "as_at": "2025-06-01",
        "evidence_effective_on": "2025-05-30",
    }
    infected = SimpleUploadedFile("audit.txt", b"Audit\n" + EICAR + b"\n", "text/plain")
    response = client.post(url, {**data, "evidence": infected})
    assert response.status_code == 400
    assert "failed the malware check" in response.content.decode()
    assert not ProgressUpdate.objects.exists()
    assert not Evidence.objects.exists()

    response = client.post(url, {**data, "evidence": pdf_upload("audit.pdf")})
    assert response.status_code == 302
    assert Evidence.objects.get().original_name == "audit.pdf"
