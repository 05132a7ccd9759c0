"""The block walk: sections, lead-ins, lists and restatements (stage 3 of docs/extraction.md).

`Walker` visits the blocks of the normalised text in order and keeps a little state: the
current section (from headings), the current cause of concern, the open lead-in and its
list mode, and whether the text restates earlier findings. It produces mutable drafts;
`engine.extract` turns them into `Finding`s with references, due dates and parents.
"""

from __future__ import annotations

import re

from intake.extraction import grammar as g
from intake.extraction.budget import check_budget
from intake.extraction.clauses import bodies, clean_item, find_timeframe, leadin_text, subject_of
from intake.extraction.sections import classify_heading, restating_letters
from intake.extraction.state import (
    AFI,
    AREA_FOR_IMPROVEMENT,
    BACKGROUND,
    CAUSE_OF_CONCERN,
    COC,
    METHOD,
    OTHER,
    REC,
    RECOMMENDATION,
    REGISTER,
    TRACKER,
    Draft,
    State,
)
from intake.extraction.text import Block, sentences
from intake.extraction.timeframes import match_timeframe, parse_timeframe

# Blocks walked between looks at the clock.
_CHECK_EVERY = 200
# A quotation that opens a paragraph restates an earlier finding (§1.1).
_QUOTE_OPEN = ("“", '"')


