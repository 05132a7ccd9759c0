"""Checks on evidence files before they are stored, and safe names for downloading them.

RELIABILITY.md §B4 items 19, 20 and 22: an allow-list of extensions, contents that must
match the extension (an `.exe` renamed `.pdf` is refused), a size limit, a zip-bomb guard
for Word and Excel files, and a download name that cannot carry a path or break a header.

Everything here reads as little as it can: a few bytes of signature, the first 64 KiB of a
text file, or the directory at the end of a zip. Nothing is ever extracted.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zipfile

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from recommendations import antivirus, textfiles

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ALLOWED_EXTENSIONS: dict[str, str] = {
    ".pdf": "application/pdf",
    ".docx": DOCX_CONTENT_TYPE,
    ".xlsx": XLSX_CONTENT_TYPE,
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
}

MB = 1024 * 1024
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_UNCOMPRESSED_BYTES = 200 * MB
MAX_COMPRESSION_RATIO = 200
# Small members may compress very well (an XML part full of repeated tags) and cannot do
# harm whatever their ratio, so the ratio is only checked above this size.
COMPRESSION_RATIO_MIN_BYTES = 1 * MB
TEXT_SAMPLE_BYTES = 64 * 1024

TYPE_NOT_ALLOWED = (
    "“%(name)s” is not an allowed type. "
    "Upload a PDF, Word (.docx), Excel (.xlsx), PNG, JPEG, text or CSV file."
)
EMPTY_FILE = "“%(name)s” is empty. Check you chose the right file and upload it again."
FILE_TOO_LARGE = (
    "“%(name)s” is larger than the %(limit)s limit. Upload a smaller file, or split it into parts."
)
CONTENT_DOES_NOT_MATCH = (
    "“%(name)s” is not a genuine %(kind)s file: its contents do not match its name. "
    "Save it again as %(kind)s and upload that."
)
ARCHIVE_CORRUPT = (
    "“%(name)s” is damaged and cannot be opened. "
    "Save it again from Word or Excel and upload the new copy."
)
ARCHIVE_TOO_MANY_PARTS = (
    "“%(name)s” contains too many internal parts (more than %(limit)s) to be checked safely. "
    "Save it as a PDF and upload that instead."
)
ARCHIVE_TOO_LARGE_WHEN_OPENED = (
    "“%(name)s” would expand to more than %(limit)s when opened, which is too large to check "
    "safely. Save it as a PDF, or split it into smaller files."
)
ARCHIVE_SUSPICIOUS_COMPRESSION = (
    "“%(name)s” is compressed in an unusual way that is used to attack servers, so it cannot "
    "be accepted. Save it again from Word or Excel, or as a PDF."
)

_KIND = {
    ".pdf": "PDF",
    ".docx": "Word (.docx)",
    ".xlsx": "Excel (.xlsx)",
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".txt": "text",
    ".csv": "CSV",
}
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_SIGNATURES = {".pdf": b"%PDF-", ".png": _PNG, ".jpg": _JPEG, ".jpeg": _JPEG}
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_OOXML_MAIN_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
_OOXML_CONTENT_TYPES = "[Content_Types].xml"
_TEXT_EXTENSIONS = frozenset({".txt", ".csv"})

# zipfile parses the whole central directory into ZipInfo objects as soon as it opens an
# archive: a 35 MB zip of 400,000 empty members took seconds and over 200 MB of memory just
# to open. So the end-of-central-directory record (the same one zipfile trusts) is read by
# hand first, and the directory refused if it is larger than MAX_ZIP_MEMBERS ordinary entries
# could need. An OOXML entry is about 100 bytes (46 fixed, a short name, small extras).
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_MAX_CENTRAL_DIRECTORY_BYTES = MAX_ZIP_MEMBERS * 512

_MAX_NAME_CHARS = 150
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")
_UNSAFE_NAME_CHARS = str.maketrans({'"': None, "'": None, "`": None} | dict.fromkeys("<>:|?*", "_"))


def validate_evidence_upload(upload: UploadedFile, *, max_bytes: int) -> str:
    """Check one uploaded file and return the content type to store.

    The content type comes from the checked extension, never from the browser's
    Content-Type. Raises ValidationError with a user-facing message naming the file (the
    message is one of this module's constants, with `name` and sometimes `limit` or `kind`
    as params). The file position is 0 afterwards, whether it passes or not.
    """
    name = safe_download_name(upload.name or "")
    try:
        extension = _extension(upload.name or "")
        if extension not in ALLOWED_EXTENSIONS:
            raise _invalid(TYPE_NOT_ALLOWED, "type_not_allowed", name=name)
        size = _size(upload)
        if size == 0:
            raise _invalid(EMPTY_FILE, "empty", name=name)
        if size > max_bytes:
            raise _invalid(FILE_TOO_LARGE, "too_large", name=name, limit=format_bytes(max_bytes))
        _check_content(upload, extension=extension, size=size, name=name)
        antivirus.scan(upload, name=name)
        return ALLOWED_EXTENSIONS[extension]
    finally:
        upload.seek(0)


def stored_content_type(original_name: str) -> str:
    """The type to store and serve for a checked file: from its extension, which the
    content check matched, never from the browser's Content-Type header."""
    try:
        return ALLOWED_EXTENSIONS.get(_extension(original_name), "application/octet-stream")
    except ValidationError:
        return "application/octet-stream"


