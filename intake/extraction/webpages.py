"""Web pages (.html, .htm): their text, with block structure kept as line breaks.

Block tags become line breaks, `<li>` becomes "• " (or its number in an `<ol>`), and
scripts, styles and the head are dropped. The page's declared charset is honoured when it
can decode the page; otherwise the page is read as any text file is.

Parsed by libxml2 through lxml.html, whose time grows in step with the page. Python's
html.parser is quadratic on some inputs (a run of unclosed `<a ` tags, or of `<!--`): a
90 KB upload held a worker for 82 s. libxml2's own limits stay on: no network access,
nesting depth and the size of one text node capped (`huge_tree` off).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree
from lxml import html as lxml_html

from intake.extraction.budget import check_budget

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.IGNORECASE)
_ASCII_SAMPLE = b'<meta charset="x"> The force should act.'
# Elements walked between looks at the clock.
_CHECK_EVERY = 2_000
_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")


def page_text(data: bytes, name: str, *, read_text: Callable[[bytes, str], str]) -> str:
    """The text of an HTML page. `read_text` reads the bytes as a text file would be read,
    for a page with no usable charset of its own."""
    text = _declared(data) if not data.startswith(_BOMS) else None
    if text is None:
        text = read_text(data, name)
    parser = lxml_html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        # As bytes: lxml refuses a str that carries an XML encoding declaration.
        root = lxml_html.document_fromstring(text.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return ""  # nothing in it that libxml2 could make a document of
    builder = _TextBuilder()
    for count, (event, element) in enumerate(etree.iterwalk(root, events=("start", "end"))):
        if count % _CHECK_EVERY == 0:
            check_budget()
        # Comments and processing instructions are removed, but an entity reference can
        # still be an element whose tag is not a string.
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if event == "start":
            if tag is not None:
                builder.start(tag)
                if element.text:
                    builder.data(element.text)
        else:
            if tag is not None:
                builder.end(tag)
            if element.tail:
                builder.data(element.tail)
    return builder.text()


def _declared(data: bytes) -> str | None:
    """The page decoded with the charset it declares; None if it declares none, or one
    it cannot be in. The declaration was read as ASCII, so only an encoding that reads
    ASCII as ASCII can be the page's (as browsers take `<meta charset="utf-16">` for
    UTF-8); `punycode` raises UnicodeError, not UnicodeDecodeError, and `base64` is not
    a text encoding at all."""
    found = _META_CHARSET.search(data[:4096])
    if not found:
        return None
    charset = found.group(1).decode("ascii")
    try:
        if _ASCII_SAMPLE.decode(charset) != _ASCII_SAMPLE.decode("ascii"):
            return None
        return data.decode(charset)
    except (LookupError, UnicodeError, ValueError):
        return None


class _TextBuilder:
    """Text of an HTML page, built from its elements in document order, with block
    structure kept as line breaks."""

    BLOCKS = frozenset(
        [
            "p",
            "div",
            "section",
            "article",
            "main",
            "header",
            "footer",
            "aside",
            "nav",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "ul",
            "ol",
            "table",
            "blockquote",
            "dl",
            "dt",
            "dd",
            "figure",
            "figcaption",
            "form",
            "hr",
            "pre",
            "address",
            "details",
            "summary",
            "caption",
            "thead",
            "tbody",
            "tfoot",
        ]
    )
    SKIP = frozenset({"script", "style", "noscript", "template", "head", "svg", "button"})

    def __init__(self) -> None:
        self._out: list[str] = []
        self._skip = 0
        self._pre = 0
        self._lists: list[list[int | str]] = []

    def start(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip += 1
            return
        if self._skip:
            return
        if tag == "br":
            self._out.append("\n")
        elif tag in ("ul", "ol"):
            self._lists.append([tag, 0])
            self._out.append("\n\n")
        elif tag == "li":
            prefix = "• "
            if self._lists and self._lists[-1][0] == "ol":
                self._lists[-1][1] = int(self._lists[-1][1]) + 1
                prefix = f"{self._lists[-1][1]}. "
            indent = "  " * max(0, len(self._lists) - 1)
            self._out.append(f"\n{indent}\x01{prefix}")
        elif tag in ("tr",):
            self._out.append("\n")
        elif tag in ("td", "th"):
            self._out.append(" ")
        elif tag in self.BLOCKS:
            self._out.append("\n\n")
            if tag == "pre":
                self._pre += 1

    def end(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag in ("ul", "ol") and self._lists:
            self._lists.pop()
            self._out.append("\n\n")
        elif tag == "li":
            self._out.append("\n")
        elif tag in self.BLOCKS:
            self._out.append("\n\n")
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def data(self, data: str) -> None:
        if self._skip:
            return
        self._out.append(data if self._pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        raw = "".join(self._out)
        # A <p> inside an <li> must not separate the bullet from its text.
        raw = re.sub(r"\x01(• |\d+\. )\s+", lambda m: m.group(1), raw)
        raw = raw.replace("\x01", "")
        raw = re.sub(r"[ \t]*\n[ \t]*(?=\n)", "\n", raw)
        raw = re.sub(r"\n{3,}", "\n\n", raw)
        lines = [line.rstrip() for line in raw.split("\n")]
        return "\n".join(
            line if line.lstrip().startswith(("•", *"0123456789")) else line.strip()
            for line in lines
        ).strip()


# --------------------------------------------------------------------------
