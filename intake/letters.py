"""HMICFRS letters that move tracked findings (issue 14).

A closure, revisit or accelerated cause-of-concern letter mostly restates findings the
OPCC already tracks. Reading one (`read_letter`) says which kind it is, which findings it
restates and which it makes new, the letter's date and the date the restated findings
were first issued, and the inspectorate's assessment as the letter words it. For each
restated finding, `propose_matches` ranks the force's tracked findings by text
similarity: PostgreSQL's `pg_trgm` `similarity()` (installed by recommendations/0004),
or the same measure computed in Python on other databases (`trigram_similarity`).

Nothing is changed until the person confirms: `letter_record` then writes the whole
letter in one transaction (closures through `services.finding_close`, new findings
through `imports.draft_save`), with one audit event, or writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet

from audit import services as audit
from intake import imports
from intake.candidates import Candidate
from intake.extraction import Extraction, extract, normalise
from intake.extraction import Finding as Extracted
from intake.extraction import grammar as g
from intake.extraction.engine import find_publication_date, original_issue_date
from intake.extraction.sections import (
    ACCELERATED_LETTER,
    CLOSURE_LETTER,
    REVISIT_LETTER,
    classify_heading,
    letter_kind,
)
from intake.extraction.text import blocks_of
from intake.extraction.timeframes import parse_date, parse_timeframe
from intake.models import Letter, LetterKind, LetterOutcome, OutcomeAction
from recommendations import permissions, services
from recommendations.choices import ClosureBasis
from recommendations.models import Finding, FindingKind, Report, User
from recommendations.workflow import Transition, TransitionRefused, is_allowed

# A proposal below this similarity is shown but not chosen: the person picks, or the
# finding is created as new.
MATCH_THRESHOLD = 0.3
PROPOSALS = 3
# Tracked findings offered in each "or choose another" list.
MAX_CHOICES = 500
ASSESSMENT_CHARS = 5000

SENT_ON = re.compile(
    r"(?im)^\s*(?:sent\s+on|date(?:\s+sent)?|dated)\s*:?\s*(?P<date>[^\n]{6,30}?)\s*$"
)
DATE_LINE = re.compile(r"(?m)^\s*(?P<date>\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4})\s*$")
LETTER_OPENING = re.compile(r"(?im)^\s*(?:letter\s+information\b|dear\b)")
ACCELERATED_HEADING = re.compile(r"(?im)^\s*accelerated\s+causes?\s+of\s+concern\b")

_KINDS = {
    ACCELERATED_LETTER: LetterKind.ACCELERATED,
    REVISIT_LETTER: LetterKind.REVISIT,
    CLOSURE_LETTER: LetterKind.CLOSURE,
}

NEEDS_DATE = "Give the letter’s date: closures and notes are dated from it."
ISSUED_AFTER_SENT = "The findings cannot have been first issued after the letter’s date."
NEEDS_MATCH = "{ref}: choose the tracked finding this refers to, or choose to create it."
CREATE_WITH_MATCH = (
    "{ref}: it is matched to {match}, so it cannot also be created. Choose “No match” to create it."
)
NOT_THIS_FORCE = "{ref}: {match} is not one of this force’s tracked findings."
CANNOT_CLOSE = "{ref}: {match} cannot be closed by HMICFRS yet. {reason}"
NEEDS_ASSESSMENT = "Give the inspectorate’s assessment for the revisit notes."
MATCHED_TWICE = "{match} is matched to more than one finding in the letter with the same choice."
NOT_CREATED = "The new findings could not be created: {problems}"


class Choice(StrEnum):
    CLOSE = "close"
    NOTE = "note"
    CREATE = "create"
    SKIP = "skip"


CHOICE_LABELS = {
    Choice.CLOSE: "Close it: closed by HMICFRS, dated from the letter",
    Choice.NOTE: "Add a dated HMICFRS revisit note",
    Choice.CREATE: "Create it as a new finding",
    Choice.SKIP: "Record nothing for it",
}


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Match:
    finding_id: int
    reference: str
    kind: str
    text: str
    report_title: str
    score: float

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass
class Item:
    """One finding of the letter: restated (to match) or new (to create)."""

    position: int
    finding: Extracted
    due_on: date | None
    proposals: list[Match] = field(default_factory=list)

    @property
    def restated(self) -> bool:
        return self.finding.restated

    @property
    def best(self) -> Match | None:
        best = self.proposals[0] if self.proposals else None
        return best if best is not None and best.score >= MATCH_THRESHOLD else None

    @property
    def kind_label(self) -> str:
        return FindingKind(self.finding.kind).label


@dataclass
class LetterReading:
    kind: LetterKind
    extraction: Extraction
    sent_on: date | None
    issued_on: date | None
    assessment: str
    items: list[Item]

    @property
    def restated(self) -> list[Item]:
        return [item for item in self.items if item.restated]

    @property
    def new(self) -> list[Item]:
        return [item for item in self.items if not item.restated]


def detect(text: str) -> LetterKind | None:
    """The kind of HMICFRS letter the text is, or None for anything else (a report).

    Closure and revisit letters are letters ("Letter information" or "Dear …"); an
    accelerated cause of concern may also come as a page headed as one.
    """
    norm = normalise(text)
    kind = letter_kind(norm)
    if kind is None:
        return None
    if LETTER_OPENING.search(norm) or (
        kind == ACCELERATED_LETTER and ACCELERATED_HEADING.search(norm)
    ):
        return _KINDS[kind]
    return None


def letter_date(norm: str) -> date | None:
    """The letter's own date: its "Sent on" line, else its "Published on" line, else a
    date standing alone on a line near the top."""
    for m in SENT_ON.finditer(norm):
        found, month_only = parse_date(m["date"])
        if found and not month_only:
            return found
    published = find_publication_date(norm)
    if published:
        return published
    head = "\n".join(norm.splitlines()[:15])
    for m in DATE_LINE.finditer(head):
        found, _ = parse_date(m["date"])
        if found:
            return found
    return None


def read_letter(text: str, *, published_on: date | None = None) -> LetterReading | None:
    """Read a letter: None if the text is not one of the letters this handles."""
    kind = detect(text)
    if kind is None:
        return None
    extraction = extract(text, published_on=published_on, include_restated=True)
    norm = extraction.text
    sent_on = letter_date(norm)
    issued_on = original_issue_date(norm)
    items = [
        Item(i, f, _due_on(f, issued_on=issued_on, sent_on=sent_on, published_on=published_on))
        for i, f in enumerate(extraction.findings)
    ]
    if kind == LetterKind.CLOSURE and not any(
        f.restated and f.kind == FindingKind.CAUSE_OF_CONCERN for f in extraction.findings
    ):
        closed = _closed_cause(norm)
        if closed is not None:
            items.insert(0, Item(len(extraction.findings), closed, None))
    return LetterReading(
        kind=kind,
        extraction=extraction,
        sent_on=sent_on,
        issued_on=issued_on,
        assessment=_assessment(norm, extraction),
        items=items,
    )


CLOSED_CAUSE = re.compile(
    r"(?i:\bcause\s+of\s+concern\s+(?:about|regarding|into|on|concerning|relating\s+to|in\s+relation"
    r"\s+to)\s+)(?P<topic>[^.\n]{8,300})"
)


def _closed_cause(norm: str) -> Extracted | None:
    """The cause of concern a closure letter closes when it quotes only the recommendations:
    as the letter names it ("we issued a cause of concern about how the service …"), so
    that the screen can propose the tracked cause of concern to close."""
    for m in CLOSED_CAUSE.finditer(norm):
        topic = m["topic"].strip().rstrip(",;:")
        if len(topic.split()) < 3:
            continue  # a title's "cause of concern about custody": the sentence says more
        start, end = m.start("topic"), m.start("topic") + len(topic)
        return Extracted(
            kind=FindingKind.CAUSE_OF_CONCERN,
            reference="CoC",
            text=f"The cause of concern about {topic}",
            timeframe=None,
            due_on=None,
            parent=None,
            addressee=None,
            addressees=(),
            immediate=False,
            spans=((start, end),),
            restated=True,
        )
    return None


def _due_on(
    finding: Extracted, *, issued_on: date | None, sent_on: date | None, published_on: date | None
) -> date | None:
    """As the engine gives it; a relative timeframe it could not date counts from the date
    the finding was first issued when the letter gives it (PHRASING.md §6.9), else from
    the letter's date."""
    if finding.due_on is not None or not finding.timeframe:
        return finding.due_on
    timeframe = parse_timeframe(finding.timeframe)
    if timeframe is None:
        return None
    anchor = (issued_on if finding.restated else published_on) or sent_on
    return timeframe.due_on(anchor)


