"""Extraction of HMICFRS findings from report text and uploaded files.

Pure Python: no Django, no network. See docs/extraction.md.

    from intake.extraction import extract, extract_file, ExtractionError

    result = extract(pasted_text, published_on=date(2025, 3, 12))
    for finding in result.findings:
        ...
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from intake.extraction.budget import time_budget
from intake.extraction.engine import (
    AREA_FOR_IMPROVEMENT,
    CAUSE_OF_CONCERN,
    KINDS,
    RECOMMENDATION,
    Extraction,
    Finding,
    extract,
    find_publication_date,
)
from intake.extraction.errors import ExtractionError
from intake.extraction.readers import SUPPORTED_EXTENSIONS, read_document, read_path
from intake.extraction.text import normalise
from intake.extraction.timeframes import Timeframe, parse_timeframe

__all__ = [
    "AREA_FOR_IMPROVEMENT",
    "CAUSE_OF_CONCERN",
    "KINDS",
    "RECOMMENDATION",
    "SUPPORTED_EXTENSIONS",
    "Extraction",
    "ExtractionError",
    "Finding",
    "Timeframe",
    "extract",
    "extract_file",
    "find_publication_date",
    "normalise",
    "parse_timeframe",
    "read_document",
    "read_path",
]


def extract_file(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    published_on: date | None = None,
    include_restated: bool = False,
    time_limit: float | None = None,
) -> Extraction:
    """Extract findings from a file on disk, or from uploaded bytes plus their filename.

    Raises ExtractionError (with a message for the uploader) for input it cannot read,
    and, with `time_limit` (seconds), for reading and extracting that take longer.
    """
    with time_budget(time_limit):
        if isinstance(source, bytes):
            if not filename:
                raise ExtractionError(
                    "The file has no name, so its type is unknown.", code="unsupported"
                )
            text = read_document(source, filename)
        else:
            text = read_path(source)
        return extract(text, published_on=published_on, include_restated=include_restated)
