"""When will the open recommendations close at the recent rate, and which will miss their deadline?

Pure arithmetic on counts, no database: `figures.py` supplies the counts.

The projection, precisely:

- **Rate.** `finished` is the number of recommendations finished (closed by
  HMICFRS, superseded or no further action; see `recommendations.rules` for the date) in
  the `weeks` weeks ending today, i.e. on one of the `7 × weeks` days up to and
  including today. The weekly rate is `finished / weeks`.
- **Queue.** The open recommendations (not started, in progress, reported
  complete, assured) are taken in order of due date, earliest first, those
  without a due date last; recommendations due on the same day are taken in
  the order they were recorded (by id). The k-th in that order (k = 1, 2, …)
  has rank k.
- **Projected close.** Rank k closes `ceil(7 × weeks × k / finished)` days after
  today, i.e. at today + k / rate weeks, rounded up to a whole day. The last
  one's date is when the whole queue is projected to close.
- **At risk.** A recommendation is at risk when its projected close date is
  after its due date. Closing *on* the due date is not at risk; one already
  overdue always is. A recommendation without a due date is never at risk.
- **No rate.** When nothing was finished in the window there is no projection,
  and every open recommendation that has a due date is at risk.

This is a straight-line model: it assumes the force keeps its recent pace and
works in deadline order. It says "at this rate, these will be late", not when
any particular one will close.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

FORECAST_WEEKS = 12


@dataclass(frozen=True)
class DueGroup:
    """Open recommendations sharing one due date (None: no due date), in queue order."""

    due_on: date | None
    size: int


@dataclass(frozen=True)
class GroupProjection:
    due_on: date | None
    size: int
    first_rank: int
    # The last `at_risk` of the group (by id) are the ones at risk: later ranks close later.
    at_risk: int


@dataclass(frozen=True)
class Forecast:
    today: date
    weeks: int
    finished: int
    groups: tuple[GroupProjection, ...]

    @property
    def has_projection(self) -> bool:
        return self.finished > 0

    @property
    def weekly_rate(self) -> float:
        return self.finished / self.weeks

    # Cached: the page reads each several times, and a national body's queue has
    # a group for every day of the year.
    @cached_property
    def open_count(self) -> int:
        return sum(group.size for group in self.groups)

    @cached_property
    def at_risk(self) -> int:
        return sum(group.at_risk for group in self.groups)

    @property
    def completion_on(self) -> date | None:
        """When the last open recommendation is projected to close."""
        return projected_close(
            self.open_count, today=self.today, finished=self.finished, weeks=self.weeks
        )

    @property
    def window_start(self) -> date:
        """The first day counted in the rate's window."""
        return self.today - timedelta(days=7 * self.weeks - 1)


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def projected_close(rank: int, *, today: date, finished: int, weeks: int) -> date | None:
    """The projected close date of the recommendation of this rank; None with no rate."""
    if finished <= 0 or rank <= 0:
        return None
    return today + timedelta(days=_ceil_div(7 * weeks * rank, finished))


def at_risk_in_group(
    due_on: date | None, *, first_rank: int, size: int, today: date, finished: int, weeks: int
) -> int:
    """How many of ranks first_rank … first_rank + size − 1, all due on `due_on`, are at risk.

    Rank k is at risk when ceil(7wk / f) > D, with D = due_on − today in days.
    For whole D that is 7wk / f > D, i.e. k > f·D / 7w, i.e. k ≥ ⌊f·D / 7w⌋ + 1:
    integer arithmetic, so no rounding error decides a borderline case.
    """
    if due_on is None or size <= 0:
        return 0
    if finished <= 0:
        return size
    days_left = (due_on - today).days
    threshold = (finished * days_left) // (7 * weeks) + 1
    last_rank = first_rank + size - 1
    return max(0, last_rank - max(first_rank, threshold) + 1)


def forecast(
    groups: Iterable[DueGroup], *, today: date, finished: int, weeks: int = FORECAST_WEEKS
) -> Forecast:
    """Project the queue. `groups` must be in queue order (due date, None last)."""
    projections = []
    rank = 1
    for group in groups:
        if group.size <= 0:
            continue
        last = rank + group.size - 1
        projections.append(
            GroupProjection(
                due_on=group.due_on,
                size=group.size,
                first_rank=rank,
                at_risk=at_risk_in_group(
                    group.due_on,
                    first_rank=rank,
                    size=group.size,
                    today=today,
                    finished=finished,
                    weeks=weeks,
                ),
            )
        )
        rank = last + 1
    return Forecast(today=today, weeks=weeks, finished=finished, groups=tuple(projections))
