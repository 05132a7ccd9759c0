"""Text as people type or paste it, made safe to store and show.

Unicode's bidirectional controls (the right-to-left override U+202E and its kin) make
text display in an order other than the one stored: "R1 due 2026" can read as a
different reference in a list, an email subject or a calendar entry. Single-line
values (titles, references, names) lose every bidi control and line break; multi-line
values keep their paragraphs, with line breaks normalised to "\n", and lose the
overrides, embeddings and isolates (the marks U+200E and U+200F, which only hint at a
direction, stay in multi-line text, where right-to-left quotations may need them).
"""

from __future__ import annotations

import re

_OVERRIDES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_MARKS = "\u200e\u200f\u061c"
_ALL_BIDI = re.compile(f"[{_OVERRIDES}{_MARKS}]")
_OVERRIDES_ONLY = re.compile(f"[{_OVERRIDES}]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x85\x0b\x0c]")


def single_line(value: str) -> str:
    """No bidi controls; each run of line breaks becomes one space."""
    value = _ALL_BIDI.sub("", value)
    return re.sub(r" ?(?:" + _LINE_BREAKS.pattern + r")+ ?", " ", value).strip()


def multi_line(value: str) -> str:
    """Paragraphs kept with "\n" line breaks; no bidi overrides, embeddings or isolates."""
    return _LINE_BREAKS.sub("\n", _OVERRIDES_ONLY.sub("", value))
