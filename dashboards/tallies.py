"""The all-forces dashboard's counts, kept per force, so a change recounts one force.

Counting 50,000 findings across every force takes about 100 ms of SQL on the
project's 2-core machine (docs/performance.md), and any write would otherwise
make the next look at the all-forces dashboard pay it again. The counts are
grouped rows that add up (each finding belongs to one force), so they are kept
per force, with the total beside them. A look at the dashboard reads each
force's findings version (`freshness.py`) and recounts, in one query, only the
forces whose version moved on, subtracting their old rows from the total and
adding the new. A bulk write or a cascading delete moves the findings epoch on,
and then every force is recounted.

Two levels:

- **In this process** (`Tally`): the rows as Python objects with their running
  total, so a look with nothing changed costs no decoding at all.
- **In the shared cache** (Redis, when REDIS_URL is set): each force's rows under
  (scope and day, findings epoch, force, that force's findings version). A force
  whose version moved on is read from there if another process (or the warm-up
  task, `dashboards/services.py`) already counted it, and counted in SQL only if
  no one has: once for every process and host. The key names the version the
  rows were counted under, so an entry can never be read for a newer version.

With a shared cache the versions are shared too, so a process hears of every
write and its tally needs no time bound. With the embedded default (a per-process
local-memory cache) nothing is shared: the tally lasts at most
OVERSIGHT_DASHBOARD_CACHE_SECONDS, which bounds how old it can be in a process
that did not see a write made in another, as before.

A Redis that is down reads as empty (`oversight/cache.py`): every look then finds
new versions and counts every force, slower but right, and never an error.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache

from dashboards import counts, freshness
from dashboards.counts import COUNTS, FORCE

if TYPE_CHECKING:
    from dashboards.scope import Scope

KEPT = 4  # scopes (filters, day) kept per process: about 6 MB each at 50,000 findings
# A scope's key holds its day, so yesterday's entries are never read again; they go
# after a day and a bit (or sooner, if Redis must evict).
SHARED_SECONDS = 26 * 3600
SHARED_KEY = "oversight:tally:{scope}:{epoch}:{force}:{version}"

Counts = dict[tuple, list[int]]  # grouping → [n, n_open, n_overdue]


@dataclass
class Tally:
    """Grouped rows of one scope: per force, and added up."""

    epoch: int
    versions: dict[int | None, int]
    kept_until: float
    per_force: dict[int | None, Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=dict)
    _rows: list[tuple] | None = None

    def replace(self, force_id: int | None, counts: Counts) -> None:
        """Take one force's old rows out of the total and put its new ones in."""
        self._rows = None
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
        # Built again only after a change: a few thousand tuples, a few ms a look.
        if self._rows is None:
            self._rows = [(*key, None, *values) for key, values in self.total.items()]
        return self._rows


@dataclass
class Look:
    """What the last look in this thread did: forces read from the shared cache and
    forces counted in SQL (benchmarks and tests read it; nothing else does)."""

    read: set[int | None] = field(default_factory=set)
    counted: set[int | None] = field(default_factory=set)


_tallies: OrderedDict[str, Tally] = OrderedDict()
_locks: dict[str, threading.Lock] = {}  # one per scope kept
_lock = threading.Lock()  # guards the two dicts above
_last = threading.local()


def kept_per_force(scope: Scope) -> bool:
    """Kept for dashboards across every force, the costly ones, whatever the other filters."""
    return (
        settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS > 0
        and scope.user.force_id is None
        and not scope.filters.get("force")
    )


def shared() -> bool:
    """Whether the cache is shared between processes (anything but local memory)."""
    return not isinstance(caches["default"], LocMemCache)


def last_look() -> Look:
    return getattr(_last, "look", Look())


def all_forces_rows(scope: Scope, count: Callable[..., list[tuple]]) -> list[tuple]:
    """`count(scope)`'s rows, recounting only the forces changed since the last look.

    `count(scope, forces=[…])` must return rows whose grouping ends with the force.
    The list returned is shared with later looks: read it, never change it.
    """
    key = json.dumps(["all-forces", scope.today, scope.params()], default=str, sort_keys=True)
    # None: findings of no force (national work tracked by no one force) count too.
    forces: list[int | None] = [*scope.names.forces, None]
    is_shared = shared()
    look = _last.look = Look()
    # One recount per scope at a time (another thread would only repeat it); other
    # scopes are not held up.
    with _lock_for(key):
        epoch, versions = freshness.findings_versions(forces)
        with _lock:
            tally = _tallies.get(key)
        if (
            tally is None
            or tally.epoch != epoch
            or (not is_shared and tally.kept_until < time.monotonic())
        ):
            kept_until = (
                math.inf
                if is_shared
                else time.monotonic() + settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS
            )
            tally = Tally(epoch, {}, kept_until=kept_until)
            changed = set(forces)
        else:
            changed = {f for f in forces if versions[f] != tally.versions.get(f)}
            changed |= set(tally.per_force) - set(forces)  # forces no longer in view
        if changed:
            in_view = [f for f in forces if f in changed]
            recounted = _read_or_count(
                scope, count, key, epoch, versions, in_view, is_shared=is_shared, look=look
            )
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


def share(scope: Scope, count: Callable[..., list[tuple]], forces: set[int | None]) -> int:
    """Have these forces' rows for `scope` in the shared cache at their current versions,
    counting those no one has; return how many were counted. This process's tally is
    left alone: its next look finds the versions moved on and reads the rows."""
    key = json.dumps(["all-forces", scope.today, scope.params()], default=str, sort_keys=True)
    epoch, versions = freshness.findings_versions(forces)
    look = Look()
    _read_or_count(scope, count, key, epoch, versions, list(forces), is_shared=True, look=look)
    return len(look.counted)


def _read_or_count(
    scope: Scope,
    count: Callable[..., list[tuple]],
    key: str,
    epoch: int,
    versions: dict[int | None, int],
    forces: list[int | None],
    *,
    is_shared: bool,
    look: Look,
) -> dict[int | None, Counts]:
    """These forces' rows: from the shared cache where another process counted them at
    their current version, counted in SQL (and shared) where not."""
    found: dict[int | None, Counts] = {}
    shared_keys: dict[int | None, str] = {}
    if is_shared and forces:
        # The layout of the rows is part of the key: a deploy that changes it never
        # reads rows kept by the code before.
        digest = hashlib.sha256(f"{key}{counts._COLUMNS}".encode()).hexdigest()[:32]
        shared_keys = {
            f: SHARED_KEY.format(scope=digest, epoch=epoch, force=f, version=versions[f])
            for f in forces
        }
        kept = cache.get_many(list(shared_keys.values()))
        found = {f: kept[k] for f, k in shared_keys.items() if k in kept}
        look.read = set(found)
    missing = [f for f in forces if f not in found]
    if missing:
        recounted = _by_force(count(scope, forces=missing))
        look.counted = set(missing)
        fresh = {f: recounted.get(f, {}) for f in missing}
        if shared_keys:
            cache.set_many({shared_keys[f]: rows for f, rows in fresh.items()}, SHARED_SECONDS)
        found.update(fresh)
    return found


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
    """Drop every tally this process keeps (tests; a process that must not trust what it
    kept). The shared cache's entries stay: they are keyed by version."""
    with _lock:
        _tallies.clear()
        _locks.clear()
