"""Normalising pasted report text and cutting it into blocks (paragraphs, list items).

Everything the engine reports (spans for highlighting) refers to the *normalised* text, so
normalising is a pure function the caller can repeat: `normalise(text)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from intake.extraction.budget import check_budget

BULLET_GLYPHS = "•◦▪●‣∙·\uf0b7\uf0a7■➢►"

_TRANSLATE = str.maketrans(
    {
        **dict.fromkeys(
            map(ord, "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f"),
            " ",
        ),
        **dict.fromkeys(map(ord, "\t\u3000"), " "),
        **dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None),
        **dict.fromkeys(map(ord, "\f\v\u2028\u2029\x85"), "\n"),
        ord("\u2011"): "-",  # non-breaking hyphen ("re‑inspection")
        ord("\u2010"): "-",
        ord("\ufb01"): "fi",
        ord("\ufb02"): "fl",
        ord("\ufb00"): "ff",
        ord("\ufb03"): "ffi",
        ord("\ufb04"): "ffl",
    }
)

# A bullet glyph in the middle of a line starts a new item (":•", ";•", " • " runs).
_GLUED_BULLET = re.compile(rf"(?<=\S)[ ]*([{BULLET_GLYPHS}])[ ]*")
# A hyphen or en dash straight after a colon or semicolon is a glued list item.
_GLUED_DASH = re.compile(r"([:;])[ ]*([-–])[ ]*(?=[A-Za-z“\"‘])")
_INNER_SPACES = re.compile(r"(?<=\S)[ ]{2,}")


def normalise(text: str) -> str:
    """Canonical form of report text: one newline style, plain spaces, bullets on new lines.

    Curly quotes, apostrophes and en dashes are kept: they are part of the text the user
    will see, and the patterns accept both curly and straight forms.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_TRANSLATE)
    text = _GLUED_BULLET.sub(lambda m: "\n" + m.group(1) + " ", text)
    text = _GLUED_DASH.sub(lambda m: m.group(1) + "\n" + m.group(2) + " ", text)
    lines = []
    for line in text.split("\n"):
        line = _INNER_SPACES.sub(" ", line.rstrip())
        stripped = line.lstrip(" ")
        if stripped[:1] in BULLET_GLYPHS and stripped[1:2] not in ("", " "):
            stripped = f"{stripped[0]} {stripped[1:]}"
        indent = min(len(line) - len(stripped), 12)
        lines.append(" " * indent + stripped if stripped else "")
    return "\n".join(lines).strip("\n")


# --------------------------------------------------------------------------
# Lines and blocks

_ITEM = re.compile(
    rf"(?P<indent>[ ]*)(?:(?P<glyph>[{BULLET_GLYPHS}*]|[-–—](?=\s))"
    r"|(?P<num>\(?(?P<digits>\d{1,2})[.)]|\((?:[a-z]|[ivx]{1,4})\)|(?:[a-z]|[ivx]{1,4})[.)])(?=\s))"
    r"[ ]*"
)
_FURNITURE = re.compile(
    r"(?i:skip\s+to\s+(?:main\s+)?content|(?:table\s+of\s+)?contents|"
    r"print\s+(?:this\s+)?(?:document|page|report|letter)|(?:404\s*)?page\s+not\s+found|404|"
    r"back\s+to\s+top|return\s+to\s+top|share(?:\s+this\s+page)?|menu|search|home|"
    r"page\s+\d+(?:\s+of\s+\d+)?|\d{1,3}|accessibility|cookies\s+on\s+.*|"
    r"download\s+(?:this|the)\s+(?:report|letter|document|pdf).*|"
    r"(?:open|close)\s+all\s+sections|show\s+all\s+sections|print|official|"
    r"official\s*-\s*sensitive)[.]?"
)
_META = re.compile(
    r"(?i:from|to|cc|bcc|sent\s+on|sent|date|dated|published\s+on|published|publication\s+date|"
    r"date\s+of\s+publication|last\s+updated|first\s+published|reference|our\s+ref|your\s+ref|"
    r"report\s+type|force|region|inspection\s+type)\s*:\s*\S.*"
)
_LAST_UPDATED = re.compile(r"(?i:last\s+updated|updated\s+on)\b.*")
_TRACKER = re.compile(r"\[(?i:on|status|comment|date|by|update|updated|note)\]")
_REGISTER_TITLE = re.compile(r"(?!.*\bshould\b).{5,200}\(\d{2,7}\)")

