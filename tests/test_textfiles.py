"""The one decoder for uploaded text: text and CSV evidence, spreadsheets and reports.

Each caller (evidence uploads, the spreadsheet reader, the report reader) has one test of
its own that a refusal reaches the uploader; the behaviour itself is tested here.
"""

import pytest

from recommendations.textfiles import BINARY, ENCODING, NotText, decode_text
from tests.test_uploads import ELF, JPEG, PDF, PE, docx, png


def refused(data: bytes, *, complete: bool = True) -> NotText:
    with pytest.raises(NotText) as caught:
        decode_text(data, name="notes.txt", complete=complete)
    return caught.value


# Text


NAMES = "ref,owner\nR1,Siân Ó Briain – £5k\n"
COSTS = "ref,cost\nR1,£500 – “urgent”\n"
REPORT = "Areas for improvement\nThe force’s plan."
PAGES = "Page one\fPage two\tcolumn\r\n"


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (NAMES.encode(), NAMES),
        ("\ufeff".encode() + NAMES.encode(), NAMES),
        (COSTS.encode("cp1252"), COSTS),
        (REPORT.encode("utf-16"), REPORT),
        (PAGES.encode(), PAGES),
    ],
    ids=["utf-8", "utf-8 with a BOM", "windows-1252", "utf-16 with a BOM", "page breaks and tabs"],
)
def test_text_is_decoded_without_its_byte_order_mark(data, text):
    assert decode_text(data, name="notes.txt") == text


def test_a_utf8_character_cut_at_the_end_of_a_sample_is_not_an_error():
    head = b"a" * 10 + "£".encode()[:1]
    assert decode_text(head, name="notes.txt", complete=False) == "a" * 10


# Binary, with one message wherever it was uploaded


@pytest.mark.parametrize(
    "data",
    [ELF, PE, PDF, png(), JPEG, docx()],
    ids=["ELF", "Windows executable", "PDF", "PNG", "JPEG", "Word document"],
)
def test_files_with_a_binary_signature_are_binary(data):
    error = refused(data)
    assert (error.code, error.template) == ("binary", BINARY)
    assert error.message.startswith("“notes.txt” is not a plain text file")
    assert "look like binary data" in error.message


@pytest.mark.parametrize(
    "data",
    [
        b"ref,status\nR1\x00,open\n",
        bytes(range(256)) * 40,
        "ref,cost\nR1,£500\x01\x02\n".encode("cp1252"),
        # Far beyond any sample: the whole of what is given is checked.
        b"reference,kind,text\n" * 5000 + b"\x01\x02\x03",
        # Every byte a letter in Windows-1252, and none of it English.
        bytes(range(0xA0, 0x100)) * 50,
    ],
    ids=["a NUL byte", "every byte", "control characters", "a control at the end", "high bytes"],
)
def test_bytes_that_are_not_text_are_binary(data):
    assert refused(data).code == "binary"


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_an_encoding_problem():
    # 0x81 and 0x8D are undefined in Windows-1252 and cannot start a UTF-8 sequence.
    error = refused(b"The force should \x81\x8d review its plans.")
    assert (error.code, error.template) == ("encoding", ENCODING)
    assert "we tried UTF-8 and Windows-1252" in error.message
