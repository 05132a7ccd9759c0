"""Versions of the data that writes move on, for caches of figures derived from findings.

- The **data version** moves on at every write to this app's tables. The dashboard's
  cache puts it in its keys, so a cached page never outlives a change.
- **Finding versions**, one per force, move on only when that force's findings (or
  their themes) change; the **findings epoch** moves on when a change cannot be put
  down to one force (a bulk write, a delete that cascades, a report's dates). The
  all-forces dashboard keeps its counts per force under these
  (`dashboards/tallies.py`), so a change to one force recounts only that force.

Saves and deletes through the ORM move them on by signal, once at the write and once
more when its transaction commits: a reader who counted in between (and saw the old
rows under the new version) is then caught out. Bulk writes, which send no signals,
call `data_changed()` themselves.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "oversight:data-version"
EPOCH_KEY = "oversight:findings-epoch"
FORCE_KEY = "oversight:findings-version:{}"


def data_version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def findings_versions(force_ids: Iterable[int | None]) -> tuple[int, dict[int | None, int]]:
    """The findings epoch and each force's findings version."""
    keys = {FORCE_KEY.format(force_id): force_id for force_id in force_ids}
    found = cache.get_many([EPOCH_KEY, *keys])
    missing = {key: _fresh_token() for key in (EPOCH_KEY, *keys) if key not in found}
    if missing:
        # A new token, never a counter restarted at 1: a value evicted from the cache
        # must not come back equal to a version something was stored under.
        cache.set_many(missing, timeout=None)
        found.update(missing)
    return found[EPOCH_KEY], {force_id: found[key] for key, force_id in keys.items()}


def data_changed(**_: Any) -> None:
    """Everything may have changed: the data version and the findings epoch move on."""
    _bump(VERSION_KEY)
    _bump(EPOCH_KEY)


def _fresh_token() -> int:
    return time.time_ns()


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not set yet, or evicted
        cache.set(key, _fresh_token(), timeout=None)


def _now_and_at_commit(*keys: str) -> None:
    def bump() -> None:
        for key in keys:
            _bump(key)

    bump()
    transaction.on_commit(bump)


_UNKNOWN = object()


def _finding_force_keys(finding: Any, created: bool) -> list[str] | None:
    """The versions a finding's save moves on: its force's, and the one it was moved from.

    Where it was comes from the copy being saved (`Finding._note_force`), so a copy
    read long ago and saved over someone else's move would be trusted wrongly; the
    services refuse such saves anyway (the version check).
    """
    stored = finding.__dict__.get("force_id_when_loaded", _UNKNOWN)
    finding.force_id_when_loaded = finding.force_id  # where this copy now stands
    if created:
        return [FORCE_KEY.format(finding.force_id)]
    if stored is _UNKNOWN:
        return None  # not known where it was before: say everything changed
    return [FORCE_KEY.format(force_id) for force_id in {stored, finding.force_id}]


def _force_keys(sender: type, instance: Any, signal: Any, **kwargs: Any) -> list[str] | None:
    """The finding versions a write moves on; None for all of them (the epoch)."""
    from recommendations.models import Finding, Report

    if sender is Finding:
        if signal is post_save:
            return _finding_force_keys(instance, kwargs.get("created", False))
        return [FORCE_KEY.format(instance.force_id)]  # deleted
    if signal is m2m_changed:
        if sender is Finding.themes.through and isinstance(instance, Finding):
            return [FORCE_KEY.format(instance.force_id)]
        return None  # from a theme's side: which findings is not said
    if sender is Report:
        return None  # its publication date decides which findings a date filter counts
    if signal is post_save:
        # History rows, and saves of anything else (a person's name, an update's
        # narrative), change no count kept per force.
        return []
    return None  # deletes can cascade or set owners to NULL: recount every force


def _on_write(sender: type, **kwargs: Any) -> None:
    if sender._meta.app_label != "recommendations":
        return
    force_keys = _force_keys(sender, **kwargs)
    if force_keys is None:
        _now_and_at_commit(VERSION_KEY, EPOCH_KEY)
    else:
        _now_and_at_commit(VERSION_KEY, *force_keys)


def connect() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_write, dispatch_uid=f"recommendations-freshness-{id(signal)}")
