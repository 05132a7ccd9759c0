"""Uploaded bytes read as text: one decoder for text and CSV evidence, spreadsheets and reports.

Plain Python (no Django), so that the extraction engine can use it as well as the domain.

A UTF-16 file announces itself with its byte-order mark. Otherwise UTF-8 is tried first,
with or without the BOM that Excel writes for "CSV UTF-8": random binary almost never
decodes as UTF-8, so passing is strong evidence of text. Failing that, Windows-1252, which
older Excel "CSV" exports and Notepad files from UK Windows machines use (£ is 0xA3).

Decoding alone proves little, because Windows-1252 maps nearly every byte to a character.
So whatever the encoding, text has no NUL bytes and no control characters other than
tabs, line and page breaks; and text that needed the Windows-1252 fallback must also be
mostly ASCII, as English is. Anything else is binary, with one message wherever it was
uploaded.
"""

from __future__ import annotations

import codecs
import re

# %-style, so that a Django ValidationError can carry them with `name` as a parameter.
BINARY = (
    "“%(name)s” is not a plain text file: its contents look like binary data. "
    "Save it as text (UTF-8) and upload it again."
)
ENCODING = (
    "“%(name)s” is not in a text encoding we can read (we tried UTF-8 and Windows-1252). "
    "Save it as UTF-8 text and upload it again."
)

# Executables, zips (and so Office files), PDFs, ELF binaries and images.
BINARY_SIGNATURES = (
    b"MZ",
    b"PK\x03\x04",
    b"%PDF-",
    b"\x7fELF",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control characters (Unicode category Cc) other than tabs, line breaks, and the page
# breaks that text converted from PDF carries.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Anything but ASCII and the typography that ordinary English text holds beside it.
_UNUSUAL = re.compile(r"[^\x00-\x7f’‘“”–—•…£€é·]")
_ORDINARY_SHARE = 0.85
_SAMPLE_CHARS = 200_000


class NotText(Exception):
    """Bytes that are not text. `code` is "binary" or "encoding"; `message` names the file."""

    def __init__(self, template: str, *, code: str, name: str) -> None:
        self.template = template
        self.code = code
        self.name = name
        self.message = template % {"name": name}
        super().__init__(self.message)


def decode_text(data: bytes, *, name: str, complete: bool = True) -> str:
    """The text of uploaded bytes, or NotText saying why they are not text.

    `complete=False` when `data` is only the head of a longer file: a character cut in
    two at the end is then not an error.
    """
    if data.startswith(BINARY_SIGNATURES):
        raise NotText(BINARY, code="binary", name=name)
    if data.startswith(_UTF16_BOMS):
        # UTF-16 is full of NUL bytes by design, so it is decoded before they are looked for.
        text = _decode(data, "utf-16", name=name, complete=complete)
    elif b"\x00" in data:
        # A NUL byte never occurs in UTF-8 or Windows-1252 text: the surest sign of binary.
        raise NotText(BINARY, code="binary", name=name)
    else:
        try:
            text = _decode(data, "utf-8-sig", name=name, complete=complete)
        except NotText:
            text = _decode(data, "cp1252", name=name, complete=complete)
            if not _mostly_ordinary(text):
                raise NotText(BINARY, code="binary", name=name) from None
    if _CONTROL.search(text):
        raise NotText(BINARY, code="binary", name=name)
    return text


def _decode(data: bytes, encoding: str, *, name: str, complete: bool) -> str:
    try:
        return codecs.getincrementaldecoder(encoding)().decode(data, final=complete)
    except UnicodeDecodeError as exc:
        raise NotText(ENCODING, code="encoding", name=name) from exc


def _mostly_ordinary(text: str) -> bool:
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return True
    unusual = len(_UNUSUAL.findall(sample))
    return (len(sample) - unusual) / len(sample) >= _ORDINARY_SHARE
