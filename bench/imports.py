"""Benchmark of the spreadsheet import (issue 6, "Bringing a report in").

    .venv/bin/python bench/imports.py [--scale 50000] [--rows 5000] [--runs 3]

Uses PostgreSQL from BENCH_DATABASE_URL (default: the local `oversight_bench` database
that the other benchmarks seed with `seed_demo --scale`). Imports a CSV of `--rows`
findings (a cause of concern every ten rows with its recommendations under it, each with
an owner, an OPCC lead and two themes) into a report of its own, and prints:
- the baseline: decoding the same file and reading it with csv.DictReader;
- reading and checking the file (what the preview does);
- the whole import (read, check, write with history), its queries, and its ratio to the
  baseline; then the same rows as an .xlsx file.
Each import goes into a fresh report, which is deleted afterwards with its findings and
their history.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, timed

TITLE = "Benchmark import report"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--show-queries", action="store_true", help="print each import's SQL")
    args = parser.parse_args()
    setup_django(args.scale)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from intake import imports, spreadsheets
    from recommendations.models import Finding, Role, Theme, User
    from tests.intake.spreadsheets import csv_bytes, many_rows, xlsx_bytes

    _clean_up()
    owner = User.objects.filter(groups__name=Role.FORCE_LEAD.value, force__isnull=True).first()
    owner = owner or User.objects.filter(groups__name=Role.OPCC_STAFF.value).first()
    lead = User.objects.filter(groups__name=Role.OPCC_STAFF.value).first()
    themes = [
        Theme.objects.get_or_create(name=name, defaults={"slug": slug})[0]
        for name, slug in (("Bench theme A", "bench-theme-a"), ("Bench theme B", "bench-theme-b"))
    ]
    rows = many_rows(args.rows, themes="; ".join(t.name for t in themes))
    for cells in rows:
        cells[7], cells[8] = owner.username, lead.username  # owner_username, opcc_lead_username
    data = csv_bytes(rows)
    print(
        f"\nFindings already in the database: {Finding.objects.count():,}. "
        f"File: {args.rows:,} rows, {len(data) / 1024 / 1024:.2f} MB as CSV."
    )

    def dict_reader() -> int:
        return sum(1 for _ in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))

    baseline = statistics.median(timed(dict_reader, runs=50, warmup=5))
    print(f"Baseline, csv.DictReader over the decoded file: {baseline * 1000:.1f} ms")

    report = _report()
    published = report.published_on
    reading = statistics.median(
        timed(
            lambda: spreadsheets.read_spreadsheet(data, "bench.csv", published_on=published), runs=5
        )
    )
    sheet = spreadsheets.read_spreadsheet(data, "bench.csv", published_on=published)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        plan = imports.check(report, sheet.candidates)
        checking = time.perf_counter() - started
    assert not plan.errors, plan.errors[:5]
    print(
        f"Preview: read {reading * 1000:.0f} ms + check {checking * 1000:.0f} ms "
        f"({len(queries)} queries)"
    )

    for label, content, name in (
        ("CSV", data, "bench.csv"),
        ("XLSX", xlsx_bytes(rows), "bench.xlsx"),
    ):
        samples, counts = [], []
        for _ in range(args.runs):
            report = _report()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                sheet = spreadsheets.read_spreadsheet(content, name, published_on=published)
                created = imports.findings_import(report=report, sheet=sheet, by=lead)
                samples.append(time.perf_counter() - started)
            counts.append(len(queries))
            if args.show_queries and len(samples) == 1:
                print("\n".join(f"  {q['sql'][:100]}" for q in queries.captured_queries))
            assert len(created) == args.rows
            _clean_up()
        median = statistics.median(samples)
        print(
            f"Import {args.rows:,} rows from {label}: median {median:.2f} s "
            f"(min {min(samples):.2f}, max {max(samples):.2f}; {args.runs} runs), "
            f"{counts[0]} queries{'' if len(set(counts)) == 1 else f' (varied: {counts})'}, "
            f"{median / baseline:.0f}x the DictReader baseline"
        )
    for theme in themes:
        theme.delete()


def _report():
    from datetime import date

    from recommendations.models import Report, ReportKind

    return Report.objects.create(
        kind=ReportKind.THEMATIC, title=TITLE, force=None, published_on=date(2025, 3, 4)
    )


def _clean_up() -> None:
    """Delete the benchmark's reports, their findings and all their history.

    In SQL, so that deleting thousands of rows sends no signals (no history "deleted"
    records, no audit events) and takes one statement per table.
    """
    from django.db import connection, transaction

    from recommendations.models import Finding, Report

    finding_history = Finding.history.model
    tables = {
        "themes": Finding.themes.through._meta.db_table,
        "theme_history": finding_history.themes.model._meta.db_table,
        "history": finding_history._meta.db_table,
        "findings": Finding._meta.db_table,
        "report_history": Report.history.model._meta.db_table,
        "reports": Report._meta.db_table,
    }
    reports = f"SELECT id FROM {tables['reports']} WHERE title = %s"
    findings = f"SELECT id FROM {tables['findings']} WHERE report_id IN ({reports})"
    with transaction.atomic(), connection.cursor() as cursor:
        for table, ids in (
            (tables["themes"], f"finding_id IN ({findings})"),
            (tables["theme_history"], f"finding_id IN ({findings})"),
            (tables["history"], f"id IN ({findings})"),
            (tables["findings"], f"id IN ({findings})"),
            (tables["report_history"], f"id IN ({reports})"),
            (tables["reports"], f"id IN ({reports})"),
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {ids}", [TITLE])


if __name__ == "__main__":
    main()
