"""A time budget for reading and extracting one report, ending in a clear error.

The form runs `extract_file` or `extract` with `time_limit=`; the loops of the readers
and of the walk call `check_budget()` as they go. A budget is per context (contextvars),
so two requests in one process each have their own, and code run outside one (the
command, the benchmarks) is never cut short.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from intake.extraction.errors import ExtractionError

TOO_SLOW = (
    "Reading this report took longer than the {seconds:g} seconds allowed, so it was "
    "stopped. Paste or upload only the sections with its findings."
)

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("extraction_deadline", default=None)


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Within the block, `check_budget()` raises once `seconds` have passed. None: no budget.
    An inner budget never extends an outer one."""
    if seconds is None:
        yield
        return
    ends = time.monotonic() + seconds
    outer = _deadline.get()
    if outer is not None and outer[0] < ends:
        ends, seconds = outer
    token = _deadline.set((ends, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def check_budget() -> None:
    """Raise ExtractionError (code "too_slow") if the current budget is spent."""
    current = _deadline.get()
    if current is not None and time.monotonic() > current[0]:
        raise ExtractionError(TOO_SLOW.format(seconds=current[1]), code="too_slow")