_TERMINAL = re.compile(r"[.!?;:][”’\"')\]]*$")
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "for",
        "and",
        "or",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "its",
        "their",
        "his",
        "her",
        "this",
        "these",
        "those",
        "be",
        "is",
        "are",
        "was",
        "were",
        "been",
        "has",
        "have",
        "had",
        "should",
        "must",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
        "not",
        "as",
        "than",
        "into",
        "about",
        "under",
        "between",
        "across",
        "including",
        "such",
        "all",
        "any",
        "each",
        "every",
        "our",
        "we",
        "it",
        "they",
        "so",
        "but",
        "if",
        "when",
        "where",
        "whether",
        "how",
        "what",
        "both",
        "more",
        "less",
        "also",
        "only",
        "very",
        "further",
        "within",
        "over",
        "through",
        "upon",
        "via",
        "per",
        "nor",
    ]
)


@dataclass(slots=True)
class Block:
    """A paragraph, heading or list item: consecutive lines that belong together."""

    kind: str  # "para" | "item" | "meta" | "tracker" | "title"
    segments: list[tuple[int, int]]
    text: str
    indent: int = 0
    marker: str | None = None
    number: int | None = None
    lines: int = 1
    # Offsets into `text` where each segment starts, to map sub-ranges back to the source.
    starts: list[int] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.segments[0][0]

    def spans(self, begin: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Source spans covering `text[begin:end]`."""
        end = len(self.text) if end is None else end
        out: list[tuple[int, int]] = []
        for (s, e), offset in zip(self.segments, self.starts, strict=True):
            length = e - s
            lo = max(begin, offset)
            hi = min(end, offset + length)
            if lo < hi:
                out.append((s + lo - offset, s + hi - offset))
        return out


def _ends_open(text: str) -> bool:
    """True when a line visibly continues on the next one."""
    if _TERMINAL.search(text):
        return False
    if text.endswith((",", "-", "–", "&", "(", "/")):
        return True
    last = text.rsplit(" ", 1)[-1].lower().strip("“”\"'‘’(")
    return last in _FUNCTION_WORDS


# Lines cut between looks at the clock.
_CHECK_EVERY = 2_000


def blocks_of(norm: str) -> list[Block]:
    """Cut normalised text into blocks.

    A blank line always ends a block. A single newline ends one too, unless the next line
    plainly continues the sentence (it starts in lower case, or the line before stops on a
    comma or a word such as "the"): pages pasted with single newlines between paragraphs
    and PDFs with wrapped lines both come out right.
    """
    blocks: list[Block] = []
    current: Block | None = None
    pos = 0
    previous_blank = True
    for number, raw in enumerate(norm.split("\n")):
        if number % _CHECK_EVERY == 0:
            check_budget()
        line_start = pos
        pos += len(raw) + 1
        stripped = raw.strip()
        if not stripped:
            current = None
            previous_blank = True
            continue
        if _FURNITURE.fullmatch(stripped):
            # Page furniture is skipped without ending the paragraph: a page number
            # between two halves of a PDF paragraph must not split it.
            continue
        item = _ITEM.match(raw)
        if item and not raw[item.end() :].strip():
            item = None  # a bare "•" or "1." line is text, not an empty list item
        content_start = line_start + (item.end() if item else len(raw) - len(raw.lstrip(" ")))
        content = norm[content_start : line_start + len(raw)]
        if item:
            current = Block(
                kind="item",
                segments=[(content_start, line_start + len(raw))],
                text=content,
                indent=len(item["indent"]),
                marker=item["glyph"] or item["num"],
                number=int(item["digits"]) if item["digits"] else None,
                starts=[0],
            )
            blocks.append(current)
            previous_blank = False
            continue
        kind = "para"
        if _TRACKER.search(stripped):
            kind = "tracker"
        elif _META.fullmatch(stripped) or _LAST_UPDATED.fullmatch(stripped):
            kind = "meta"
        elif _REGISTER_TITLE.fullmatch(stripped):
            kind = "title"
        if (
            current is not None
            and not previous_blank
            and kind == "para"
            and current.kind in ("para", "item")
            and (content[:1].islower() or _ends_open(current.text))
        ):
            current.starts.append(len(current.text) + 1)
            current.segments.append((content_start, line_start + len(raw)))
            current.text = f"{current.text} {content}"
            current.lines += 1
        else:
            current = Block(
                kind=kind,
                segments=[(content_start, line_start + len(raw))],
                text=content,
                starts=[0],
            )
            blocks.append(current)
            if kind != "para":
                current = None
        previous_blank = False
    return blocks


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[”’\"')\]]*\s+(?=[“‘\"(\[]?[A-Z0-9])")
_ABBREVIATION = re.compile(r"(?i:\b(?:e\.g|i\.e|etc|no|mr|mrs|ms|dr|st|para|cf|vs|approx)\.)$")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in a block's text."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_BREAK.finditer(text):
        if _ABBREVIATION.search(text, 0, m.start()):
            continue
        out.append((start, m.start()))
        start = m.end()
    if start < len(text) or not out:
        out.append((start, len(text)))
    return out