class Walker:
    def __init__(self, norm: str, blocks: list[Block]) -> None:
        self.norm = norm
        self.blocks = blocks
        self.drafts: list[Draft] = []
        self.st = State()
        self.index = 0
        self.restated_blocks = restating_letters(blocks)

    # ---- helpers

    def restated(self) -> bool:
        st = self.st
        if st.new_section:
            return st.quote_open
        return (
            st.quote_open
            or st.restated_mode
            or st.section == BACKGROUND
            or self.index in self.restated_blocks
            or st.leadin_restated
        )

    def add(self, draft: Draft) -> Draft:
        self.drafts.append(draft)
        self.st.last = draft
        self.st.last_block_index = self.index
        if draft.kind == RECOMMENDATION and self.st.coc is not None:
            draft.parent = self.st.coc
            self.st.coc_has_recs = True
        if draft.kind == CAUSE_OF_CONCERN:
            self.st.coc = draft
            self.st.coc_has_recs = False
            # A new cause of concern closes any list still open from before it.
            if self.st.list_mode != "coc":
                self.st.list_mode = None
        if self.st.counts and draft.kind == RECOMMENDATION:
            n, found, coc = self.st.counts[-1]
            self.st.counts[-1] = (n, found + 1, coc)
        return draft

    def new_coc(
        self, block: Block, *, whole: bool, text_range: tuple[int, int] | None = None
    ) -> None:
        if text_range is None:
            if whole:
                text_range = (0, len(block.text))
            else:
                first = sentences(block.text)[0]
                text_range = first
        begin, end = text_range
        text = block.text[begin:end].strip()
        text = text.strip('“”"')
        draft = Draft(
            kind=CAUSE_OF_CONCERN,
            segments=block.spans(begin, end),
            pieces=[text],
            restated=self.restated() or block.text.startswith(_QUOTE_OPEN),
            number=self.st.heading_number,
        )
        self.st.heading_number = None
        self.add(draft)

    def coc_from_heading(self) -> None:
        """A cause-of-concern heading with a topic but no statement paragraph."""
        st = self.st
        if st.heading_block is None:
            return
        topic = st.heading_topic or st.heading_block.text
        start = st.heading_block.text.find(topic)
        self.new_coc(
            st.heading_block, whole=False, text_range=(max(0, start), max(0, start) + len(topic))
        )

    def finding_from_block(
        self, block: Block, kind: str, *, begin: int = 0, end: int | None = None
    ) -> Draft:
        end = len(block.text) if end is None else end
        text = block.text[begin:end].strip()
        tf, _ = find_timeframe(text)
        draft = Draft(
            kind=kind,
            segments=block.spans(begin, end),
            pieces=[text],
            timeframe=tf,
            addressees=subject_of(text),
            restated=self.restated(),
            number=self.st.next_number if self.st.next_number is not None else None,
        )
        self.st.next_number = None
        return self.add(draft)

    def in_register_entry(self) -> bool:
        """A register entry is one recommendation whatever its bullets (§1.3), whether or
        not its text sits under its own "Recommendations" heading."""
        return self.st.section == REGISTER or (self.st.register_entry and self.st.section == REC)

    # ---- the walk

    def run(self) -> list[Draft]:
        for index, block in enumerate(self.blocks):
            if index % _CHECK_EVERY == 0:
                check_budget()
            self.index = index
            self.step(block)
            self.after_block(block)
        return self.drafts

    def after_block(self, block: Block) -> None:
        st = self.st
        if st.quote_open:
            st.quote_blocks += 1
            closes = re.search(r"[”\"][.,;]?\s*$|[.;][”\"]\s*$", block.text)
            if (
                closes
                and not (
                    st.quote_first
                    and block.text.startswith(_QUOTE_OPEN)
                    and block.text.count("”") == 0
                    and block.text.count('"') < 2
                )
            ) or st.quote_blocks > 60:
                st.quote_open = False
                st.coc = st.coc_before_quote
                # The quoted list ends with the quotation: numbered paragraphs straight
                # after the closing mark are the letter's narrative, not more bullets.
                st.list_mode = None
            st.quote_first = False

    def open_quote(self, block: Block) -> None:
        st = self.st
        text = block.text
        if st.quote_open or not text.startswith(_QUOTE_OPEN):
            return
        opened = (
            text.count("“") > text.count("”") if text.startswith("“") else text.count('"') % 2 == 1
        )
        if opened:
            st.quote_open = True
            st.quote_blocks = 0
            st.quote_first = True
            st.coc_before_quote = st.coc

    def step(self, block: Block) -> None:
        st = self.st
        if block.kind == "meta":
            st.list_mode = None
            return
        if block.kind == "tracker":
            st.section = TRACKER
            st.list_mode = None
            st.register_rec = None
            st.register_entry = False
            return
        if block.kind == "title":
            self.set_section(REGISTER)
            st.register_rec = None
            st.register_entry = True
            return
        heading = classify_heading(block) if not st.quote_open else None
        if heading is not None:
            self.on_heading(block, *heading)
            return
        self.open_quote(block)
        if st.quote_open and st.quote_first:
            # The opening quotation mark sits before the restated cause of concern (§1.1).
            stripped = block.text.lstrip('“"')
            if g.STATEMENT.match(stripped) and not stripped.rstrip().endswith(":"):
                self.new_coc(block, whole=False)
                st.expect_statement = False
                return
        if st.expect_statement:
            outcome = self.statement(block)
            if outcome == "taken":
                st.expect_statement = False
                return
            st.expect_waited += 1
            if outcome == "done" or st.expect_waited >= 3:
                st.expect_statement = False
        if block.kind == "item":
            self.on_item(block)
        else:
            self.on_paragraph(block)

    def set_section(self, section: str) -> None:
        st = self.st
        st.section = section
        st.list_mode = None
        st.leadin_restated = False
        st.restated_mode = False
        st.candidate = None
        st.section_mentions_coc = False
        st.next_number = None
        st.afi_bulleted = False
        if section in (AFI, BACKGROUND, METHOD, REGISTER, TRACKER):
            st.coc = None

    def on_heading(self, block: Block, kind: str, m: re.Match[str] | None) -> None:
        st = self.st
        number = int(m["number"]) if m is not None and m["number"] else None
        rest = (m["rest"] or "").strip() if m is not None else ""
        if st.expect_statement and kind == OTHER and not st.expect_waited:
            # "Cause of concern" then a topic line, then the statement.
            st.heading_topic = block.text.strip()
            st.heading_block = block
            return
        if st.expect_statement:
            # A cause-of-concern heading followed only by narrative and then another such
            # heading was a title; otherwise the heading's topic is all the statement there is.
            if kind != COC:
                self.coc_from_heading()
            st.expect_statement = False
        st.new_section = bool(g.NEW_FINDINGS.search(block.text))
        if kind == COC:
            self.set_section(COC)
            st.coc = None
            st.heading_block = block
            st.heading_topic = rest or None
            st.heading_number = number
            st.statement_items = bool(re.match(r"(?i)causes", block.text))
            if rest and g.STATEMENT.match(rest) and len(rest.split()) > 4:
                start = block.text.find(rest)
                self.new_coc(block, whole=False, text_range=(start, start + len(rest)))
            else:
                st.expect_statement = True
                st.expect_waited = 0
            return
        if kind in (REC, AFI):
            # Recommendations answer the cause of concern before them; AFIs stand alone.
            keep = st.coc
            self.set_section(kind)
            if kind == REC:
                st.coc = keep
            st.next_number = number
            if rest and g.FINDING_START.match(rest):
                # "Recommendation 2: The force should …" on one line.
                finding_kind = RECOMMENDATION if kind == REC else AREA_FOR_IMPROVEMENT
                self.finding_from_block(block, finding_kind, begin=block.text.find(rest))
            return
        if kind == OTHER:
            st.register_entry = False
            if st.section in (COC, REC) and st.coc is not None and not st.coc_has_recs:
                # A sub-heading between a cause of concern and its recommendations.
                st.list_mode = None
                return
            self.set_section(OTHER)
            st.coc = None
            return
        self.set_section(kind)

    def statement(self, block: Block) -> str:
        """The paragraph after a cause-of-concern heading is its statement (§1.1).

        Returns "taken" (the block is the statement), "wait" (narrative: the statement
        may still follow) or "done" (no statement: carry on with this block).
        """
        st = self.st
        text = block.text.strip()
        if text.endswith(":"):
            # "The original cause of concern was:" – the statement follows in quotes.
            if g.LEADIN_END.search(text) or g.FINDING_START.match(text):
                self.coc_from_heading()
                return "done"
            if g.COUNT_LINE.fullmatch(text):
                self.coc_from_heading()
                return "done"
            if st.heading_topic and not g.PAST_LEADIN.search(text):
                self.coc_from_heading()
            st.list_mode = "coc" if st.statement_items else "ignore"
            st.leadin_restated = bool(g.PAST_LEADIN.search(text))
            return "taken"
        if block.kind == "item":
            st.list_mode = "coc"
            self.new_coc(block, whole=True)
            return "taken"
        older = bool(g.COC_PHRASE.search(text))
        if not older and g.NARRATIVE.search(text):
            return "wait"
        if g.FINDING_START.match(text) and not g.STATEMENT.match(text):
            self.coc_from_heading()
            return "done"
        self.new_coc(block, whole=older)
        return "taken"

    def on_item(self, block: Block) -> None:
        st = self.st
        mode = st.list_mode
        marker = "number" if block.number is not None else "bullet"
        if mode in ("separate", "parts") and st.list_marker not in (None, marker):
            st.list_mode = mode = None
        st.list_marker = marker if mode in ("separate", "parts") else None
        if mode == "separate" and st.leadin is not None:
            self.item_finding(block)
            return
        if mode == "parts" and st.last is not None:
            self.add_part(st.last, block)
            return
        if mode == "coc":
            self.new_coc(block, whole=True)
            st.list_mode = "coc"
            return
        if mode == "ignore":
            return
        if self.in_register_entry() and st.register_rec is not None:
            self.add_part(st.register_rec, block)
            return
        self.on_text(block, item=True)

    def item_finding(self, block: Block) -> None:
        st = self.st
        # Only called inside a lead-in.
        assert st.leadin is not None  # nosec
        lead = leadin_text(st.leadin.text)
        item = clean_item(block.text)
        own_tf, _ = find_timeframe(item)
        if own_tf is None:
            m = match_timeframe(item, 0)
            own_tf = parse_timeframe(m.group(0)) if m else None
        kind = AREA_FOR_IMPROVEMENT if st.section == AFI else RECOMMENDATION
        draft = Draft(
            kind=kind,
            segments=[*st.leadin.spans(), *block.spans(0, len(item))],
            pieces=[lead, item],
            timeframe=own_tf or st.leadin_tf,
            addressees=list(st.leadin_addressees),
            restated=self.restated(),
            number=block.number if block.marker and block.number is not None else None,
            lead_in=lead,
        )
        self.add(draft)
        st.list_mode = "separate"

    def add_part(self, draft: Draft, block: Block) -> None:
        draft.parts.append(clean_item(block.text))
        draft.segments.extend(block.spans())
        self.st.last_block_index = self.index

    def on_paragraph(self, block: Block) -> None:
        st = self.st
        text = block.text.strip()
        if text.endswith(":"):
            self.on_leadin(block)
            return
        st.list_mode = None
        st.leadin_restated = False
        if st.restated_mode and not g.FINDING_START.match(text):
            st.restated_mode = False
        self.on_text(block, item=False)

    def on_leadin(self, block: Block) -> None:
        st = self.st
        text = block.text.strip()
        st.leadin_restated = False
        count = g.COUNT_LINE.fullmatch(text)
        if count:
            raw = count["n"].lower()
            words = [
                "one",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
                "ten",
                "eleven",
                "twelve",
            ]
            n = int(raw) if raw.isdigit() else words.index(raw) + 1
            st.counts.append((n, 0, st.coc))
            st.restated_mode = st.restated_mode or bool(re.search(r"(?i)\bhad\b", text))
            st.list_mode = "ignore"
            return
        if st.section in (METHOD, TRACKER):
            st.list_mode = "ignore"
            return
        modal = g.LEADIN_END.search(text)
        if modal and self.in_register_entry():
            # A register entry is one recommendation whatever its bullets (§1.3).
            modal = None
        if modal:
            before = text[: modal.start()]
            st.leadin_restated = bool(g.PAST_LEADIN.search(before))
            if st.section == OTHER and st.coc is None:
                self.promote_candidate()
            self.bare_statement_before()
            st.list_mode = "separate"
            st.list_marker = None
            st.leadin = block
            st.leadin_tf, _ = find_timeframe(text)
            st.leadin_addressees = bodies(modal)
            return
        start = g.FINDING_START.match(text)
        if start and start["modal"] == "should":
            strong = bool(start["tf"] or start["recommends"])
            if st.section in (REC, AFI, REGISTER) or strong:
                kind = AREA_FOR_IMPROVEMENT if st.section == AFI and not strong else RECOMMENDATION
                self.finding_from_block(block, kind)
                if self.in_register_entry():
                    st.register_rec = st.last
                st.list_mode = "parts"
                st.list_marker = None
                return
        if (
            st.last is not None
            and self.index - st.last_block_index <= 1
            and g.CONTINUATION_LEADIN.fullmatch(text)
        ):
            st.last.pieces.append(text)
            st.last.segments.extend(block.spans())
            st.list_mode = "parts"
            st.list_marker = None
            return
        st.list_mode = "ignore"
        self.note_text(block)

    def on_text(self, block: Block, *, item: bool) -> None:
        """A paragraph or a list item outside a lead-in list."""
        st = self.st
        text = block.text.strip()
        section = st.section
        if section in (METHOD, TRACKER):
            return
        start = g.FINDING_START.match(text)
        if start and start["modal"] != "should" and section != AFI:
            start = None
        if start:
            strong = bool(start["tf"] or start["recommends"])
            if section == AFI and strong:
                # AFIs never carry a timeframe (§3.6), and "recommends" names a recommendation.
                self.finding_from_block(block, RECOMMENDATION)
                return
            if section == AFI and (item or not st.afi_bulleted):
                # Once the list is bulleted, prose after it is narrative, not another AFI.
                st.afi_bulleted = st.afi_bulleted or item
                self.finding_from_block(block, AREA_FOR_IMPROVEMENT)
                return
            if section == AFI:
                start = None
        if start:
            if self.in_register_entry():
                if st.register_rec is None:
                    st.register_rec = self.finding_from_block(block, RECOMMENDATION)
                else:
                    self.add_part(st.register_rec, block)
                return
            if section == REC:
                self.finding_from_block(block, RECOMMENDATION)
                return
            if strong:
                first = sentences(text)[0]
                self.finding_from_block(block, RECOMMENDATION, end=first[1])
                return
        if (
            not item
            and st.last is not None
            and section in (AFI, REC, REGISTER)
            and self.index - st.last_block_index == 1
            and g.CONTINUATION_SENTENCE.match(text)
        ):
            # "These reviews should …" adds to the finding just before (§4).
            st.last.pieces.append(text)
            st.last.segments.extend(block.spans())
            st.last_block_index = self.index
            return
        if section not in (BACKGROUND,) and not self.restated():
            # Older reports: "… is a cause of concern to HMIC" inside a paragraph (§5).
            for begin, end in sentences(text):
                sentence = text[begin:end]
                if g.COC_PHRASE.search(sentence) and not g.COC_PHRASE_NOT_NEW.search(sentence):
                    self.older_coc(block, begin, end)
                    return
        if section not in (BACKGROUND,):
            # A strong finding sentence inside a narrative paragraph.
            for begin, end in sentences(text)[1:]:
                m = g.FINDING_START.match(text, begin)
                if m and m["modal"] == "should" and (m["tf"] or m["recommends"]):
                    self.finding_from_block(block, RECOMMENDATION, begin=begin, end=end)
                    return
        self.note_text(block)

    def bare_statement_before(self) -> None:
        """A one-sentence failing stated just before a modal lead-in is its cause of concern.

        Revisit letters restate each original cause of concern as a bare paragraph with no
        heading, followed directly by its timeframe lead-in and bullets (§1.1). Outside a
        restatement this is only taken when no cause of concern is open, so a dated second
        block under one cause of concern is not read as a new one.
        """
        st = self.st
        if self.index == 0 or st.quote_open:
            return
        if not self.restated() and st.coc is not None:
            return
        if st.coc is not None and not st.coc_has_recs:
            return
        prev = self.blocks[self.index - 1]
        text = prev.text.strip().strip('“”"')
        if (
            prev.kind != "para"
            or text.endswith(":")
            or classify_heading(prev) is not None
            or len(sentences(text)) != 1
            or not g.STATEMENT.match(text)
            or g.NARRATIVE.search(text)
            or g.FINDING_START.match(text)
            or g.COC_PHRASE.search(text)
        ):
            return
        if any(prev.start == start for d in self.drafts for start, _ in d.segments):
            return  # already a finding
        saved = self.index
        self.index -= 1  # the statement's own block decides whether it is restated
        try:
            self.new_coc(prev, whole=True)
        finally:
            self.index = saved

    def older_coc(self, block: Block, begin: int, end: int) -> None:
        """A paragraph that says something "is a cause of concern" is the statement."""
        sentence = block.text[begin:end]
        if re.match(r"(?i)(?:this|that|these|it|such)\b", sentence) and begin == 0:
            previous = self.blocks[self.index - 1] if self.index else None
            if (
                previous is not None
                and previous.kind == "para"
                and classify_heading(previous) is None
            ):
                draft = Draft(
                    kind=CAUSE_OF_CONCERN,
                    segments=[*previous.spans(), *block.spans(begin, end)],
                    pieces=[previous.text.strip(), sentence.strip()],
                    restated=self.restated(),
                )
                self.add(draft)
                return
        self.new_coc(block, whole=True)

    def note_text(self, block: Block) -> None:
        """Remember what a topic section says, to find a cause of concern stated in prose."""
        st = self.st
        if st.section != OTHER:
            return
        text = block.text
        if st.candidate is None and g.STATEMENT.match(text) and not text.rstrip().endswith(":"):
            st.candidate = block
        if re.search(r"(?i)\bcause\s+of\s+concern\b", text) and not g.COC_PHRASE_NOT_NEW.search(
            text
        ):
            st.section_mentions_coc = True

    def promote_candidate(self) -> None:
        """A topic heading, a failing stated in prose, "cause of concern" in the text and a
        recommendation lead-in: the statement is a cause of concern (§1.1)."""
        st = self.st
        if st.candidate is None or not st.section_mentions_coc or self.restated():
            return
        block = st.candidate
        st.candidate = None
        first = sentences(block.text)[0]
        draft = Draft(
            kind=CAUSE_OF_CONCERN,
            segments=block.spans(*first),
            pieces=[block.text[first[0] : first[1]].strip()],
        )
        self.add(draft)
