"""The walk's working state: the kinds of finding, the sections, and a finding in the making.

`Draft` is mutable while the walk adds to it; `engine.extract` turns each into a frozen
`Finding` with its reference, due date and parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.extraction.text import Block
from intake.extraction.timeframes import Timeframe

CAUSE_OF_CONCERN = "cause_of_concern"
RECOMMENDATION = "recommendation"
AREA_FOR_IMPROVEMENT = "area_for_improvement"


@dataclass(eq=False)
class Draft:
    kind: str
    segments: list[tuple[int, int]]
    pieces: list[str]
    timeframe: Timeframe | None = None
    addressees: list[str] = field(default_factory=list)
    parent: Draft | None = None
    restated: bool = False
    number: int | None = None
    parts: list[str] = field(default_factory=list)
    lead_in: str | None = None


# Sections
NONE, COC, REC, AFI, BACKGROUND, METHOD, OTHER, REGISTER, TRACKER = (
    "none",
    "coc",
    "rec",
    "afi",
    "background",
    "method",
    "other",
    "register",
    "tracker",
)


@dataclass
class State:
    section: str = NONE
    coc: Draft | None = None
    coc_has_recs: bool = False
    expect_statement: bool = False
    expect_waited: int = 0
    afi_bulleted: bool = False
    statement_items: bool = False
    heading_block: Block | None = None
    heading_topic: str | None = None
    heading_number: int | None = None
    heading_accelerated: bool = False
    next_number: int | None = None
    # Lists: "separate" (each item a finding), "parts" (items complete the last finding),
    # "ignore" (summary or topic bullets), "coc" (each item a cause of concern) or None.
    list_mode: str | None = None
    # "bullet" or "number": how the open list's items are marked. A numbered paragraph
    # after bullets is letter narrative, not another item (PHRASING.md §2).
    list_marker: str | None = None
    # Inside a register entry (from its title line to its tracker log).
    register_entry: bool = False
    leadin: Block | None = None
    leadin_tf: Timeframe | None = None
    leadin_addressees: list[str] = field(default_factory=list)
    leadin_restated: bool = False
    last: Draft | None = None
    last_block_index: int = -10
    restated_mode: bool = False
    quote_open: bool = False
    quote_blocks: int = 0
    coc_before_quote: Draft | None = None
    quote_first: bool = False
    new_section: bool = False
    register_rec: Draft | None = None
    candidate: Block | None = None
    section_mentions_coc: bool = False
    counts: list[tuple[int, int, Draft | None]] = field(default_factory=list)
