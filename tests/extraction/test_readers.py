"""Each file type read for real, and each kind of bad input refused with a clear message."""

import io
import time
import zipfile

import pytest

from intake.extraction import ExtractionError, extract, extract_file, read_document
from intake.extraction.evaluation import Scores, load_corpus, score_document
from tests.extraction import CORPUS, build_docx, build_html, build_pdf, encrypt_pdf

DOCUMENTS = {doc.name: doc for doc in load_corpus(CORPUS)}


def _scores_for(name: str, data: bytes, filename: str) -> Scores:
    doc = DOCUMENTS[name]
    result = extract_file(data, filename=filename, published_on=doc.published_on)
    scores = Scores()
    score_document(doc, result, scores)
    return scores


def _assert_perfect(scores: Scores) -> None:
    assert scores.problems == []
    assert scores.precision == scores.recall == scores.due_accuracy == 1.0


@pytest.mark.parametrize(
    ("name", "builder", "filename"),
    [
        ("wrapped_peel_2022", lambda t: build_pdf(t, lines_per_page=12), "peel.pdf"),
        ("coc_letter_accelerated", build_pdf, "letter.pdf"),
        ("national_thematic", build_docx, "thematic.docx"),
        ("ncpi_report", build_docx, "ncpi.docx"),
        ("coc_letter_two_causes", build_docx, "letter.docx"),
        ("peel_2016_afi", build_html, "peel.html"),
        ("peel_2023_coc", build_html, "peel.htm"),
        ("register_entries", build_html, "register.html"),
    ],
)
def test_files_give_the_same_findings_as_their_text(name, builder, filename):
    data = builder(DOCUMENTS[name].text)
    _assert_perfect(_scores_for(name, data, filename))


def test_pdf_reader_drops_running_footers_and_joins_paragraphs_across_pages():
    text = DOCUMENTS["wrapped_peel_2022"].text
    read = read_document(build_pdf(text, lines_per_page=7), "report.pdf")
    assert "Page 1 of" not in read
    assert "Page 4 of 12" in text and "Page 4 of 12" not in read


def test_pdf_keeps_curly_quotes_bullets_and_dashes():
    read = read_document(build_pdf("It’s “quoted” – and:\n• a bullet"), "a.pdf")
    assert "It’s “quoted” – and:" in read
    assert "• a bullet" in read


def test_docx_list_styles_become_bullets_and_numbers():
    read = read_document(build_docx("Lead-in:\n• first\n• second\n1. one\n2. two"), "a.docx")
    assert "• first\n• second" in read
    assert "1. one\n2. two" in read


def test_html_skips_scripts_and_keeps_list_items_whole():
    read = read_document(build_html("Areas for improvement\n• The force should act."), "a.html")
    assert "never appear" not in read
    assert "• The force should act." in read


def test_html_entities_and_charset_are_decoded():
    html = b"<p>The force&rsquo;s plan &ndash; 2025</p>"
    assert read_document(html, "a.html") == "The force’s plan – 2025"
    latin = '<meta charset="windows-1252"><p>It\x92s</p>'.encode("latin-1")
    assert read_document(latin, "b.html") == "It’s"


@pytest.mark.parametrize("run", [b"<a ", b"<!--", b"<p><a href='x' "], ids=["a", "comment", "attr"])
def test_html_that_makes_a_quadratic_parser_crawl_is_read_in_linear_time(run):
    """Issue 12 item 3: html.parser took 12 s on 30 KB of unclosed "<a " (82 s on 90 KB)."""
    data = b"<h2>Recommendations</h2><p>The force should act.</p>" + run * 30_000
    started = time.perf_counter()
    try:
        read_document(data, "page.html")
    except ExtractionError as exc:
        assert exc.code == "no_text"
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("charset", ["punycode", "idna", "base64", "utf-16", "no-such-thing"])
def test_a_page_that_declares_a_charset_it_cannot_be_read_in_is_read_as_text(charset):
    """Issue 12 item 8: `<meta charset="punycode">` raised UnicodeError, a 500."""
    page = f'<meta charset="{charset}"><h2>Recommendations</h2><p>The force should act.</p>'
    assert "The force should act." in read_document(page.encode(), "page.html")


def test_a_page_whose_bytes_are_not_text_in_any_charset_gets_the_decoders_message():
    page = b'<meta charset="punycode"><p>Recommendations</p>\x00\x01' + bytes(range(256))
    assert _error(page, "page.html").code == "binary"


