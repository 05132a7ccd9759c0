"""Benchmark: extraction time for a ~100-page report (~300,000 characters).

Needs no Django and no database:

    .venv/bin/python bench/extraction.py [--runs 7] [--chars 300000] [--pdf]

The report is built from the labelled corpus (tests/extraction/corpus): each document is
repeated with its force names, dates and numbers varied, separated by filler narrative
that contains the usual traps ("should" in prose, dates that are not deadlines). The
script prints the median of several runs of `extract()` on pasted text, and with --pdf
also the time to read the same text from a generated PDF. It ends with the corpus
precision/recall table quoted in docs/extraction.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.extraction import extract, read_document  # noqa: E402
from intake.extraction.evaluation import (  # noqa: E402
    evaluate,
    format_table,
    load_corpus,
)

CORPUS = ROOT / "tests" / "extraction" / "corpus"
TARGET_SECONDS = 2.0

FILLER = [
    "We found that the force has made some progress since our last inspection, but it "
    "should have acted sooner on the concerns raised by its own staff. Supervisors told us "
    "that they did not always have time to review investigations.",
    "Between {day} March and {day2} April {year} we interviewed officers and staff, held "
    "focus groups and reviewed {n} case files. Good practice should be shared across "
    "districts, and leaders said they wanted to do this.",
    "The force’s control room answered {n} percent of emergency calls within ten seconds. "
    "Victims should be contacted within 24 hours, and in most cases they were.",
    "In {year} we said that the force should improve its use of data. It has since "
    "introduced a new performance framework, which we will examine at our next inspection.",
]
FORCES = ["Northshire Police", "Westmarch Constabulary", "Fenmoor Constabulary", "Kingsmere Police"]


def build_report(target_chars: int, seed: int = 7) -> list[str]:
    """A long report, as its pieces: varied corpus documents and filler narrative."""
    rng = random.Random(seed)
    documents = [doc.text for doc in load_corpus(CORPUS)]
    parts: list[str] = []
    size = 0
    while size < target_chars:
        text = rng.choice(documents)
        for name in FORCES:
            text = text.replace(name, rng.choice(FORCES))
        filler = "\n\n".join(
            rng.choice(FILLER).format(
                day=rng.randint(1, 14),
                day2=rng.randint(15, 28),
                year=rng.randint(2015, 2025),
                n=rng.randint(10, 99),
            )
            for _ in range(rng.randint(3, 8))
        )
        chunk = f"{text}\n\n{filler}\n\n"
        parts.append(chunk)
        size += len(chunk)
    return parts


def median_seconds(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chars", type=int, default=300_000)
    parser.add_argument("--pdf", action="store_true", help="also time reading it from a PDF")
    args = parser.parse_args()

    pieces = build_report(args.chars)
    report = "".join(pieces)
    pages = len(report) / 3000
    result = extract(report)
    # Each piece starts with its own headings, so the whole should find what the pieces do;
    # a difference means context leaked from one document into the next.
    separately = sum(len(extract(piece).findings) for piece in pieces)
    print(f"Report: {len(report):,} characters (~{pages:.0f} pages of 3,000 characters)")
    print(f"Findings extracted: {len(result.findings):,} (pieces separately: {separately:,})")
    extract(report)  # warm-up: compiles the regular expressions
    median, times = median_seconds(lambda: extract(report), args.runs)
    print(
        f"extract(): median {median:.3f} s over {args.runs} runs "
        f"(min {min(times):.3f} s, max {max(times):.3f} s); target ≤ {TARGET_SECONDS:.1f} s"
    )
    if args.pdf:
        from tests.extraction import build_pdf

        data = build_pdf(report, lines_per_page=45)
        median_pdf, _ = median_seconds(lambda: read_document(data, "report.pdf"), 3)
        print(f"read_document() on a {len(data):,}-byte PDF: median {median_pdf:.3f} s over 3 runs")
    print()
    print("Corpus evaluation (tests/extraction/corpus):")
    print(format_table(evaluate(load_corpus(CORPUS))))
    return 0 if median <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
