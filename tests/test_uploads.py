"""Evidence uploads: allow-list, magic bytes, size limits, zip bombs and safe download names."""

import io
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from recommendations import textfiles, uploads
from recommendations.uploads import (
    ARCHIVE_CORRUPT,
    ARCHIVE_SUSPICIOUS_COMPRESSION,
    ARCHIVE_TOO_LARGE_WHEN_OPENED,
    ARCHIVE_TOO_MANY_PARTS,
    CONTENT_DOES_NOT_MATCH,
    DOCX_CONTENT_TYPE,
    EMPTY_FILE,
    FILE_TOO_LARGE,
    TYPE_NOT_ALLOWED,
    XLSX_CONTENT_TYPE,
    safe_download_name,
    validate_evidence_upload,
)

LIMIT = 20 * 1024 * 1024

PDF = (
    b"%PDF-1.7\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)


def png() -> bytes:
    """A real 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def ooxml(main_part: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(main_part, '<?xml version="1.0"?><document/>')
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return ooxml("word/document.xml")


def xlsx() -> bytes:
    return ooxml("xl/workbook.xml")


def openpyxl_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Ref", "Status"])
    workbook.active.append(["R1", "Open"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(file: UploadedFile, *, max_bytes: int = LIMIT) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_evidence_upload(file, max_bytes=max_bytes)
    assert file.tell() == 0
    return caught.value


def accepted(file: UploadedFile, *, max_bytes: int = LIMIT) -> str:
    content_type = validate_evidence_upload(file, max_bytes=max_bytes)
    assert file.tell() == 0
    return content_type


# Accepted files


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("chart.png", png(), "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("plan.docx", docx(), DOCX_CONTENT_TYPE),
        ("tracker.xlsx", xlsx(), XLSX_CONTENT_TYPE),
        ("notes.txt", "Plan agreed – £5k.\r\nReview in May.\n".encode(), "text/plain"),
        ("actions.csv", b"ref,status\nR1,open\n", "text/csv"),
    ],
)
def test_genuine_files_are_accepted_with_the_type_of_their_extension(name, content, content_type):
    assert accepted(upload(name, content)) == content_type


def test_content_type_comes_from_the_extension_not_the_browser():
    file = SimpleUploadedFile("report.pdf", PDF, content_type="text/html")
    assert accepted(file) == "application/pdf"


def test_a_workbook_saved_by_openpyxl_is_accepted():
    assert accepted(upload("tracker.xlsx", openpyxl_workbook())) == XLSX_CONTENT_TYPE


def test_uppercase_extensions_are_accepted():
    assert accepted(upload("REPORT.PDF", PDF)) == "application/pdf"
    assert accepted(upload("Photo.JPG", JPEG)) == "image/jpeg"


def test_file_position_is_rewound_even_if_the_caller_left_it_elsewhere():
    file = upload("report.pdf", PDF)
    file.read(3)
    assert accepted(file) == "application/pdf"


def test_a_file_exactly_at_the_limit_is_accepted():
    assert accepted(upload("report.pdf", PDF), max_bytes=len(PDF)) == "application/pdf"


def test_a_docx_with_a_small_but_highly_compressed_part_is_accepted():
    content = ooxml("word/document.xml", extra={"word/media/blank.bin": bytes(512 * 1024)})
    assert accepted(upload("plan.docx", content)) == DOCX_CONTENT_TYPE


# Names and sizes


def test_a_disallowed_extension_is_refused_naming_the_file():
    error = refusal(upload("report.exe", PE))
    assert error.message == TYPE_NOT_ALLOWED
    assert error.code == "type_not_allowed"
    assert error.messages == [
        "“report.exe” is not an allowed type. "
        "Upload a PDF, Word (.docx), Excel (.xlsx), PNG, JPEG, text or CSV file."
    ]


@pytest.mark.parametrize("name", ["README", ".pdf", "report.pdf.", "old.doc", "archive.zip"])
def test_names_without_an_allowed_extension_are_refused(name):
    assert refusal(upload(name, PDF)).message == TYPE_NOT_ALLOWED


def test_an_empty_file_is_refused():
    error = refusal(upload("report.pdf", b""))
    assert error.message == EMPTY_FILE
    assert "“report.pdf”" in error.messages[0]


def test_a_file_over_the_limit_is_refused_stating_the_limit():
    error = refusal(upload("report.pdf", PDF + bytes(1024)), max_bytes=1024)
    assert error.message == FILE_TOO_LARGE
    assert "larger than the 1 KB limit" in error.messages[0]


def test_the_size_limit_is_stated_in_megabytes():
    # A declared size is enough: nothing is read before the size check refuses it.
    file = UploadedFile(io.BytesIO(PDF), name="scan.pdf", size=LIMIT + 1)
    error = refusal(file)
    assert error.message == FILE_TOO_LARGE
    assert "“scan.pdf” is larger than the 20 MB limit." in error.messages[0]


# Contents that do not match the extension


def test_an_executable_renamed_pdf_is_refused():
    error = refusal(upload("evil.pdf", PE))
    assert error.message == CONTENT_DOES_NOT_MATCH
    assert error.messages[0].startswith("“evil.pdf” is not a genuine PDF file")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("chart.png", JPEG),
        ("photo.jpg", png()),
        ("photo.jpeg", PDF),
        ("plan.docx", PDF),
        ("tracker.xlsx", b"ref,status\n"),
    ],
)
def test_contents_of_another_type_are_refused(name, content):
    assert refusal(upload(name, content)).message == CONTENT_DOES_NOT_MATCH


def test_a_zip_without_a_word_document_is_refused_as_docx():
    content = ooxml("content/readme.xml")
    assert refusal(upload("plan.docx", content)).message == CONTENT_DOES_NOT_MATCH


def test_a_zip_without_content_types_is_refused_as_docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert refusal(upload("plan.docx", buffer.getvalue())).message == CONTENT_DOES_NOT_MATCH


def test_a_workbook_renamed_docx_is_refused():
    error = refusal(upload("plan.docx", openpyxl_workbook()))
    assert error.message == CONTENT_DOES_NOT_MATCH
    assert "not a genuine Word (.docx) file" in error.messages[0]


def test_a_word_document_renamed_xlsx_is_refused():
    assert refusal(upload("tracker.xlsx", docx())).message == CONTENT_DOES_NOT_MATCH


def test_a_corrupt_zip_is_refused():
    content = b"PK\x03\x04" + bytes(200)
    error = refusal(upload("plan.docx", content))
    assert error.message == ARCHIVE_CORRUPT
    assert error.messages[0].startswith("“plan.docx” is damaged")


def test_a_truncated_docx_is_refused_as_corrupt():
    content = docx()
    assert refusal(upload("plan.docx", content[: len(content) // 2])).message == ARCHIVE_CORRUPT


# Zip bombs


def test_a_docx_that_expands_to_hundreds_of_megabytes_is_refused():
    buffer = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        with archive.open("word/media/bomb.bin", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(chunk)
    content = buffer.getvalue()
    assert len(content) < 2 * 1024 * 1024

    error = refusal(upload("plan.docx", content))
    assert error.message == ARCHIVE_TOO_LARGE_WHEN_OPENED
    assert "more than 200 MB when opened" in error.messages[0]


def test_declared_uncompressed_sizes_are_summed_without_decompressing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("word/media/a.bin", b"a")
        archive.writestr("word/media/b.bin", b"b")
        # The central directory is written from these on close: claim 150 MB each.
        for info in archive.infolist()[2:]:
            info.file_size = info.compress_size = 150 * 1024 * 1024
    error = refusal(upload("plan.docx", buffer.getvalue()))
    assert error.message == ARCHIVE_TOO_LARGE_WHEN_OPENED


def test_a_part_with_an_absurd_compression_ratio_is_refused():
    content = ooxml("word/document.xml", extra={"word/media/zeros.bin": bytes(2 * 1024 * 1024)})
    error = refusal(upload("plan.docx", content))
    assert error.message == ARCHIVE_SUSPICIOUS_COMPRESSION
    assert error.code == "compression_ratio"


def test_a_workbook_with_too_many_parts_is_refused():
    error = refusal(upload("tracker.xlsx", many_parts()))
    assert error.message == ARCHIVE_TOO_MANY_PARTS
    assert "more than 2,000" in error.messages[0]


def many_parts() -> bytes:
    extra = {f"xl/media/image{number}.png": b"" for number in range(uploads.MAX_ZIP_MEMBERS)}
    return ooxml("xl/workbook.xml", extra=extra)


def test_a_declared_member_count_over_the_limit_is_refused_before_zipfile_parses_it(
    monkeypatch,
):
    content = many_parts()

    def must_not_open(*args, **kwargs):
        raise AssertionError("zipfile should not have been asked to open this archive")

    monkeypatch.setattr(uploads.zipfile, "ZipFile", must_not_open)
    assert refusal(upload("tracker.xlsx", content)).message == ARCHIVE_TOO_MANY_PARTS


def test_an_oversized_central_directory_is_refused_before_zipfile_parses_it(monkeypatch):
    # Fewer members than the limit, but names long enough to make the directory huge.
    extra = {f"xl/media/{number:04}{'x' * 1000}.png": b"" for number in range(1100)}
    content = ooxml("xl/workbook.xml", extra=extra)

    def must_not_open(*args, **kwargs):
        raise AssertionError("zipfile should not have been asked to open this archive")

    monkeypatch.setattr(uploads.zipfile, "ZipFile", must_not_open)
    assert refusal(upload("tracker.xlsx", content)).message == ARCHIVE_TOO_MANY_PARTS


def test_an_end_record_understating_the_member_count_does_not_get_past_the_limit():
    content = bytearray(many_parts())
    end = content.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", content, end + 8, 3, 3)  # claim 3 members; zipfile ignores it
    assert refusal(upload("tracker.xlsx", bytes(content))).message == ARCHIVE_TOO_MANY_PARTS


def with_zip64_end_record(content: bytes, *, members: int | None = None) -> bytes:
    """Rewrite a zip's end record in zip64 form, as writers do past 65,535 members."""
    end = content.rfind(b"PK\x05\x06")
    count, directory_bytes, directory_offset = struct.unpack_from("<HLL", content, end + 10)
    count = count if members is None else members
    record = struct.pack(
        "<4sQ2H2L4Q",
        b"PK\x06\x06",
        44,
        45,
        45,
        0,
        0,
        count,
        count,
        directory_bytes,
        directory_offset,
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return content[:end] + record + locator + eocd


def test_a_zip64_end_record_is_read_like_zipfile_reads_it():
    assert accepted(upload("plan.docx", with_zip64_end_record(docx()))) == DOCX_CONTENT_TYPE


def test_a_zip64_member_count_over_the_limit_is_refused_before_zipfile_parses_it(monkeypatch):
    content = with_zip64_end_record(docx(), members=100_000)

    def must_not_open(*args, **kwargs):
        raise AssertionError("zipfile should not have been asked to open this archive")

    monkeypatch.setattr(uploads.zipfile, "ZipFile", must_not_open)
    assert refusal(upload("plan.docx", content)).message == ARCHIVE_TOO_MANY_PARTS


# Text and CSV (the decoder itself is tested in tests/test_textfiles.py)


def test_an_elf_binary_named_txt_is_refused():
    error = refusal(upload("notes.txt", ELF))
    assert (error.message, error.code) == (textfiles.BINARY, "binary")
    assert error.messages[0].startswith("“notes.txt” is not a plain text file")


def test_bytes_that_are_neither_utf8_nor_cp1252_are_refused():
    error = refusal(upload("notes.txt", b"caf\x81 menu\n"))
    assert (error.message, error.code) == (textfiles.ENCODING, "encoding")


def test_a_cp1252_csv_is_accepted():
    content = "ref,cost\nR1,£500 – “urgent”\n".encode("cp1252")
    assert accepted(upload("data.csv", content)) == "text/csv"


def test_a_utf8_character_cut_at_the_sample_boundary_is_accepted():
    head = b"a" * (uploads.TEXT_SAMPLE_BYTES - 1) + "£".encode()
    boundary = uploads.TEXT_SAMPLE_BYTES
    assert head[boundary - 1 : boundary + 1] == "£".encode()  # the £ straddles the boundary
    assert accepted(upload("notes.txt", head + b" more text\n")) == "text/plain"


def test_nul_bytes_after_the_sample_are_not_read():
    content = b"a" * uploads.TEXT_SAMPLE_BYTES + b"\x00"
    assert accepted(upload("notes.txt", content)) == "text/plain"


# Download names


@pytest.mark.parametrize(
    ("original", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\report.pdf", "report.pdf"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ('quarterly "final" report.pdf', "quarterly final report.pdf"),
        ("o'brien.docx", "obrien.docx"),
        ("line\r\nbreak.pdf", "linebreak.pdf"),
        ("bell\x07\x00tab\t.pdf", "belltab.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("what?<now>.txt", "what__now_.txt"),
        ("Siân’s plan.docx", "Siân’s plan.docx"),
        ("report.pdf.", "report.pdf"),
        ("  spaced out.pdf  ", "spaced out.pdf"),
    ],
)
def test_download_names_are_reduced_to_a_safe_basename(original, safe):
    assert safe_download_name(original) == safe


@pytest.mark.parametrize(
    ("original", "safe"),
    [
        ("", "evidence"),
        ("..", "evidence"),
        ("../", "evidence"),
        ("C:\\", "evidence"),
        (".pdf", "evidence.pdf"),
        ('"".pdf', "evidence.pdf"),
        ("\n\x00.PDF", "evidence.PDF"),
    ],
)
def test_download_names_are_never_empty(original, safe):
    assert safe_download_name(original) == safe


def test_long_download_names_are_capped_keeping_the_extension():
    safe = safe_download_name("a" * 400 + ".xlsx")
    assert len(safe) == 150
    assert safe.endswith("aaa.xlsx")


def test_a_long_pseudo_extension_is_truncated_as_part_of_the_name():
    safe = safe_download_name("report." + "x" * 400)
    assert len(safe) == 150
    assert safe.startswith("report.xxx")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "claimed"),
    [
        ("audit.pdf", "text/html"),
        ("audit.pdf", "image/svg+xml"),
        ("audit.pdf", "application/" + "x" * 120),
        ("au\x00dit.pdf", "application/pdf\x00"),
    ],
)
def test_evidence_is_stored_and_served_with_the_checked_type_not_the_browsers(
    client, lead, force, name, claimed
):
    """Issue 12, item 7: the browser's Content-Type (or a hostile one) never reaches storage."""
    from datetime import date

    from django.urls import reverse

    from recommendations.models import Evidence
    from tests.factories import PDF_BYTES, make_finding, make_report

    finding = make_finding(report=make_report(force=force), owner=lead, due_on=date(2026, 6, 1))
    client.force_login(lead)
    response = client.post(
        reverse("recommendations:update-create", args=[finding.pk]),
        {
            "version": finding.version,
            "narrative": "Audit attached.",
            "rag": "green",
            "as_at": "2026-05-01",
            "evidence": SimpleUploadedFile(name, PDF_BYTES, content_type=claimed),
            "evidence_effective_on": "2026-04-30",
        },
    )
    assert response.status_code == 302, response.content[:500]
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf"
    assert "\x00" not in evidence.original_name
    download = client.get(reverse("recommendations:evidence-download", args=[evidence.pk]))
    assert download["Content-Type"] == "application/pdf"