def safe_download_name(original_name: str) -> str:
    """A filename that is safe to put in a Content-Disposition header.

    Keeps only the last path part (splitting on both / and \\), drops control, format and
    line-separator characters (including right-to-left overrides that can disguise an
    extension) and quotes, replaces characters Windows forbids, trims dots and spaces from
    the ends, and caps the length at about 150 characters while keeping the extension.
    Never empty: an unusable name becomes "evidence" plus its extension.
    """
    name = unicodedata.normalize("NFC", original_name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if not _is_invisible(char))
    name = name.translate(_UNSAFE_NAME_CHARS).strip()

    stem, dot, extension = name.rpartition(".")
    extension = dot + extension
    if not dot or not _EXTENSION.fullmatch(extension):
        stem, extension = name, ""
    stem = stem.strip(" .")[: _MAX_NAME_CHARS - len(extension)].rstrip(" .")
    return (stem or "evidence") + extension


def _is_invisible(char: str) -> bool:
    # Cc control, Cf format (bidi overrides, zero-width), Cs/Co/Cn; Zl/Zp line breaks.
    category = unicodedata.category(char)
    return category.startswith("C") or category in {"Zl", "Zp"}


def _extension(original_name: str) -> str:
    basename = original_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, extension = basename.rpartition(".")
    # "report" and ".pdf" both count as having no extension.
    return "." + extension.lower() if dot and stem else ""


def _size(upload: UploadedFile) -> int:
    if upload.size is not None:
        return upload.size
    upload.seek(0, 2)
    return upload.tell()


def format_bytes(count: int) -> str:
    """Whole or one-decimal MB for real limits; KB and bytes only for tiny test limits."""
    for unit, scale in (("MB", MB), ("KB", 1024)):
        if count >= scale:
            return f"{round(count / scale, 1):g} {unit}"
    return f"{count} bytes"


def _invalid(message: str, code: str, **params: str) -> ValidationError:
    return ValidationError(message, code=code, params=params)


def _read_head(upload: UploadedFile, count: int) -> bytes:
    upload.seek(0)
    return upload.read(count)


def _check_content(upload: UploadedFile, *, extension: str, size: int, name: str) -> None:
    if extension in _SIGNATURES:
        signature = _SIGNATURES[extension]
        if _read_head(upload, len(signature)) != signature:
            raise _mismatch(extension, name)
    elif extension in _OOXML_MAIN_PART:
        _check_ooxml(upload, extension=extension, size=size, name=name)
    elif extension in _TEXT_EXTENSIONS:
        _check_text(upload, size=size, name=name)
    else:  # pragma: no cover - ALLOWED_EXTENSIONS and the checks above must agree
        raise AssertionError(f"no content check for {extension}")


