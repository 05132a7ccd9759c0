"""Scoring the engine against a labelled corpus (tests/extraction/corpus).

Each document is `<name>.txt` plus `<name>.json`:

    {"published": "2025-03-12" | null, "shape": "…",
     "findings": [{"kind", "reference", "timeframe", "due_on", "parent", "contains"}, …]}

A label matches the first not-yet-matched extracted finding whose text contains the
label's `contains` (compared after normalising whitespace, quotes and case). Figures:

- kind precision = extracted findings matched with the right kind / all extracted;
- kind recall = labels matched with the right kind / all labels;
- due-date (and timeframe, reference, parent) accuracy = labels whose match has the
  right value / all labels, so a missed finding also counts as a wrong date.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from intake.extraction.engine import KINDS, Extraction, extract
from intake.extraction.text import normalise


@dataclass(frozen=True)
class CorpusDocument:
    name: str
    text: str
    published_on: date | None
    shape: str
    labels: list[dict]
    restated: list[dict]
    family: str = ""


def load_corpus(directory: str | Path) -> list[CorpusDocument]:
    documents = []
    for label_path in sorted(Path(directory).glob("*.json")):
        data = json.loads(label_path.read_text(encoding="utf-8"))
        published = data.get("published")
        documents.append(
            CorpusDocument(
                name=label_path.stem,
                text=label_path.with_suffix(".txt").read_text(encoding="utf-8"),
                published_on=date.fromisoformat(published) if published else None,
                shape=data.get("shape", ""),
                labels=data["findings"],
                restated=data.get("restated", []),
                family=data.get("family", ""),
            )
        )
    return documents


def match_key(text: str) -> str:
    text = normalise(text)
    for curly, straight in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
        text = text.replace(curly, straight)
    return " ".join(text.replace("•", " ").split()).casefold()


@dataclass
class Scores:
    labelled: int = 0
    extracted: int = 0
    kind_correct: int = 0
    due_correct: int = 0
    timeframe_correct: int = 0
    reference_correct: int = 0
    parent_correct: int = 0
    per_kind: dict[str, Counter[str]] = field(
        default_factory=lambda: {kind: Counter() for kind in KINDS}
    )
    problems: list[str] = field(default_factory=list)

    @staticmethod
    def _ratio(n: int, d: int) -> float:
        return n / d if d else 1.0

    @property
    def precision(self) -> float:
        return self._ratio(self.kind_correct, self.extracted)

    @property
    def recall(self) -> float:
        return self._ratio(self.kind_correct, self.labelled)

    @property
    def due_accuracy(self) -> float:
        return self._ratio(self.due_correct, self.labelled)

    @property
    def timeframe_accuracy(self) -> float:
        return self._ratio(self.timeframe_correct, self.labelled)

    @property
    def reference_accuracy(self) -> float:
        return self._ratio(self.reference_correct, self.labelled)

    @property
    def parent_accuracy(self) -> float:
        return self._ratio(self.parent_correct, self.labelled)

    def kind_precision(self, kind: str) -> float:
        c = self.per_kind[kind]
        return self._ratio(c["tp"], c["tp"] + c["fp"])

    def kind_recall(self, kind: str) -> float:
        c = self.per_kind[kind]
        return self._ratio(c["tp"], c["tp"] + c["fn"])


def score_document(doc: CorpusDocument, result: Extraction, scores: Scores) -> None:
    findings = list(result.findings)
    keys = [match_key(f.text) for f in findings]
    matched: dict[int, int] = {}  # label index -> finding index
    used: set[int] = set()
    for li, label in enumerate(doc.labels):
        wanted = match_key(label["contains"])
        for fi, key in enumerate(keys):
            if fi not in used and wanted in key:
                matched[li] = fi
                used.add(fi)
                break
    scores.labelled += len(doc.labels)
    scores.extracted += len(findings)
    for li, label in enumerate(doc.labels):
        kind = label["kind"]
        fi = matched.get(li)
        if fi is not None and "restated" in label and findings[fi].restated != label["restated"]:
            # A restated finding taken as new (or the reverse) would be recorded twice.
            scores.per_kind[kind]["fn"] += 1
            scores.problems.append(
                f"{doc.name}: {label['contains']!r} restated={findings[fi].restated}, "
                f"expected {label['restated']}"
            )
            matched.pop(li)
            continue
        if fi is None or findings[fi].kind != kind:
            scores.per_kind[kind]["fn"] += 1
            got = "nothing" if fi is None else findings[fi].kind
            scores.problems.append(f"{doc.name}: missed {kind} “{label['contains']}” (got {got})")
            continue
        found = findings[fi]
        scores.kind_correct += 1
        scores.per_kind[kind]["tp"] += 1
        expected_due = date.fromisoformat(label["due_on"]) if label.get("due_on") else None
        if found.due_on == expected_due:
            scores.due_correct += 1
        else:
            scores.problems.append(
                f"{doc.name}: {label['contains']!r} due {found.due_on}, expected {expected_due}"
            )
        if (found.timeframe or None) == label.get("timeframe"):
            scores.timeframe_correct += 1
        else:
            scores.problems.append(
                f"{doc.name}: {label['contains']!r} timeframe {found.timeframe!r}, "
                f"expected {label.get('timeframe')!r}"
            )
        if found.reference == label.get("reference"):
            scores.reference_correct += 1
        else:
            scores.problems.append(
                f"{doc.name}: {label['contains']!r} reference {found.reference}, "
                f"expected {label.get('reference')}"
            )
        parent = label.get("parent")
        expected_parent = matched.get(parent) if parent is not None else None
        if found.parent == expected_parent and (parent is None or expected_parent is not None):
            scores.parent_correct += 1
        else:
            scores.problems.append(
                f"{doc.name}: {label['contains']!r} parent {found.parent}, expected {parent}"
            )
    for fi, found in enumerate(findings):
        if fi not in used or all(
            not (matched.get(li) == fi and doc.labels[li]["kind"] == found.kind)
            for li in range(len(doc.labels))
        ):
            scores.per_kind[found.kind]["fp"] += 1
            if fi not in used:
                scores.problems.append(f"{doc.name}: extra {found.kind} “{found.text[:80]}”")


def evaluate(
    documents: list[CorpusDocument],
    run: Callable[[CorpusDocument], Extraction] | None = None,
) -> Scores:
    """Score every document; `run` defaults to extracting the document's text."""
    scores = Scores()
    for doc in documents:
        result = run(doc) if run else extract(doc.text, published_on=doc.published_on)
        score_document(doc, result, scores)
    return scores


