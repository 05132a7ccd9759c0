"""The all-forces dashboard's counts, kept per force, so a change recounts one force.

Counting 50,000 findings across every force takes about 100 ms of SQL on the
project's 2-core machine (docs/performance.md), and any write would otherwise
make the next look at the all-forces dashboard pay it again. The counts are
grouped rows that add up (each finding belongs to one force), so they are kept
here per force, with the total beside them. A look at the dashboard reads each
force's findings version (`freshness.py`) and recounts, in one
query, only the forces whose version moved on, subtracting their old rows from
the total and adding the new. A bulk write or a cascading delete moves the
findings epoch on, and then every force is recounted.

The tallies live in this process's memory (rows kept as Python objects: the
local-memory cache would pickle thousands of them on every look). Like the
dashboard's cache they last at most OVERSIGHT_DASHBOARD_CACHE_SECONDS, which
bounds how old they can be in a process that did not see a write made in
another (the versions live in the configured cache: per process by default,
shared if that cache is).
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings

from dashboards import freshness
from dashboards.counts import COUNTS, FORCE

if TYPE_CHECKING:
    from dashboards.scope import Scope

KEPT = 4  # scopes (filters, day) kept per process: about 6 MB each at 50,000 findings

Counts = dict[tuple, list[int]]  # grouping → [n, n_open, n_overdue]


@dataclass
class Tally:
    """Grouped rows of one scope: per force, and added up."""

    epoch: int
    versions: dict[int | None, int]
    kept_until: float
    per_force: dict[int | None, Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=dict)

    def replace(self, force_id: int | None, counts: Counts) -> None:
        """Take one force's old rows out of the total and put its new ones in."""
        total = self.total
        for key, (n, n_open, n_overdue) in self.per_force.pop(force_id, {}).items():
            kept = total[key]
            kept[0] -= n
            kept[1] -= n_open
            kept[2] -= n_overdue
            if not (kept[0] or kept[1] or kept[2]):
                del total[key]
        for key, values in counts.items():
            kept = total.get(key)
            if kept is None:
                total[key] = values.copy()
            else:
                kept[0] += values[0]
                kept[1] += values[1]
                kept[2] += values[2]
        if counts:
            self.per_force[force_id] = counts

    def rows(self) -> list[tuple]:
        return [(*key, None, *values) for key, values in self.total.items()]


_tallies: OrderedDict[str, Tally] = OrderedDict()
_locks: dict[str, threading.Lock] = {}  # one per scope kept
_lock = threading.Lock()  # guards the two dicts above


def kept_per_force(scope: Scope) -> bool:
    """Kept for dashboards across every force, the costly ones, whatever the other filters."""
    return (
        settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS > 0
        and scope.user.force_id is None
        and not scope.filters.get("force")
    )


def all_forces_rows(scope: Scope, count: Callable[..., list[tuple]]) -> list[tuple]:
    """`count(scope)`'s rows, recounting only the forces changed since the last look.

    `count(scope, forces=[…])` must return rows whose grouping ends with the force.
    """
    key = json.dumps(["all-forces", scope.today, scope.params()], default=str, sort_keys=True)
    # None: findings of no force (national work tracked by no one force) count too.
    forces: list[int | None] = [*scope.names.forces, None]
    # One recount per scope at a time (another thread would only repeat it); other
    # scopes are not held up.
    with _lock_for(key):
        epoch, versions = freshness.findings_versions(forces)
        with _lock:
            tally = _tallies.get(key)
        if tally is None or tally.epoch != epoch or tally.kept_until < time.monotonic():
            tally = Tally(
                epoch, {}, kept_until=time.monotonic() + settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS
            )
            changed = set(forces)
        else:
            changed = {f for f in forces if versions[f] != tally.versions.get(f)}
            changed |= set(tally.per_force) - set(forces)  # forces no longer in view
        if changed:
            recounted = _by_force(count(scope, forces=list(changed)))
            for force_id in changed:
                tally.replace(force_id, recounted.get(force_id, {}))
            tally.versions = versions
        with _lock:
            _tallies[key] = tally
            _tallies.move_to_end(key)
            while len(_tallies) > KEPT:
                dropped, _ = _tallies.popitem(last=False)
                _locks.pop(dropped, None)
        return tally.rows()


def _lock_for(key: str) -> threading.Lock:
    with _lock:
        return _locks.setdefault(key, threading.Lock())


def _by_force(rows: list[tuple]) -> dict[int | None, Counts]:
    per_force: dict[int | None, Counts] = defaultdict(dict)
    for row in rows:
        n, n_open, n_overdue = row[COUNTS]  # the last two are NULL in status rows
        per_force[row[FORCE]][row[:FORCE]] = [n, n_open or 0, n_overdue or 0]
    return per_force


def forget_all() -> None:
    """Drop every tally (tests; a process that must not trust what it kept)."""
    with _lock:
        _tallies.clear()
        _locks.clear()
