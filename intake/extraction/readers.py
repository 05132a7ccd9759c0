"""Turn an uploaded file into plain text: TXT, HTML, DOCX and PDF (its text layer).

Every failure is an ExtractionError whose message tells the uploader what to do next.
The readers keep what the engine relies on: paragraph breaks (a blank line), list items
(a "• " or "1. " prefix on their own line) and headings (a line of their own).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

# Types only; parsing is defusedxml's.
from xml.etree import ElementTree  # nosec

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from intake.extraction.budget import check_budget
from intake.extraction.errors import ExtractionError
from intake.extraction.webpages import page_text
from recommendations import textfiles

MB = 1024 * 1024
MAX_FILE_BYTES = 50 * MB
# A Word document's main part is rarely more than a few MB; anything much larger is a
# zip bomb or not a report.
MAX_DOCX_XML_BYTES = 60 * MB

TEXT_EXTENSIONS = frozenset({".txt", ".text"})
HTML_EXTENSIONS = frozenset({".html", ".htm"})
SUPPORTED_EXTENSIONS = frozenset({*TEXT_EXTENSIONS, *HTML_EXTENSIONS, ".pdf", ".docx"})

UNSUPPORTED = (
    "“{name}” is not a type we can read. Upload a PDF, a Word document (.docx), "
    "a web page (.html) or a text file (.txt), or paste the text instead."
)
OLD_WORD = (
    "“{name}” is an old-style Word document (.doc). Open it in Word, save it as .docx "
    "and upload that, or paste the text instead."
)
EMPTY = "“{name}” is empty. Check you chose the right file and upload it again."
TOO_LARGE = "“{name}” is larger than 50 MB. Upload the report section you need instead."
NO_TEXT = "“{name}” contains no text we can use. Check you chose the right file."
MISMATCH = (
    "“{name}” is not a genuine {kind} file: its contents do not match its name. "
    "Save it again as {kind} and upload that."
)
DOCX_DAMAGED = (
    "“{name}” is damaged or is not a Word document, so it cannot be opened. "
    "Save it again from Word and upload the new copy, or paste the text instead."
)
PDF_DAMAGED = (
    "“{name}” is damaged and cannot be read as a PDF. "
    "Download the report again, or paste its text instead."
)
# A message about passwords, not one.
PDF_PASSWORD = (  # nosec
    "“{name}” is protected by a password, so its text cannot be read. "
    "Upload a copy without the password, or paste the text instead."
)
PDF_ENCRYPTED = (
    "“{name}” is encrypted in a way we cannot open. "
    "Upload an unencrypted copy, or paste the text instead."
)
PDF_NO_TEXT = (
    "“{name}” has no text layer: it looks like a scanned image. "
    "Run it through text recognition (OCR) first, or paste the text instead."
)


def read_path(path: str | Path) -> str:
    """Read a file from disk; see `read_document`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ExtractionError(TOO_LARGE.format(name=path.name), code="too_large")
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(
            f"“{path.name}” cannot be opened: {exc.strerror or exc}.", code="unreadable"
        ) from exc
    return read_document(data, path.name)


def read_document(data: bytes, filename: str) -> str:
    """Return the text of an uploaded file, chosen by its extension and checked by content."""
    name = Path(filename).name or "The file"
    suffix = Path(filename).suffix.lower()
    if suffix == ".doc":
        raise ExtractionError(OLD_WORD.format(name=name), code="unsupported")
    if suffix not in SUPPORTED_EXTENSIONS:
        raise ExtractionError(UNSUPPORTED.format(name=name), code="unsupported")
    if not data or not data.strip():
        raise ExtractionError(EMPTY.format(name=name), code="empty")
    if len(data) > MAX_FILE_BYTES:
        raise ExtractionError(TOO_LARGE.format(name=name), code="too_large")
    if suffix == ".pdf":
        text = _read_pdf(data, name)
    elif suffix == ".docx":
        text = _read_docx(data, name)
    elif suffix in HTML_EXTENSIONS:
        text = page_text(data, name, read_text=_read_text)
    else:
        text = _read_text(data, name)
    if not any(ch.isalnum() for ch in text):
        raise ExtractionError(NO_TEXT.format(name=name), code="no_text")
    return text


# --------------------------------------------------------------------------
# Plain text


def _read_text(data: bytes, name: str) -> str:
    """The text of bytes that should be text (see recommendations/textfiles.py)."""
    try:
        return textfiles.decode_text(data, name=name)
    except textfiles.NotText as exc:
        raise ExtractionError(exc.message, code=exc.code) from exc


# --------------------------------------------------------------------------
# DOCX (read from the zip directly, so list paragraphs keep their bullets)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: ElementTree.Element, name: str) -> str | None:
    for key, value in el.attrib.items():
        if _local(key) == name:
            return value
    return None


