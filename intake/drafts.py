"""The review screen's working set: findings extracted from a report, as OPCC staff edit them.

A `Draft` is the extraction engine's output made editable: each finding gets a stable key
("f1", "f2" …) so that parent links, merges, splits and drops refer to findings, not to
list positions that move. It is plain data, stored as JSON in the session between requests
(`to_json` / `from_json`); nothing here touches the database.

Spans are (start, end) offsets into `Draft.text`, the normalised source the engine read;
`highlight` turns them into `<mark>` elements, escaping everything else.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import pairwise
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from intake.candidates import Candidate, sits_under_a_cause, takes_a_deadline
from intake.extraction import Extraction, parse_timeframe
from recommendations.models import FindingKind

FORMAT_VERSION = 1
# Findings one review may hold: 20,000 pasted bullets made an 87 MB page that took 56 s.
MAX_FINDINGS = 500
# A parent that is already recorded in the report, rather than in the draft: "e" + its pk.
EXISTING_PREFIX = "e"

NOT_IN_DRAFT = (
    "That finding is no longer in the review (it may have been changed in another tab). "
    "The latest version is shown."
)
NOTHING_TO_MERGE = "{ref} is the last finding, so there is nothing after it to merge with."
SPLIT_OUTSIDE_TEXT = "Choose where to split {ref}: a point between two of its lines or sentences."
TOO_MANY_TO_SPLIT = (
    "A review holds at most {limit:,} findings, so {ref} cannot be split. Bring these "
    "findings in first, then add the rest in another review."
)


class DraftError(Exception):
    """An operation that cannot be applied to the draft as it now stands."""


@dataclass(kw_only=True)
class DraftFinding(Candidate):
    """A candidate on the review screen: with its key, where it came from in the source,
    and the cause of concern chosen for it there."""

    key: str
    # The key of a cause of concern in the draft, EXISTING_PREFIX + pk of one already in
    # the report, or "" for none. Turned into the candidate's parent_reference or
    # parent_pk when the draft is saved (`candidates`), since references may be edited.
    parent: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class DroppedFinding:
    finding: DraftFinding
    position: int


@dataclass
class Draft:
    report_id: int
    source: str
    published_on: date | None
    text: str
    findings: list[DraftFinding]
    warnings: list[str] = field(default_factory=list)
    dropped: list[DroppedFinding] = field(default_factory=list)
    # Bumped on every change; forms carry it so a stale tab cannot apply an old edit.
    revision: int = 1
    next_key: int = 1

    # ------------------------------------------------------------ lookup

    def get(self, key: str) -> DraftFinding:
        for finding in self.findings:
            if finding.key == key:
                return finding
        raise DraftError(NOT_IN_DRAFT)

    def index(self, key: str) -> int:
        return self.findings.index(self.get(key))

    def causes_of_concern(self) -> list[DraftFinding]:
        return [f for f in self.findings if f.is_cause_of_concern]

    def children_of(self, key: str) -> list[DraftFinding]:
        return [f for f in self.findings if f.parent == key]

    def new_key(self) -> str:
        key = f"f{self.next_key}"
        self.next_key += 1
        return key

    def counts(self) -> dict[str, int]:
        return {kind: sum(f.kind == kind for f in self.findings) for kind in FindingKind.values}


# ---------------------------------------------------------------- building and storing


def from_extraction(extraction: Extraction, *, report_id: int, source: str) -> Draft:
    """A draft of everything the engine found, with parent indexes turned into keys."""
    draft = Draft(
        report_id=report_id,
        source=source,
        published_on=extraction.published_on,
        text=extraction.text,
        findings=[],
        warnings=list(extraction.warnings),
    )
    keys = [draft.new_key() for _ in extraction.findings]
    for key, found in zip(keys, extraction.findings, strict=True):
        draft.findings.append(
            DraftFinding(
                key=key,
                kind=found.kind,
                reference=found.reference,
                text=found.text,
                timeframe=found.timeframe or "",
                due_on=found.due_on,
                addressee=found.addressee or "",
                parent=keys[found.parent] if found.parent is not None else "",
                spans=[(start, end) for start, end in found.spans],
            )
        )
    return draft


# What the review screen sets on a finding; the rest of a Candidate is the spreadsheet's.
_STORED = ("key", "kind", "reference", "text", "timeframe", "due_on", "addressee", "parent")


def to_json(draft: Draft) -> dict[str, Any]:
    data = {name: getattr(draft, name) for name in ("report_id", "source", "text", "warnings")}
    return data | {
        "format": FORMAT_VERSION,
        "published_on": _iso(draft.published_on),
        "findings": [_finding_json(f) for f in draft.findings],
        "dropped": [
            {"finding": _finding_json(item.finding), "position": item.position}
            for item in draft.dropped
        ],
        "revision": draft.revision,
        "next_key": draft.next_key,
    }


def _finding_json(finding: DraftFinding) -> dict[str, Any]:
    data = {name: getattr(finding, name) for name in _STORED}
    return data | {"due_on": _iso(finding.due_on), "spans": [list(s) for s in finding.spans]}


def from_json(data: object) -> Draft | None:
    """The draft stored by `to_json`, or None for anything else (old format, tampering)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return None
    try:
        return Draft(
            report_id=int(data["report_id"]),
            source=str(data["source"]),
            published_on=_date(data["published_on"]),
            text=str(data["text"]),
            findings=[_finding(item) for item in data["findings"]],
            warnings=[str(w) for w in data["warnings"]],
            dropped=[
                DroppedFinding(_finding(item["finding"]), int(item["position"]))
                for item in data["dropped"]
            ],
            revision=int(data["revision"]),
            next_key=int(data["next_key"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _finding(item: dict[str, Any]) -> DraftFinding:
    return DraftFinding(
        key=str(item["key"]),
        kind=str(item["kind"]),
        reference=str(item["reference"]),
        text=str(item["text"]),
        timeframe=str(item["timeframe"]),
        due_on=_date(item["due_on"]),
        addressee=str(item["addressee"]),
        parent=str(item["parent"]),
        spans=[(int(start), int(end)) for start, end in item["spans"]],
    )


def candidates(draft: Draft) -> list[Candidate]:
    """The findings to save, numbered by their place on the screen, each with its cause of
    concern named as the save path expects: by reference if it is in the draft, by id if
    it is already in the report."""
    found = []
    for line, finding in enumerate(draft.findings, start=1):
        parent_pk, parent_reference = None, ""
        if finding.parent.startswith(EXISTING_PREFIX):
            parent_pk = int(finding.parent.removeprefix(EXISTING_PREFIX))
        elif finding.parent:
            parent_reference = draft.get(finding.parent).reference
        found.append(
            replace(finding, line=line, parent_pk=parent_pk, parent_reference=parent_reference)
        )
    return found


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


# ---------------------------------------------------------------- operations


def update(draft: Draft, key: str, **changes: Any) -> list[str]:
    """Apply edited fields to one finding. Returns the references of findings unlinked as a
    result (the recommendations under a cause of concern whose kind changed)."""
    finding = draft.get(key)
    for name, value in changes.items():
        setattr(finding, name, value)
    return _tidy_parents(draft)


def merge_with_next(draft: Draft, key: str) -> DraftFinding:
    """Merge a finding with the one after it: the first keeps its kind and reference, the
    texts are joined, and anything the first lacks (timeframe, due date, addressee, parent)
    is taken from the second."""
    position = draft.index(key)
    first = draft.findings[position]
    if position + 1 >= len(draft.findings):
        raise DraftError(NOTHING_TO_MERGE.format(ref=first.reference))
    second = draft.findings.pop(position + 1)
    first.text = f"{first.text.rstrip()}\n{second.text.lstrip()}"
    first.spans = _union(first.spans + second.spans)
    first.addressee = first.addressee or second.addressee
    # A cause of concern carries no deadline, so it never inherits one.
    if takes_a_deadline(first.kind) and not first.timeframe and not first.due_on:
        first.timeframe, first.due_on = second.timeframe, second.due_on
    if sits_under_a_cause(first.kind) and not first.parent and second.parent != first.key:
        first.parent = second.parent
    for child in draft.children_of(second.key):
        child.parent = first.key if first.is_cause_of_concern else ""
    _tidy_parents(draft)
    return first


def split(draft: Draft, key: str, at: int) -> DraftFinding:
    """Split a finding's text at character offset `at`; the second part becomes a new
    finding just after it, with the same kind, parent, timeframe and due date."""
    position = draft.index(key)
    first = draft.findings[position]
    if len(draft.findings) >= MAX_FINDINGS:
        raise DraftError(TOO_MANY_TO_SPLIT.format(limit=MAX_FINDINGS, ref=first.reference))
    head, tail = first.text[:at].rstrip(), first.text[at:].strip()
    if at <= 0 or not head or not tail:
        raise DraftError(SPLIT_OUTSIDE_TEXT.format(ref=first.reference))
    first_spans, second_spans = _split_spans(draft.text, first.spans, tail)
    second = DraftFinding(
        key=draft.new_key(),
        kind=first.kind,
        reference=_unused_reference(draft, first.reference),
        text=tail,
        timeframe=first.timeframe,
        due_on=first.due_on,
        addressee=first.addressee,
        parent=first.parent,
        spans=second_spans,
    )
    first.text, first.spans = head, first_spans
    draft.findings.insert(position + 1, second)
    return second


TOO_MANY_TO_ADD = (
    "A review holds at most {limit:,} findings. Bring these findings in first, then add "
    "the rest in another review."
)
_REFERENCE_PREFIX = {
    FindingKind.CAUSE_OF_CONCERN: "CoC",
    FindingKind.RECOMMENDATION: "R",
    FindingKind.AREA_FOR_IMPROVEMENT: "AFI",
}


def locate(text: str, passage: str) -> list[tuple[int, int]]:
    """Where a passage (as a browser's selection gives it: line breaks and runs of spaces
    may differ) stands in the source text, as spans; empty if it is not there."""
    words = passage.split()
    if not words:
        return []
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return [(m.start(), m.end())] if m else []


def add(
    draft: Draft,
    *,
    kind: str,
    text: str,
    reference: str = "",
    parent: str = "",
    timeframe: str = "",
) -> DraftFinding:
    """Add a finding the engine missed, from text selected in the source (or typed). Its
    due date is worked out from its timeframe as for any other finding; it is placed with
    the findings near it in the text, or last if its text is not in the source."""
    if len(draft.findings) >= MAX_FINDINGS:
        raise DraftError(TOO_MANY_TO_ADD.format(limit=MAX_FINDINGS))
    spans = locate(draft.text, text)
    parsed = parse_timeframe(timeframe) if timeframe and takes_a_deadline(kind) else None
    if not reference:
        # The next number after the highest of this kind ("R4" → "R5"), gaps left as they are.
        prefix = _REFERENCE_PREFIX.get(kind, "F")
        numbers = [
            int(m[1])
            for f in draft.findings
            if (m := re.fullmatch(rf"{prefix}(\d+)", f.reference, re.IGNORECASE))
        ]
        reference = f"{prefix}{max(numbers, default=0) + 1}"
    if any(f.reference.casefold() == reference.casefold() for f in draft.findings):
        reference = _unused_reference(draft, reference)
    finding = DraftFinding(
        key=draft.new_key(),
        kind=kind,
        reference=reference,
        text=" ".join(text.split()) if spans else text.strip(),
        timeframe=timeframe if takes_a_deadline(kind) else "",
        due_on=parsed.due_on(draft.published_on) if parsed else None,
        parent=parent if sits_under_a_cause(kind) else "",
        spans=spans,
    )
    position = len(draft.findings)
    if spans:
        start = spans[0][0]
        position = next(
            (
                i
                for i, f in enumerate(draft.findings)
                if f.spans and min(s for s, _ in f.spans) > start
            ),
            len(draft.findings),
        )
    draft.findings.insert(position, finding)
    _tidy_parents(draft)
    return finding


def drop(draft: Draft, key: str) -> list[str]:
    """Leave a finding out. Returns the references of recommendations it unlinks."""
    position = draft.index(key)
    finding = draft.findings.pop(position)
    draft.dropped.append(DroppedFinding(finding, position))
    unlinked = []
    for child in draft.children_of(key):
        child.parent = ""
        unlinked.append(child.reference)
    return unlinked


def restore(draft: Draft, key: str) -> DraftFinding:
    """Put a dropped finding back where it was (its old links are not restored)."""
    for item in draft.dropped:
        if item.finding.key == key:
            draft.dropped.remove(item)
            item.finding.parent = ""
            draft.findings.insert(min(item.position, len(draft.findings)), item.finding)
            return item.finding
    raise DraftError(NOT_IN_DRAFT)


def _tidy_parents(draft: Draft) -> list[str]:
    """Unlink findings that may not sit under a cause of concern (the service says which),
    and those whose cause of concern in the draft is no longer one."""
    causes = {f.key for f in draft.causes_of_concern()}
    unlinked = []
    for finding in draft.findings:
        if not finding.parent or finding.parent.startswith(EXISTING_PREFIX):
            if finding.parent and not sits_under_a_cause(finding.kind):
                finding.parent = ""
            continue
        if not sits_under_a_cause(finding.kind) or finding.parent not in causes:
            finding.parent = ""
            unlinked.append(finding.reference)
    return unlinked


def _unused_reference(draft: Draft, reference: str) -> str:
    taken = {f.reference.casefold() for f in draft.findings}
    for suffix in "bcdefghijklmnopqrstuvwxyz":
        candidate = f"{reference}{suffix}"[:30]
        if candidate.casefold() not in taken:
            return candidate
    return reference


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _split_spans(
    source: str, spans: list[tuple[int, int]], tail: str
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Divide the highlighted source between the two parts, at the place where the second
    part's first words occur. If they cannot be found (the text was edited), both parts
    keep the whole highlight: still the right place to look."""
    words = tail.lstrip("•-–* ").split()[:6]
    if not words or not spans:
        return list(spans), list(spans)
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    for index, (start, end) in enumerate(spans):
        found = pattern.search(source, start, end)
        if found is None:
            continue
        cut = found.start()
        before = [*spans[:index], *([(start, cut)] if cut > start else [])]
        return before or list(spans), [(cut, end), *spans[index + 1 :]]
    return list(spans), list(spans)


# ---------------------------------------------------------------- presenting


def _link(key: str, links: dict[str, str] | None) -> str:
    return (links or {}).get(key) or f"#finding-{key}"


# A new part may start after a line break, or after a sentence's end (. ; : ! ?).
_SPLIT_POINT = re.compile(r"\n+|(?<=[.;:!?])[ \t]+(?=\S)")
_CONTEXT_CHARS = 40


def split_points(text: str) -> list[tuple[int, str]]:
    """Where a finding's text can be split: (offset, a label showing both sides)."""
    points = []
    for match in _SPLIT_POINT.finditer(text):
        at = match.end()
        before, after = text[: match.start()].rstrip(), text[at:].strip()
        if not before or not after:
            continue
        left = " ".join(before[-_CONTEXT_CHARS:].split())
        right = " ".join(after[:_CONTEXT_CHARS].split())
        points.append((at, f"…{left} | {right}…"))
    return points


def highlight(draft: Draft, *, links: dict[str, str] | None = None) -> SafeString:
    """The source text, HTML-escaped, with each finding's spans wrapped in `<mark>`.

    Spans may overlap (a shared lead-in such as "Within three months, the force should:"
    belongs to every bullet under it), so the text is cut at every span boundary and each
    piece is marked with all the findings that cover it. Each finding's first piece is
    preceded by a link to its card (`links[key]`, by default "#finding-<key>": the review
    shows its cards a page at a time), labelled with its reference.
    """
    text = draft.text
    size = len(text)
    covering: dict[int, list[DraftFinding]] = {}
    boundaries = {0, size}
    for finding in draft.findings:
        for start, end in finding.spans:
            start, end = max(0, min(start, size)), max(0, min(end, size))
            if start < end:
                boundaries.update((start, end))
    cuts = sorted(boundaries)
    starts_at: dict[int, list[DraftFinding]] = {}
    for finding in draft.findings:
        valid = [(s, e) for s, e in finding.spans if 0 <= s < e <= size]
        if valid:
            starts_at.setdefault(min(s for s, _ in valid), []).append(finding)
        for start, end in valid:
            for cut in cuts[bisect_left(cuts, start) : bisect_left(cuts, end)]:
                covering.setdefault(cut, []).append(finding)
    out: list[str] = []
    for start, end in pairwise(cuts):
        for finding in starts_at.get(start, []):
            out.append(
                f'<a class="intake-ref intake-ref-{escape(finding.kind)}" '
                f'id="source-{escape(finding.key)}" href="{escape(_link(finding.key, links))}">'
                f"{escape(finding.reference)}</a>"
            )
        piece = escape(text[start:end])
        marks = covering.get(start)
        if marks:
            keys = " ".join(escape(f.key) for f in marks)
            shared = " intake-mark-shared" if len(marks) > 1 else ""
            out.append(
                f'<mark class="intake-mark intake-mark-{escape(marks[0].kind)}{shared}" '
                f'data-findings="{keys}">{piece}</mark>'
            )
        else:
            out.append(piece)
    # Every piece of text above is escaped.
    return mark_safe("".join(out))  # nosec
