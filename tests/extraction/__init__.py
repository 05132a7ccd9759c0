"""Tests of the findings extraction engine, plus builders for the files they read.

The builders turn a corpus text into a real PDF (text layer, Helvetica with
WinAnsiEncoding, a running footer on each page), a real Word document (python-docx's
own template, so bullets come from the "List Bullet" style as in Word) and an HTML page,
so that each reader is tested on the kind of file it will meet.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
BULLET = re.compile(r"^\s*(?:[•\-–]|\d{1,2}\.)\s+")


def _pdf_escape(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def build_pdf(text: str | None, *, lines_per_page: int = 40, footer: bool = True) -> bytes:
    """A minimal but valid PDF; `text=None` gives a page with a drawing and no text layer."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    add(b"<< /Type /Catalog /Pages 2 0 R >>")
    add(b"")  # the page tree, filled in once the pages exist
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    lines = text.split("\n") if text is not None else []
    chunks = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    chunks = chunks or [[]]
    kids = []
    for number, chunk in enumerate(chunks, start=1):
        ops = [b"0.9 g 50 700 200 100 re f 0 g"] if text is None else []
        y = 800
        for line in chunk:
            if line.strip():
                ops.append(b"BT /F1 9 Tf 1 0 0 1 40 %d Tm (%s) Tj ET" % (y, _pdf_escape(line)))
            y -= 19
        if footer and text is not None:
            ops.append(
                b"BT /F1 8 Tf 1 0 0 1 260 20 Tm (Page %d of %d) Tj ET" % (number, len(chunks))
            )
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, content)
            )
        )
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def encrypt_pdf(data: bytes, *, user_password: str, owner_password: str = "owner") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    # RC4 needs no crypto library, so the test runs wherever pypdf does.
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_docx(text: str) -> bytes:
    """A Word document: list lines use Word's "List Bullet"/"List Number" styles."""
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        if not line.strip():
            continue
        m = BULLET.match(line)
        if m:
            style = "List Number" if m.group(0).strip()[0].isdigit() else "List Bullet"
            document.add_paragraph(line[m.end() :], style=style)
        else:
            document.add_paragraph(line.strip())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def build_html(text: str) -> bytes:
    """An HTML page in the shape of a GOV.UK-style report page, with navigation chrome."""
    from html import escape

    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Report</title>",
        "<style>p{margin:0}</style><script>var x = 'The force should never appear';</script>",
        "</head><body><a href='#main'>Skip to content</a><nav><ul><li>Home</li></ul></nav>",
        "<main id='main'>",
    ]
    in_list = False
    for line in text.split("\n"):
        if not line.strip():
            continue
        m = BULLET.match(line)
        if m:
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f"<li><p>{escape(line[m.end() :])}</p></li>")
            continue
        if in_list:
            parts.append("</ul>")
            in_list = False
        stripped = line.strip()
        if len(stripped) < 90 and not stripped.endswith((".", ":", ";")):
            parts.append(f"<h2>{escape(stripped)}</h2>")
        else:
            parts.append(f"<p>{escape(stripped)}</p>")
    if in_list:
        parts.append("</ul>")
    parts.append("</main><footer>Print this document</footer></body></html>")
    return "\n".join(parts).encode("utf-8")