def _child(el: ElementTree.Element | None, name: str) -> ElementTree.Element | None:
    if el is None:
        return None
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _read_docx(data: bytes, name: str) -> str:
    if not data.startswith(b"PK"):
        raise ExtractionError(MISMATCH.format(name=name, kind="Word (.docx)"), code="mismatch")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            document = _zip_xml(archive, "word/document.xml", name)
            if document is None:
                raise ExtractionError(DOCX_DAMAGED.format(name=name), code="damaged")
            styles = _zip_xml(archive, "word/styles.xml", name)
            numbering = _zip_xml(archive, "word/numbering.xml", name)
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise ExtractionError(DOCX_DAMAGED.format(name=name), code="damaged") from exc
    lists = _DocxLists(styles, numbering)
    body = _child(document, "body")
    if body is None:
        raise ExtractionError(DOCX_DAMAGED.format(name=name), code="damaged")
    out: list[str] = []
    previous_was_item = False
    for number, paragraph in enumerate(_docx_paragraphs(body)):
        if number % 500 == 0:
            check_budget()
        text, prefix = lists.render(paragraph)
        text = text.strip()
        if not text:
            continue
        if prefix is not None:
            out.append(("\n" if previous_was_item else "\n\n") + prefix + text)
        else:
            out.append("\n\n" + text)
        previous_was_item = prefix is not None
    return "".join(out).strip()


