"""Building spreadsheet files for the import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from intake.spreadsheets import COLUMN_NAMES


def csv_bytes(rows: Iterable[Sequence[object]], *, header=COLUMN_NAMES, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: Iterable[Sequence[object]], *, header=COLUMN_NAMES) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row(reference: str, kind: str = "recommendation", text: str | None = None, **cells) -> list:
    """One row in COLUMN_NAMES order."""
    values = {
        "reference": reference,
        "kind": kind,
        "text": text or f"The force should {reference}.",
    }
    values |= cells
    return [values.get(name, "") for name in COLUMN_NAMES]


def many_rows(count: int, *, themes: str = "") -> list[list]:
    """A cause of concern every 10 rows, with the recommendations after it under it."""
    rows = []
    for n in range(1, count + 1):
        if n % 10 == 1:
            rows.append(row(f"CoC{n}", "cause_of_concern", f"Concern number {n} is serious."))
        else:
            cause = f"CoC{n - (n - 1) % 10}"
            rows.append(
                row(
                    f"R{n}",
                    text=f"Within six months, the force should improve process number {n}.",
                    parent_reference=cause,
                    timeframe="Within six months",
                    due_on="30/06/2026",
                    themes=themes,
                )
            )
    return rows
