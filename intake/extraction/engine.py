"""Find causes of concern, recommendations and areas for improvement in report text.

Stages:
1. `normalise` the text (one newline style, plain spaces, glued bullets split).
2. Cut it into blocks: paragraphs, headings and list items (`text.blocks_of`).
3. Walk the blocks with a little state: the current section (from headings such as
   "Cause of concern", "Recommendations", "Areas for improvement", "Background"), the
   current cause of concern, the open lead-in ("… should immediately:") and whether the
   text is a restatement (a quotation, a "we made the following recommendations" list,
   a closure or revisit letter).
4. Recognise findings by their grammar: an addressee followed by "should"; a lead-in that
   ends at the modal (each bullet after it is a finding) or that ends a longer clause (the
   bullets complete one finding); a timeframe only where HMICFRS puts deadlines (at the
   start of the sentence or straight after the modal).
5. Give references, due dates and parent indexes.

Plain "The force should …" sentences count only inside a findings section; elsewhere a
sentence needs a stronger sign (a timeframe, "we recommend that", or a lead-in list),
because summaries, grade definitions and narrative use the same words (PHRASING.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from intake.extraction import grammar as g
from intake.extraction.budget import time_budget
from intake.extraction.state import AREA_FOR_IMPROVEMENT, CAUSE_OF_CONCERN, RECOMMENDATION, Draft
from intake.extraction.text import blocks_of, normalise, sentences
from intake.extraction.timeframes import parse_date
from intake.extraction.walker import Walker

KINDS = (CAUSE_OF_CONCERN, RECOMMENDATION, AREA_FOR_IMPROVEMENT)
REFERENCE_PREFIX = {CAUSE_OF_CONCERN: "CoC", RECOMMENDATION: "R", AREA_FOR_IMPROVEMENT: "AFI"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding as extracted.

    `parent` is the index (in the same result list) of the cause of concern a
    recommendation belongs to. `spans` are (start, end) offsets into `Extraction.text`,
    the normalised source, for highlighting. `parts` are the bulleted sub-parts of a
    finding whose bullets complete one clause (PHRASING.md §2); `text` includes them.
    """

    kind: str
    reference: str
    text: str
    timeframe: str | None
    due_on: date | None
    parent: int | None
    addressee: str | None
    addressees: tuple[str, ...]
    immediate: bool
    spans: tuple[tuple[int, int], ...]
    parts: tuple[str, ...] = ()
    lead_in: str | None = None
    restated: bool = False


@dataclass(frozen=True, slots=True)
class Extraction:
    """The result of one run: the normalised text the spans refer to, and the findings."""

    text: str
    findings: tuple[Finding, ...]
    published_on: date | None
    published_on_source: str | None  # "given", "text" or None
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Public entry points


def find_publication_date(norm: str) -> date | None:
    """A "Published on: 12 March 2025" style line in the text ("Last updated" is not one)."""
    for m in g.PUBLISHED.finditer(norm):
        found, month_only = parse_date(m["date"])
        if found is not None and not month_only:
            return found
    return None


def original_issue_date(norm: str) -> date | None:
    """When restated findings were first issued, from the letter's background (§6.9)."""
    for block in blocks_of(norm):
        for begin, end in sentences(block.text):
            sentence = block.text[begin:end]
            if "engage" in sentence.lower() or not g.ISSUE_DATE_SENTENCE.search(sentence):
                continue
            for m in g.FULL_DATE.finditer(sentence):
                found, _ = parse_date(m.group(0))
                if found:
                    return found
    return None


def extract(
    text: str,
    *,
    published_on: date | None = None,
    include_restated: bool = False,
    time_limit: float | None = None,
) -> Extraction:
    """Extract findings from report text.

    With `time_limit` (seconds), an extraction still running then stops with
    ExtractionError (code "too_slow"); see budget.py.

    `published_on` anchors relative timeframes; when it is None a "Published on" line in
    the text is used if there is one. Findings restated from earlier reports (revisit and
    closure letters, quotations, "we made the following recommendations") are left out
    unless `include_restated`; their relative timeframes count from the original issue
    date when the letter gives it, never from the letter's own date.
    """
    with time_budget(time_limit):
        return _extract(text, published_on=published_on, include_restated=include_restated)


def _extract(text: str, *, published_on: date | None, include_restated: bool) -> Extraction:
    norm = normalise(text)
    warnings: list[str] = []
    source: str | None = "given" if published_on else None
    if published_on is None:
        published_on = find_publication_date(norm)
        if published_on is not None:
            source = "text"
            warnings.append(
                f"Publication date {published_on.day} {published_on:%B %Y} was read from the text."
            )
    blocks = blocks_of(norm)
    walker = Walker(norm, blocks)
    drafts = walker.run()
    drafts.sort(key=lambda d: min((s for s, _ in d.segments), default=0))
    kept = [d for d in drafts if include_restated or not d.restated]
    issue_date = original_issue_date(norm) if any(d.restated for d in kept) else None
    references = _references(kept)
    index = {id(d): i for i, d in enumerate(kept)}
    findings: list[Finding] = []
    relative_without_date = False
    for i, d in enumerate(kept):
        tf = d.timeframe
        anchor = issue_date if d.restated else published_on
        due = tf.due_on(anchor) if tf else None
        if tf and tf.kind in ("relative", "immediate") and anchor is None:
            relative_without_date = True
        text_out = " ".join(" ".join(d.pieces).split())
        if d.parts:
            text_out += "\n" + "\n".join(f"• {p}" for p in d.parts)
        findings.append(
            Finding(
                kind=d.kind,
                reference=references[i],
                text=text_out,
                timeframe=tf.phrase if tf else None,
                due_on=due,
                parent=_parent_index(index, d, i),
                addressee=d.addressees[0] if d.addressees else None,
                addressees=tuple(d.addressees),
                immediate=bool(tf and tf.immediate),
                spans=tuple(_merge(d.segments)),
                parts=tuple(d.parts),
                lead_in=d.lead_in,
                restated=d.restated,
            )
        )
    if relative_without_date:
        warnings.append(
            "Some timeframes count from the publication date, which is not known: "
            "give the publication date to work out their due dates."
        )
    for expected, found, _coc in walker.st.counts:
        if found and found != expected:
            warnings.append(
                f"The text says there were {expected} recommendations but {found} were found: "
                "the excerpt may be incomplete."
            )
    return Extraction(
        text=norm,
        findings=tuple(findings),
        published_on=published_on,
        published_on_source=source,
        warnings=tuple(warnings),
    )


def _parent_index(index: dict[int, int], draft: Draft, position: int) -> int | None:
    """The parent's index; a parent must come first, so anything else is dropped."""
    if draft.parent is None:
        return None
    parent = index.get(id(draft.parent))
    return parent if parent is not None and parent < position else None


def _references(drafts: list[Draft]) -> list[str]:
    """References as numbered in the text when every finding of a kind has a distinct
    number; otherwise generated in order per kind ("CoC1", "R1", "AFI1")."""
    out = [""] * len(drafts)
    for kind in KINDS:
        positions = [i for i, d in enumerate(drafts) if d.kind == kind]
        numbers = [drafts[i].number for i in positions]
        use_numbers = all(n is not None for n in numbers) and len(set(numbers)) == len(numbers)
        for seq, i in enumerate(positions, start=1):
            n = drafts[i].number if use_numbers else seq
            out[i] = f"{REFERENCE_PREFIX[kind]}{n}"
    return out


def _merge(segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(set(segments)):
        if merged and s <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged
