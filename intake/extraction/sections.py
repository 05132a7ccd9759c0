"""Where a block sits in the document: is it a heading (and of which section), and is it
inside a closure or revisit letter, which restates earlier findings rather than making new ones.
"""

from __future__ import annotations

import re

from intake.extraction import grammar as g
from intake.extraction.state import AFI, BACKGROUND, COC, METHOD, OTHER, REC
from intake.extraction.text import Block

_HEADING_PREFIX = re.compile(r"^(?:#+\s*|\d{1,2}(?:\.\d{1,2})+\.?\s+)")


def classify_heading(block: Block) -> tuple[str, re.Match[str] | None] | None:
    """Classify a one-line paragraph as a heading, or None."""
    if block.lines > 1 or len(block.text) > 160:
        return None
    # "3.2 Recommendations", "## Areas for improvement": numbering and markup are not
    # part of the heading. A numbered list item is a heading only if it names a section.
    text = _HEADING_PREFIX.sub("", block.text.strip())
    if not text:
        return None
    if block.kind == "item":
        if block.number is None:
            return None
        for kind, pattern in ((COC, g.HEADING_COC), (REC, g.HEADING_REC), (AFI, g.HEADING_AFI)):
            m = pattern.fullmatch(text)
            if m and not m["rest"]:
                return kind, m
        return None
    if block.kind != "para":
        return None
    for kind, pattern in ((COC, g.HEADING_COC), (REC, g.HEADING_REC), (AFI, g.HEADING_AFI)):
        m = pattern.fullmatch(text)
        if m:
            return kind, m
    if g.HEADING_BACKGROUND.fullmatch(text):
        return BACKGROUND, None
    if g.HEADING_METHOD.fullmatch(text):
        return METHOD, None
    if g.looks_like_title(text):
        return OTHER, None
    return None


def restating_letters(blocks: list[Block]) -> set[int]:
    """Indexes of blocks inside closure or revisit letters, which restate old findings.

    A letter runs from "Letter information" or "Dear …" to "Yours sincerely"; judging
    each letter on its own keeps one closure letter in a pasted bundle from silencing the
    rest of the text.
    """
    letters: list[tuple[int, int]] = []
    start: int | None = None
    for i, block in enumerate(blocks):
        text = block.text.strip()
        if g.LETTER_START.match(text):
            # "Dear …" soon after "Letter information" belongs to the same letter.
            if start is not None and text.lower().startswith("dear") and i - start <= 12:
                continue
            if start is not None:
                letters.append((start, i - 1))
            start = i
        elif g.LETTER_END.match(text) and start is not None:
            letters.append((start, i))
            start = None
    if start is not None:
        letters.append((start, len(blocks) - 1))
    restated: set[int] = set()
    for first, last in letters:
        body = "\n".join(b.text for b in blocks[first : last + 1])
        if letter_kind(body) in (CLOSURE_LETTER, REVISIT_LETTER):
            restated.update(range(first, last + 1))
    return restated


CLOSURE_LETTER, REVISIT_LETTER, ACCELERATED_LETTER = "closure", "revisit", "accelerated"
# "We will revisit the force", "we plan to revisit": a promise, not a revisit letter.
_FUTURE = re.compile(r"(?i:\b(?:will|shall|may|would|might|to|plan|intend|expect)\s+(?:\w+\s+)?$)")


def _reports_a_revisit(body: str) -> bool:
    for m in g.REVISIT.finditer(body):
        before = body[max(0, m.start() - 30) : m.start()]
        if m.group(0).lower() == "revisit" and _FUTURE.search(before):
            continue
        return True
    return False


def letter_kind(body: str) -> str | None:
    """What an HMICFRS letter does: closes a cause of concern, reports a revisit of one,
    or raises an accelerated cause of concern; None for any other text.

    A closure letter usually says it revisited the force too, so closing wins; a letter
    that only promises to revisit ("we will revisit the force") is not a revisit letter.
    """
    if g.CLOSURE.search(body):
        return CLOSURE_LETTER
    if _reports_a_revisit(body[:4000]):
        return REVISIT_LETTER
    if g.ACCELERATED.search(body):
        return ACCELERATED_LETTER
    return None
