"""Bad input to every intake field gives a page or a clear refusal, never a server error.

A fixed seed, so a failure can be reproduced; the Django test client raises any
exception a view lets through, so a 500 fails the test with its traceback.
"""

from __future__ import annotations

import contextlib
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.utils.exceptions import IllegalCharacterError

from tests.extraction import build_docx, build_html, build_pdf
from tests.intake.conftest import import_url, intake_url, review_url
from tests.intake.spreadsheets import csv_bytes, row, xlsx_bytes

pytestmark = pytest.mark.django_db

OK = {200, 302, 400, 409}
FINDING = "Recommendations\n\nWithin three months, the force should review its plans."

STRINGS = [
    "",
    " ",
    "\x00",
    "R1\x00",
    "\u202eR1",  # right-to-left override
    "\u200b",
    "\ud7ff\ue000\uffff",
    "'; DROP TABLE recommendations_finding; --",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "x" * 1_000_000,
    "\r\n" * 1000,
    "•" * 5000,
    "Within 99999999999999999999 months",
    "By 31 February 2025",
    "By 31 December 9999",
]
DATES = [
    "",
    "0001-01-01",
    "1989-12-31",
    "1990-01-01",
    "9999-12-31",
    "10000-01-01",
    "2025-02-30",
    "-1",
    "31/12/2025",
    "2025-13-01",
    "\x00",
    "9" * 1000,
]


def _random_bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def test_the_paste_form_survives_any_text_and_date(opcc_client, report):
    tried = 0
    for text in [*STRINGS, FINDING]:
        for published_on in DATES:
            response = opcc_client.post(
                intake_url(report), {"text": text, "published_on": published_on}
            )
            assert response.status_code in OK, (text[:40], published_on)
            tried += 1
    assert tried == (len(STRINGS) + 1) * len(DATES)


@pytest.mark.parametrize("extension", [".txt", ".html", ".htm", ".pdf", ".docx", ".doc", ""])
def test_the_upload_form_survives_any_file(opcc_client, report, extension):
    files = [
        b"",
        b"\x00" * 100,
        _random_bytes(1, 4096),
        _random_bytes(2, 100_000),
        b"%PDF-1.7\n" + _random_bytes(3, 2048),
        b"PK\x03\x04" + _random_bytes(4, 2048),
        b'<meta charset="punycode"><p>' + FINDING.encode() + b"</p>",
        b'<meta charset="utf-7"><p>+ADw-script+AD4-</p>' + FINDING.encode(),
        b"<p>" + b"<a " * 30_000,
        b"<!--" * 30_000,
        b"<div>" * 100_000 + FINDING.encode(),
        build_pdf(FINDING),
        build_docx(FINDING),
        build_html(FINDING),
        FINDING.encode("utf-16"),
        FINDING.encode("cp1252"),
    ]
    for data in files:
        upload = SimpleUploadedFile(f"report{extension}", data)
        response = opcc_client.post(intake_url(report), {"file": upload})
        assert response.status_code in OK, (extension, data[:40])


def test_every_field_of_a_review_card_survives_any_value(opcc_client, report, peel_text):
    assert opcc_client.post(intake_url(report), {"text": peel_text}).status_code == 302
    choices = random.Random(11)
    fields = ("kind", "reference", "parent", "text", "timeframe", "due_on", "addressee", "split_at")
    values = [*STRINGS, *DATES, "cause_of_concern", "recommendation", "f1", "e1", "5", "-5"]
    for op in ("edit", "merge", "split", "drop", "restore", "save", "nonsense"):
        for _ in range(12):
            page = opcc_client.get(review_url(report))
            if page.status_code == 302:  # everything saved or discarded: start again
                opcc_client.post(intake_url(report), {"text": peel_text})
            data = {f"f1-{name}": choices.choice(values) for name in fields}
            data |= {
                "op": op,
                "key": choices.choice(["f1", "f2", "f99", "", "\x00"]),
                "revision": choices.choice(["1", "2", "x", ""]),
                "page": choices.choice(["1", "2", "0", "-1", "x", "99999999999"]),
            }
            response = opcc_client.post(review_url(report), data)
            assert response.status_code in OK, data
    for page_number in ("0", "-1", "x", "99999999999", "1" * 100):
        assert opcc_client.get(review_url(report), {"page": page_number}).status_code in OK


def test_every_cell_of_a_spreadsheet_survives_any_value(opcc_client, report):
    choices = random.Random(7)
    cells = [*STRINGS[:-6], *DATES, "recommendation", "cause_of_concern", "CoC1", 45678, 1.5]
    for round_number in range(8):
        rows = [
            row(
                f"R{n}",
                *(choices.choice(cells) for _ in range(2)),
                parent_reference=choices.choice(cells),
                timeframe=choices.choice(cells),
                due_on=choices.choice(cells),
                owner_username=choices.choice(cells),
                opcc_lead_username=choices.choice(cells),
                themes=choices.choice(cells),
            )
            for n in range(20)
        ]
        files = [("f.csv", csv_bytes(rows))]
        # A workbook cannot hold a NUL or other control characters at all.
        with contextlib.suppress(IllegalCharacterError):
            files.append(("f.xlsx", xlsx_bytes(rows)))
        for name, data in files:
            upload = SimpleUploadedFile(name, data)
            response = opcc_client.post(import_url(report), {"file": upload})
            assert response.status_code in OK, (round_number, name)