def _assessment(norm: str, extraction: Extraction) -> str:
    """What the letter says after the findings it restates, up to its sign-off: the
    inspectorate's assessment as written."""
    ends = [end for f in extraction.findings if f.restated for _, end in f.spans]
    after = max(ends, default=None)
    if after is None:
        return ""
    paragraphs: list[str] = []
    for block in blocks_of(norm):
        if block.start < after or block.kind in ("meta", "tracker", "title"):
            continue
        text = block.text.strip()
        if g.LETTER_END.match(text):
            break
        if classify_heading(block) is not None:
            continue
        paragraphs.append(text)
    return "\n\n".join(paragraphs)[:ASSESSMENT_CHARS]


# ---------------------------------------------------------------- matching


_WORD = re.compile(r"[^\W_]+")


def trigrams(text: str) -> set[str]:
    """Trigrams as pg_trgm makes them: each lower-cased word, padded with two spaces before
    and one after, cut into overlapping three-character pieces."""
    out: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return out


def trigram_similarity(a: str | set[str], b: str | set[str]) -> float:
    """pg_trgm's `similarity()`: shared trigrams over all trigrams of either text."""
    first = trigrams(a) if isinstance(a, str) else a
    second = trigrams(b) if isinstance(b, str) else b
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def tracked_findings(report: Report, user: User) -> QuerySet[Finding]:
    """The findings a letter about this report's force can refer to: the same force's (a
    national report's: those of no force), as far as the person can see them."""
    return Finding.objects.visible_to(user).filter(force_id=report.force_id)


