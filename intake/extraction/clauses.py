"""One finding's own sentence or lead-in: its timeframe, its addressees, and a list item's text.

Where HMICFRS puts a deadline is narrow (docs/extraction.md, "Timeframe and due-date
rules"): at the start, after "recommends that", or straight after the modal.
"""

from __future__ import annotations

import re

from intake.extraction import grammar as g
from intake.extraction.timeframes import Timeframe, match_timeframe, parse_timeframe

_ITEM_END = re.compile(r"(?:\s*;\s*(?:and|or)?|\s*,\s*(?:and|or)?|\s+and|\s+or)\s*$", re.IGNORECASE)


def clean_item(text: str) -> str:
    return _ITEM_END.sub("", text).strip()


def leadin_text(text: str) -> str:
    return text.rstrip().rstrip(":").rstrip()


def find_timeframe(text: str) -> tuple[Timeframe | None, int]:
    """The finding's own timeframe: at the start, after "recommends that", or after the modal.

    Returns the timeframe and where its phrase starts in `text` (-1 when none).
    """
    m = g.FINDING_START.match(text)
    if m and m["tf"]:
        return parse_timeframe(m["tf"]), m.start("tf")
    start = 0
    if m is None:
        # "… recommends that within three months the force should: …" (2016–18 form).
        rec = g.RECOMMENDS_RE.search(text)
        if rec:
            start = rec.end()
            tf = match_timeframe(text, start)
            if tf:
                return parse_timeframe(tf.group(0)), tf.start()
    modal = re.compile(r"\bshould\b\s*,?\s*").search(text, start)
    if modal:
        tf = match_timeframe(text, modal.end())
        if tf:
            return parse_timeframe(tf.group(0)), tf.start()
    # A timeframe before "we recommend that …" still governs the recommendation.
    lead = match_timeframe(text, 0)
    if lead and re.match(r"\s*,\s*(?:we|hmicfrs|hmic)\s+recommends?\b", text[lead.end() :], re.I):
        return parse_timeframe(lead.group(0)), 0
    m2 = g.LEADIN_END.search(text)
    if m2:
        phrase = m2["tf"] or m2["adv"] or m2["tf2"]
        if phrase:
            return parse_timeframe(phrase), m2.start(
                "tf" if m2["tf"] else "adv" if m2["adv"] else "tf2"
            )
    return None, -1


def bodies(m: re.Match[str]) -> list[str]:
    """The addressees, then bodies the action is to be done with ("working with the NPCC")."""
    found = g.addressees(m["subject"])
    if m["partners"]:
        found += [b for b in g.addressees(m["partners"]) if b not in found]
    return found


def subject_of(text: str) -> list[str]:
    m = g.FINDING_START.match(text) or g.LEADIN_END.search(text)
    return bodies(m) if m else []