def test_an_owner_password_only_pdf_opens_like_any_reader_would():
    data = encrypt_pdf(build_pdf("Recommendations\nThe force should act."), user_password="")
    assert "The force should act." in read_document(data, "locked.pdf")


# --------------------------------------------------------------------------
# Bad input


def _error(data: bytes, filename: str) -> ExtractionError:
    with pytest.raises(ExtractionError) as info:
        read_document(data, filename)
    assert info.value.message
    assert filename in info.value.message
    return info.value


@pytest.mark.parametrize("filename", ["empty.txt", "empty.pdf", "empty.docx", "empty.html"])
def test_empty_files_are_refused(filename):
    assert _error(b"", filename).code == "empty"


def test_whitespace_only_text_is_empty():
    assert _error(b" \n\r\n\t ", "blank.txt").code == "empty"


def test_binary_junk_named_txt_is_refused():
    """The decoder is tested in tests/test_textfiles.py; this is the reader's use of it."""
    junk = bytes(range(256)) * 40
    assert _error(junk, "junk.txt").code == "binary"


def test_scanned_pdf_without_a_text_layer_is_refused():
    error = _error(build_pdf(None), "scan.pdf")
    assert error.code == "no_text_layer"
    assert "OCR" in error.message


def test_password_protected_pdf_is_refused():
    data = encrypt_pdf(build_pdf("Recommendations\nThe force should act."), user_password="s3cret")
    error = _error(data, "locked.pdf")
    assert error.code == "password"
    assert "password" in error.message


def test_damaged_pdf_is_refused():
    assert _error(b"%PDF-1.4\n" + bytes(range(256)) * 4, "broken.pdf").code == "damaged"


def test_a_file_that_is_not_what_its_name_says_is_refused():
    assert _error(b"Just some text", "report.pdf").code == "mismatch"
    assert _error(b"Just some text", "report.docx").code == "mismatch"
    # Text files have one decoder, for which any binary file is binary.
    assert _error(build_pdf("Some text"), "report.txt").code == "binary"


def test_a_zip_that_is_not_a_word_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a document")
    assert _error(buffer.getvalue(), "report.docx").code == "damaged"
    assert _error(b"PK\x03\x04 truncated", "cut.docx").code == "damaged"


WORD = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
BODY = f"<w:document {WORD}><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>"


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE w:document [<!ENTITY a "The force should act.">]>',
        # Far into the prolog, past any quick look at the start of the file.
        "<!--" + "x" * 20_000 + '--><!DOCTYPE w:document [<!ENTITY a "The force should act.">]>',
        '<!DOCTYPE w:document SYSTEM "file:///etc/hostname">',
    ],
    ids=["entity", "entity after a long comment", "external DTD"],
)
def test_a_word_document_with_a_dtd_is_refused(prolog):
    """Otherwise these would read as a document whose text is the entity's."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", f'<?xml version="1.0"?>{prolog}{BODY}')
    assert _error(buffer.getvalue(), "bomb.docx").code == "damaged"


@pytest.mark.parametrize("filename", ["report.odt", "report.rtf", "report.xlsx", "report", "x.png"])
def test_unsupported_extensions_are_refused(filename):
    assert _error(b"data", filename).code == "unsupported"


def test_old_word_documents_get_advice_to_save_as_docx():
    error = _error(b"\xd0\xcf\x11\xe0 old word", "report.doc")
    assert error.code == "unsupported"
    assert ".docx" in error.message


def test_html_with_no_visible_text_is_refused():
    assert _error(b"<html><script>var a = 1;</script></html>", "page.html").code == "no_text"


def test_missing_file_on_disk_is_an_extraction_error(tmp_path):
    with pytest.raises(ExtractionError) as info:
        extract_file(tmp_path / "nowhere.txt")
    assert info.value.code == "unreadable"


def test_reading_a_file_from_disk(tmp_path):
    path = tmp_path / "letter.docx"
    path.write_bytes(build_docx(DOCUMENTS["ncpi_report"].text))
    result = extract_file(path)
    assert [f.reference for f in result.findings] == ["CoC1", "R1", "R2", "R3", "AFI1", "AFI2"]


def test_pasted_text_needs_no_reader():
    assert extract("").findings == ()