def propose_matches(
    items: Sequence[Item],
    candidates: QuerySet[Finding],
    *,
    limit: int = PROPOSALS,
    use_database: bool | None = None,
) -> None:
    """Fill each restated item's `proposals`: the tracked findings of the same kind with
    the most similar text, best first. On PostgreSQL `pg_trgm` ranks them in the query;
    elsewhere (SQLite) the same measure is computed in Python."""
    if use_database is None:
        use_database = connection.vendor == "postgresql"
    restated = [item for item in items if item.restated]
    if not restated:
        return
    if use_database:
        for item in restated:
            rows = (
                candidates.filter(kind=item.finding.kind)
                .annotate(score=TrigramSimilarity("text", item.finding.text))
                .filter(score__gt=0)
                .order_by("-score", "pk")
                .values_list("pk", "reference", "kind", "text", "report__title", "score")[:limit]
            )
            item.proposals = [Match(*row[:5], score=float(row[5])) for row in rows]
        return
    rows = list(candidates.values_list("pk", "reference", "kind", "text", "report__title"))
    grams = [trigrams(row[3]) for row in rows]
    for item in restated:
        wanted = trigrams(item.finding.text)
        scored = [
            Match(*row, score=trigram_similarity(wanted, gram))
            for row, gram in zip(rows, grams, strict=True)
            if row[2] == item.finding.kind
        ]
        scored = [m for m in scored if m.score > 0]
        scored.sort(key=lambda m: (-m.score, m.finding_id))
        item.proposals = scored[:limit]


def default_choice(kind: LetterKind, item: Item, tracked: dict[int, Finding]) -> Choice:
    """What the screen proposes for a finding: a closure letter closes what it matches
    (where the workflow allows, else notes it); a revisit letter notes it; anything
    unmatched, and a letter's new findings, are created."""
    match = item.best
    if not item.restated or match is None:
        return Choice.CREATE
    if kind == LetterKind.CLOSURE:
        finding = tracked.get(match.finding_id)
        if finding is not None and is_allowed(finding, Transition.CLOSE):
            return Choice.CLOSE
        return Choice.NOTE
    return Choice.NOTE