def with_restated(doc: CorpusDocument) -> CorpusDocument:
    """The document as `include_restated=True` should read it: its new findings (not
    restated), then its restated ones (restated), parents renumbered to match."""
    offset = len(doc.labels)
    labels = [{**label, "restated": False} for label in doc.labels]
    for label in doc.restated:
        parent = label.get("parent")
        labels.append(
            {
                "reference": None,
                "timeframe": None,
                "due_on": None,
                **label,
                "parent": None if parent is None else parent + offset,
                "restated": True,
            }
        )
    return replace(doc, labels=labels, restated=[])


def evaluate_by_family(documents: list[CorpusDocument]) -> dict[str, Scores]:
    """Scores per document family, each document read with `include_restated=True` and
    scored against its new and restated findings together (see `with_restated`)."""
    out: dict[str, Scores] = {}
    for doc in documents:
        full = with_restated(doc)
        scores = out.setdefault(doc.family or doc.shape, Scores())
        result = extract(full.text, published_on=full.published_on, include_restated=True)
        score_document(full, result, scores)
    return dict(sorted(out.items()))


def format_family_table(families: dict[str, Scores]) -> str:
    lines = [
        "| Family | Labelled | Extracted | Precision | Recall | Due-date accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for family, s in families.items():
        lines.append(
            f"| {family} | {s.labelled} | {s.extracted} | {s.precision:.3f} | {s.recall:.3f} "
            f"| {s.due_accuracy:.3f} |"
        )
    return "\n".join(lines)


def format_table(scores: Scores) -> str:
    rows = [
        ("Findings labelled", f"{scores.labelled}"),
        ("Findings extracted", f"{scores.extracted}"),
        ("Kind precision", f"{scores.precision:.3f}"),
        ("Kind recall", f"{scores.recall:.3f}"),
        ("Due-date accuracy", f"{scores.due_accuracy:.3f}"),
        ("Timeframe-phrase accuracy", f"{scores.timeframe_accuracy:.3f}"),
        ("Reference accuracy", f"{scores.reference_accuracy:.3f}"),
        ("Parent accuracy", f"{scores.parent_accuracy:.3f}"),
    ]
    for kind in KINDS:
        rows.append(
            (
                f"{kind}: precision / recall",
                f"{scores.kind_precision(kind):.3f} / {scores.kind_recall(kind):.3f}",
            )
        )
    width = max(len(name) for name, _ in rows)
    lines = [f"| {'Measure'.ljust(width)} | Value |", f"|{'-' * (width + 2)}|-------|"]
    lines += [f"| {name.ljust(width)} | {value} |" for name, value in rows]
    return "\n".join(lines)
