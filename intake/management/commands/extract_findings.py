"""`manage.py extract_findings FILE [--published YYYY-MM-DD] [--json] [--include-restated]`

The JSON shape is a stable interface other tools rely on: an array whose elements have
exactly the keys kind, reference, text, timeframe, due_on and parent. With
`--include-restated`, findings that a revisit or closure letter restates are listed too,
each with the key `"restated": true` added (the review screen proposes to match these to
tracked findings rather than create them); no other element gains a key.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.extraction import Extraction, ExtractionError, extract_file

JSON_KEYS = ("kind", "reference", "text", "timeframe", "due_on", "parent")


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--published must be a date as YYYY-MM-DD, not “{value}”.") from exc


def findings_as_json(result: Extraction) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for f in result.findings:
        item: dict[str, object] = {
            "kind": f.kind,
            "reference": f.reference,
            "text": f.text,
            "timeframe": f.timeframe,
            "due_on": f.due_on.isoformat() if f.due_on else None,
            "parent": f.parent,
        }
        if f.restated:
            item["restated"] = True
        out.append(item)
    return out


class Command(BaseCommand):
    help = (
        "Extract causes of concern, recommendations and areas for improvement from an "
        "HMICFRS report (.txt, .pdf, .docx or .html)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The report: a .txt, .pdf, .docx or .html file.")
        parser.add_argument(
            "--published",
            type=str,
            metavar="YYYY-MM-DD",
            help="Publication date, for relative timeframes. Default: a “Published on” line "
            "in the text, if any.",
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON array.")
        parser.add_argument(
            "--include-restated",
            action="store_true",
            help="Also list findings that revisit or closure letters restate from earlier "
            "reports (left out by default).",
        )

    def handle(self, *args: object, **options: object) -> None:
        published = _iso_date(str(options["published"])) if options["published"] else None
        path = Path(str(options["file"]))
        if not path.is_file():
            raise CommandError(f"“{path}” does not exist or is not a file.")
        try:
            result = extract_file(
                path,
                published_on=published,
                include_restated=bool(options["include_restated"]),
            )
        except ExtractionError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(findings_as_json(result), ensure_ascii=False, indent=2))
            return
        self._print_table(result)

    def _print_table(self, result: Extraction) -> None:
        if result.published_on:
            source = " (read from the text)" if result.published_on_source == "text" else ""
            self.stdout.write(f"Published: {result.published_on.isoformat()}{source}")
        if not result.findings:
            self.stdout.write("No findings found.")
        header = f"{'#':>3}  {'Kind':<22} {'Ref':<6} {'Due':<10}  {'Parent':>6}  Text"
        if result.findings:
            self.stdout.write(header)
            self.stdout.write("-" * len(header))
        for i, f in enumerate(result.findings):
            text = " ".join(f.text.split())
            if len(text) > 70:
                text = text[:69] + "…"
            parent = "" if f.parent is None else str(f.parent)
            due = f.due_on.isoformat() if f.due_on else "—"
            self.stdout.write(
                f"{i:>3}  {f.kind:<22} {f.reference:<6} {due:<10}  {parent:>6}  {text}"
            )
            if f.timeframe:
                self.stdout.write(
                    f"{'':>3}  {'':<22} {'':<6} {'':<10}  {'':>6}  Timeframe: {f.timeframe}"
                )
        for warning in result.warnings:
            self.stderr.write(f"Note: {warning}")