# ---------------------------------------------------------------- recording


@dataclass(frozen=True)
class Decision:
    """The person's choice for one finding of the letter (`Item.position`)."""

    position: int
    choice: Choice
    finding: Finding | None = None
    # The finding's version when the person saw it: closing it fails (StaleVersion) if
    # someone has changed it since. None: as it is now.
    seen_version: int | None = None


def _ref(item: Item) -> str:
    return f"{item.finding.reference} (“{_short(item.finding.text)}”)"


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_decisions(
    *,
    reading: LetterReading,
    decisions: Sequence[Decision],
    allowed: Iterable[int],
    assessment: str,
) -> list[str]:
    """Problems with the person's choices, as messages (none when they can be recorded)."""
    items = {item.position: item for item in reading.items}
    allowed = set(allowed)
    problems: list[str] = []
    used: set[tuple[int, Choice]] = set()
    for decision in decisions:
        item = items[decision.position]
        finding = decision.finding
        if decision.choice in (Choice.CLOSE, Choice.NOTE):
            if finding is None:
                problems.append(NEEDS_MATCH.format(ref=_ref(item)))
                continue
            if finding.pk not in allowed:
                problems.append(NOT_THIS_FORCE.format(ref=_ref(item), match=finding.reference))
                continue
            if (finding.pk, decision.choice) in used:
                problems.append(MATCHED_TWICE.format(match=finding.reference))
            used.add((finding.pk, decision.choice))
            if decision.choice == Choice.CLOSE and not is_allowed(finding, Transition.CLOSE):
                reason = str(TransitionRefused(finding, Transition.CLOSE))
                problems.append(
                    CANNOT_CLOSE.format(ref=_ref(item), match=finding.reference, reason=reason)
                )
        elif decision.choice == Choice.CREATE and finding is not None:
            problems.append(CREATE_WITH_MATCH.format(ref=_ref(item), match=finding.reference))
    if any(d.choice == Choice.NOTE for d in decisions) and not assessment.strip():
        problems.append(NEEDS_ASSESSMENT)
    return problems


@transaction.atomic
def letter_record(
    *,
    report: Report,
    reading: LetterReading,
    decisions: Sequence[Decision],
    sent_on: date | None,
    issued_on: date | None,
    reference: str,
    assessment: str,
    by: User,
) -> Letter:
    """Record a letter and everything the person chose for its findings, all or nothing.

    Raises ValidationError (with every problem found) before writing anything, and rolls
    everything back if a step fails part way (a finding changed meanwhile, a reference
    taken at the same moment).
    """
    if not permissions.can_add_finding_to(by, report):
        raise PermissionDenied
    problems: list[str] = []
    if sent_on is None:
        problems.append(NEEDS_DATE)
    elif issued_on is not None and issued_on > sent_on:
        problems.append(ISSUED_AFTER_SENT)
    allowed = tracked_findings(report, by).values_list("pk", flat=True)
    problems += check_decisions(
        reading=reading, decisions=decisions, allowed=allowed, assessment=assessment
    )
    if problems:
        raise ValidationError(problems)
    assert sent_on is not None  # nosec: checked above
    reference = reference.strip()
    letter = Letter.objects.create(
        report=report,
        force=report.force,
        kind=reading.kind,
        sent_on=sent_on,
        issued_on=issued_on,
        reference=reference,
        text=reading.extraction.text,
        assessment=assessment.strip(),
        recorded_by=by,
    )
    items = {item.position: item for item in reading.items}
    scores = {
        (item.position, m.finding_id): m.score for item in reading.items for m in item.proposals
    }
    summary: dict[str, list[str]] = {"closed": [], "noted": [], "created": []}
    for decision in decisions:
        item = items[decision.position]
        finding = decision.finding
        if finding is None or decision.choice not in (Choice.CLOSE, Choice.NOTE):
            continue
        score = scores.get((item.position, finding.pk))
        if decision.choice == Choice.CLOSE:
            finding = _close(finding, decision.seen_version, letter=letter, by=by)
            summary["closed"].append(finding.reference)
        else:
            summary["noted"].append(finding.reference)
        LetterOutcome.objects.create(
            letter=letter,
            finding=finding,
            action=(
                OutcomeAction.CLOSED
                if decision.choice == Choice.CLOSE
                else OutcomeAction.REVISIT_NOTE
            ),
            restated_text=item.finding.text,
            note=letter.assessment if decision.choice == Choice.NOTE else "",
            score=score,
        )
    created = _create(report, reading, decisions, letter=letter, by=by)
    for item, finding in created:
        summary["created"].append(finding.reference)
        LetterOutcome.objects.create(
            letter=letter,
            finding=finding,
            action=OutcomeAction.CREATED,
            restated_text=item.finding.text if item.restated else "",
        )
    audit.record(
        audit.Event.LETTER_RECORDED,
        user=by,
        obj=letter,
        detail={
            "kind": letter.kind,
            "sent_on": sent_on.isoformat(),
            "reference": reference,
            "report": report.pk,
            **summary,
        },
    )
    return letter