def _mismatch(extension: str, name: str) -> ValidationError:
    return _invalid(CONTENT_DOES_NOT_MATCH, "content_mismatch", name=name, kind=_KIND[extension])


def _check_ooxml(upload: UploadedFile, *, extension: str, size: int, name: str) -> None:
    if _read_head(upload, len(_ZIP_LOCAL_HEADER)) != _ZIP_LOCAL_HEADER:
        raise _mismatch(extension, name)
    declared = _declared_central_directory(upload, size)
    if declared is not None:
        members, directory_bytes = declared
        if members > MAX_ZIP_MEMBERS or directory_bytes > _MAX_CENTRAL_DIRECTORY_BYTES:
            raise _too_many_parts(name)
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise _invalid(ARCHIVE_CORRUPT, "corrupt", name=name) from exc

    # The end record's count can disagree with the directory itself; trust the directory.
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _too_many_parts(name)
    # Declared sizes are all we look at: nothing here decompresses, so a lying header can
    # only make a file look bigger than it is, which refuses it.
    if sum(info.file_size for info in infos) > MAX_ZIP_UNCOMPRESSED_BYTES:
        raise _invalid(
            ARCHIVE_TOO_LARGE_WHEN_OPENED,
            "uncompressed_too_large",
            name=name,
            limit=format_bytes(MAX_ZIP_UNCOMPRESSED_BYTES),
        )
    for info in infos:
        if (
            info.file_size > COMPRESSION_RATIO_MIN_BYTES
            and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        ):
            raise _invalid(ARCHIVE_SUSPICIOUS_COMPRESSION, "compression_ratio", name=name)

    # OPC part names are case-insensitive, though every producer we know writes these exactly.
    part_names = {info.filename.lower() for info in infos}
    required = {_OOXML_CONTENT_TYPES.lower(), _OOXML_MAIN_PART[extension]}
    if not required <= part_names:
        raise _mismatch(extension, name)


def _too_many_parts(name: str) -> ValidationError:
    return _invalid(
        ARCHIVE_TOO_MANY_PARTS, "too_many_members", name=name, limit=f"{MAX_ZIP_MEMBERS:,}"
    )


def _declared_central_directory(upload: UploadedFile, size: int) -> tuple[int, int] | None:
    """(member count, central directory bytes) from the zip's end record, None if absent.

    Mirrors zipfile's own search: the last end-of-central-directory signature within the
    final 64 KiB (the longest comment allowed), then a zip64 record just before it.
    """
    tail_bytes = min(size, _EOCD.size + 0xFFFF + _ZIP64_LOCATOR.size + _ZIP64_EOCD.size)
    upload.seek(size - tail_bytes)
    tail = upload.read(tail_bytes)
    end = tail.rfind(b"PK\x05\x06", 0, len(tail) - _EOCD.size + 4)
    if end < 0:
        return None  # zipfile will report the archive as corrupt
    members, directory_bytes = _EOCD.unpack_from(tail, end)[4:6]
    locator = end - _ZIP64_LOCATOR.size
    record = locator - _ZIP64_EOCD.size
    if (
        record >= 0
        and tail[locator : locator + 4] == b"PK\x06\x07"
        and tail[record : record + 4] == b"PK\x06\x06"
    ):
        members, directory_bytes = _ZIP64_EOCD.unpack_from(tail, record)[7:9]
    return members, directory_bytes


def _check_text(upload: UploadedFile, *, size: int, name: str) -> None:
    sample = _read_head(upload, TEXT_SAMPLE_BYTES)
    try:
        textfiles.decode_text(sample, name=name, complete=size <= len(sample))
    except textfiles.NotText as exc:
        raise _invalid(exc.template, exc.code, name=name) from exc