def _zip_xml(archive: zipfile.ZipFile, member: str, name: str) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(member)
    except KeyError:
        return None
    if info.file_size > MAX_DOCX_XML_BYTES:
        raise ExtractionError(DOCX_DAMAGED.format(name=name), code="damaged")
    raw = archive.read(member)
    # Word never writes a DTD; one can only be an entity-expansion or external-entity
    # attack, wherever it sits in the prolog. defusedxml refuses any.
    try:
        return SafeElementTree.fromstring(raw, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ExtractionError(DOCX_DAMAGED.format(name=name), code="damaged") from exc


def _docx_paragraphs(element: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """Paragraphs in reading order, including those in tables and content controls."""
    for child in element:
        tag = _local(child.tag)
        if tag == "p":
            yield child
        elif tag not in ("sectPr",):
            yield from _docx_paragraphs(child)


class _DocxLists:
    """Works out whether a paragraph is a list item, and its bullet or number."""

    def __init__(
        self, styles: ElementTree.Element | None, numbering: ElementTree.Element | None
    ) -> None:
        self._style_num: dict[str, tuple[str | None, int]] = {}
        self._style_parent: dict[str, str] = {}
        if styles is not None:
            for style in styles:
                if _local(style.tag) != "style":
                    continue
                style_id = _attr(style, "styleId") or ""
                based = _child(style, "basedOn")
                if based is not None:
                    self._style_parent[style_id] = _attr(based, "val") or ""
                num_pr = _child(_child(style, "pPr"), "numPr")
                if num_pr is not None:
                    num_id = _child(num_pr, "numId")
                    ilvl = _child(num_pr, "ilvl")
                    self._style_num[style_id] = (
                        _attr(num_id, "val") if num_id is not None else None,
                        int(_attr(ilvl, "val") or 0) if ilvl is not None else 0,
                    )
        self._formats: dict[tuple[str, int], str] = {}
        if numbering is not None:
            abstract: dict[str, dict[int, str]] = {}
            for el in numbering:
                if _local(el.tag) == "abstractNum":
                    levels: dict[int, str] = {}
                    for lvl in el:
                        if _local(lvl.tag) == "lvl":
                            fmt = _child(lvl, "numFmt")
                            levels[int(_attr(lvl, "ilvl") or 0)] = (
                                _attr(fmt, "val") or "bullet" if fmt is not None else "bullet"
                            )
                    abstract[_attr(el, "abstractNumId") or ""] = levels
            for el in numbering:
                if _local(el.tag) == "num":
                    ref = _child(el, "abstractNumId")
                    levels = abstract.get(_attr(ref, "val") or "" if ref is not None else "", {})
                    for level, fmt in levels.items():
                        self._formats[(_attr(el, "numId") or "", level)] = fmt
        self._counters: Counter[tuple[str, int]] = Counter()

    def _style_numbering(self, style_id: str) -> tuple[str | None, int] | None:
        seen: set[str] = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            if style_id in self._style_num:
                return self._style_num[style_id]
            style_id = self._style_parent.get(style_id, "")
        return None

    def render(self, paragraph: ElementTree.Element) -> tuple[str, str | None]:
        """The paragraph's text, and its list prefix ("• ", "3. ") or None."""
        ppr = _child(paragraph, "pPr")
        num_id: str | None = None
        level = 0
        found = False
        style = _child(ppr, "pStyle")
        style_id = _attr(style, "val") if style is not None else None
        if style_id:
            from_style = self._style_numbering(style_id)
            if from_style is not None:
                num_id, level = from_style
                found = True
        num_pr = _child(ppr, "numPr")
        if num_pr is not None:
            found = True
            direct_id = _child(num_pr, "numId")
            direct_lvl = _child(num_pr, "ilvl")
            if direct_id is not None:
                num_id = _attr(direct_id, "val")
            if direct_lvl is not None:
                level = int(_attr(direct_lvl, "val") or 0)
        text = _docx_text(paragraph)
        if not found or num_id in (None, "0"):
            # numId 0 is Word's way of switching a style's numbering off.
            return text, None
        fmt = self._formats.get((num_id, level), "bullet")
        indent = "  " * level
        if fmt == "none":
            return text, None
        if fmt == "bullet":
            return text, f"{indent}• "
        self._counters[(num_id, level)] += 1
        for deeper in [key for key in self._counters if key[0] == num_id and key[1] > level]:
            del self._counters[deeper]
        return text, f"{indent}{self._counters[(num_id, level)]}. "


def _docx_text(paragraph: ElementTree.Element) -> str:
    parts: list[str] = []

    def walk(el: ElementTree.Element) -> None:
        for child in el:
            tag = _local(child.tag)
            if tag == "t":
                parts.append(child.text or "")
            elif tag == "tab":
                parts.append(" ")
            elif tag in ("br", "cr"):
                parts.append("\n")
            elif tag == "noBreakHyphen":
                parts.append("-")
            elif tag in ("del", "delText", "instrText", "pPr", "rPr", "p", "footnoteReference"):
                # Tracked deletions and field codes are not the text a reader sees; nested
                # paragraphs (text boxes) are read on their own.
                continue
            else:
                walk(child)

    walk(paragraph)
    return "".join(parts)


# --------------------------------------------------------------------------
# PDF


def _read_pdf(data: bytes, name: str) -> str:
    if b"%PDF-" not in data[:1024]:
        raise ExtractionError(MISMATCH.format(name=name, kind="PDF"), code="mismatch")
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    pypdf_logger = logging.getLogger("pypdf")
    previous_level = pypdf_logger.level
    # pypdf logs every oddity of a damaged file; the user gets one clear message instead.
    pypdf_logger.setLevel(logging.ERROR)
    try:
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ExtractionError(PDF_DAMAGED.format(name=name), code="damaged") from exc
        if reader.is_encrypted:
            # An empty user password is a PDF anyone can open (permissions only); read it.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise ExtractionError(PDF_ENCRYPTED.format(name=name), code="encrypted") from exc
            except PyPdfError as exc:
                raise ExtractionError(PDF_PASSWORD.format(name=name), code="password") from exc
            if not opened:
                raise ExtractionError(PDF_PASSWORD.format(name=name), code="password")
        pages: list[str] = []
        try:
            for page in reader.pages:
                check_budget()
                pages.append(page.extract_text() or "")
        except FileNotDecryptedError as exc:
            raise ExtractionError(PDF_PASSWORD.format(name=name), code="password") from exc
        except DependencyError as exc:
            raise ExtractionError(PDF_ENCRYPTED.format(name=name), code="encrypted") from exc
        except ExtractionError:
            raise  # the time budget ran out
        except Exception as exc:  # pypdf raises many types on broken content streams
            raise ExtractionError(PDF_DAMAGED.format(name=name), code="damaged") from exc
    finally:
        pypdf_logger.setLevel(previous_level)
    if sum(ch.isalnum() for page in pages for ch in page) < 20:
        raise ExtractionError(PDF_NO_TEXT.format(name=name), code="no_text_layer")
    return "\n".join(_drop_running_lines(pages))


def _drop_running_lines(pages: list[str]) -> list[str]:
    """Remove running headers and footers: lines repeated at the top or bottom of most pages."""
    split = [page.split("\n") for page in pages]
    if len(split) < 3:
        return pages

    def key(line: str) -> str:
        # "Page 3 of 20" and "Page 4 of 20" are the same footer.
        return re.sub(r"\d+", "#", line.strip().lower())

    counts: Counter[str] = Counter()
    for lines in split:
        edge = {key(line) for line in lines[:2] + lines[-2:] if line.strip()}
        counts.update(edge)
    threshold = max(3, len(split) // 2)
    running = {k for k, n in counts.items() if n >= threshold}
    cleaned: list[str] = []
    for lines in split:
        edges = set(range(min(2, len(lines)))) | set(range(max(0, len(lines) - 2), len(lines)))
        cleaned.append(
            "\n".join(
                line for i, line in enumerate(lines) if not (i in edges and key(line) in running)
            )
        )
    return cleaned