def _close(finding: Finding, seen_version: int | None, *, letter: Letter, by: User) -> Finding:
    try:
        return services.finding_close(
            finding=finding,
            expected_version=finding.version if seen_version is None else seen_version,
            closed_by=by,
            closed_on=letter.sent_on,
            basis=ClosureBasis.LETTER,
            reference=letter.reference or f"letter of {letter.sent_on:%-d %B %Y}",
        )
    except TransitionRefused as exc:
        raise ValidationError(str(exc)) from exc


def _create(
    report: Report,
    reading: LetterReading,
    decisions: Sequence[Decision],
    *,
    letter: Letter,
    by: User,
) -> list[tuple[Item, Finding]]:
    """Create the findings chosen to be created, through the review screen's writer, with
    their cause of concern where it is created too or already matched in this report."""
    chosen = {d.position for d in decisions if d.choice == Choice.CREATE}
    if not chosen:
        return []
    items = {item.position: item for item in reading.items}
    matched = {d.position: d.finding for d in decisions if d.finding is not None}
    taken = {r.casefold() for r in report.findings.values_list("reference", flat=True)}
    references: dict[int, str] = {}
    candidates: list[Candidate] = []
    order: list[Item] = []
    for position in sorted(chosen):
        item = items[position]
        reference = _free_reference(item.finding.reference, taken, letter.sent_on)
        taken.add(reference.casefold())
        references[position] = reference
        parent_reference, parent_pk = "", None
        parent = item.finding.parent
        if item.finding.kind == FindingKind.RECOMMENDATION and parent is not None:
            if parent in chosen:
                parent_reference = references.get(parent, "")
            elif (existing := matched.get(parent)) is not None and existing.report_id == report.pk:
                parent_pk = existing.pk
        candidates.append(
            Candidate(
                reference=reference,
                kind=item.finding.kind,
                text=item.finding.text.strip('“”"').strip(),
                timeframe=item.finding.timeframe or "",
                due_on=item.due_on if item.finding.kind != FindingKind.CAUSE_OF_CONCERN else None,
                addressee=item.finding.addressee or "",
                parent_reference=parent_reference,
                parent_pk=parent_pk,
                line=len(candidates) + 1,
            )
        )
        order.append(item)
    try:
        created = imports.draft_save(report=report, candidates=candidates, by=by)
    except imports.ImportRejected as exc:
        raise ValidationError(
            NOT_CREATED.format(problems=" ".join(e.message for e in exc.errors))
        ) from exc
    return list(zip(order, created, strict=True))


def _free_reference(reference: str, taken: set[str], sent_on: date) -> str:
    """The letter's reference for a new finding, or, if the report already uses it, the
    same marked as from this letter ("R1 (letter 2025-04-22)")."""
    if reference.casefold() not in taken:
        return reference
    base = f"{reference} (letter {sent_on.isoformat()})"[:30]
    candidate, n = base, 2
    while candidate.casefold() in taken:
        candidate = f"{base[:26]} #{n}"
        n += 1
    return candidate
