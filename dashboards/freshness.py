"""What the dashboard's caches key on, and how writes to the domain move them on.

- The **data version** moves on at every write to the domain's tables. The page
  cache (`cached`) puts it in its keys, so a cached page never outlives a change.
- **Finding versions**, one per force, move on only when that force's findings (or
  their themes) change; the **findings epoch** moves on when a change cannot be put
  down to one force (a bulk write, a delete that cascades, a report's dates). The
  all-forces dashboard keeps its counts per force under these (`tallies.py`), so a
  change to one force recounts only that force.
- The **names version** moves on at every write that may change a name the dashboard
  shows (`scope.load_names`: forces, themes, reports and their s.55 stage, owners,
  Engage, sessions and their actions), so the names are kept across the commonest
  writes (progress updates, assurance, evidence, a finding's status or RAG) and the
  first look after one of them does not fetch them again.

The dashboard listens to the domain's model signals (each model named as sender)
and to its bulk-change event; the domain knows nothing of it. Saves and deletes
move the versions on once at the write and once more when the transaction commits:
a reader who counted in between (and saw the old rows under the new version) is
then caught out.

The cache is Redis, shared by every process, when REDIS_URL is set (oversight/cache.py);
on the embedded default it is per process (Django's local-memory cache), and another
process may then show figures up to OVERSIGHT_DASHBOARD_CACHE_SECONDS old; the page
says when they were computed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from recommendations.signals import findings_changed_in_bulk

VERSION_KEY = "oversight:data-version"
EPOCH_KEY = "oversight:findings-epoch"
FORCE_KEY = "oversight:findings-version:{}"
NAMES_KEY = "oversight:names-version"

logger = logging.getLogger(__name__)

# A finding's fields that a name shown on the dashboard depends on: its force (the
# forces with findings), its owner (the owners' names) and its reference (the open
# session actions name their finding).
_NAMED_FINDING_FIELDS = ("force_id", "owner_id", "reference")
# A person's fields that their name as an owner depends on.
_NAMED_USER_FIELDS = {"first_name", "last_name", "username", "is_active", "force", "force_id"}


def data_version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def names_version() -> int:
    # A fresh token, as for the findings versions: an evicted value must not come back
    # equal to a version the names were kept under.
    return cache.get_or_set(NAMES_KEY, _fresh_token, timeout=None)


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
    """Everything may have changed: the data version, the findings epoch and the names
    version move on."""
    _bump(VERSION_KEY)
    _bump(EPOCH_KEY)
    _bump(NAMES_KEY)


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


_STORED_BEFORE = "_dashboard_stored_before_save"


def _note_stored_before_save(sender: type, instance: Any, **kwargs: Any) -> None:
    """A finding's force, owner and reference as stored before this save, if the save
    may change them.

    Services never move a finding between forces, but the admin or a script could, and
    then both forces' counts are stale; a new owner or reference changes names the
    dashboard shows. One small read per such save: none for a save that names its
    fields and touches none of these (a status or RAG change).
    """
    update_fields = kwargs.get("update_fields")
    fields = {"force", "owner", "reference"}
    if instance.pk is None or (update_fields is not None and not fields & set(update_fields)):
        return
    stored = sender._base_manager.filter(pk=instance.pk).values_list(*_NAMED_FINDING_FIELDS)
    current = tuple(getattr(instance, name) for name in _NAMED_FINDING_FIELDS)
    setattr(instance, _STORED_BEFORE, next(iter(stored), current))


def _forces_moved(
    sender: type, instance: Any, signal: Any, before: tuple | None, **kwargs: Any
) -> set[int | None] | None:
    """The forces whose findings versions a write moves on; None for all of them (the
    epoch)."""
    from recommendations.models import Finding, Report, User

    if sender._meta.app_label != "recommendations":
        return set()  # sessions, s.55 responses: names and pages, never a count kept per force
    if sender is Finding:
        if signal is post_save and not kwargs.get("created", False):
            force_before = before[0] if before else instance.force_id
            return {force_before, instance.force_id}
        return {instance.force_id}  # created or deleted
    if signal is m2m_changed:
        if sender is Finding.themes.through and isinstance(instance, Finding):
            return {instance.force_id}
        return None  # from a theme's side: which findings is not said
    if sender is Report:
        return None  # its publication date decides which findings a date filter counts
    if sender is User and signal is post_save and _may_change_activity(kwargs):
        return None  # a deactivated owner's findings count as unowned (rules.unowned_q)
    if signal is post_save:
        # History rows, and saves of anything else (a person's name, an update's
        # narrative), change no count kept per force.
        return set()
    return None  # deletes can cascade or set owners to NULL: recount every force


def _may_change_activity(kwargs: dict[str, Any]) -> bool:
    update_fields = kwargs.get("update_fields")
    return not kwargs.get("created", False) and (
        update_fields is None or "is_active" in update_fields
    )


def _moves_names(
    sender: type, instance: Any, signal: Any, before: tuple | None, **kwargs: Any
) -> bool:
    """Whether a write may change a name the dashboard shows: any write but the
    commonest ones, which are known to change none."""
    from recommendations.models import (
        AssuranceDecision,
        DueDateRevision,
        Evidence,
        Finding,
        ProgressUpdate,
        User,
    )

    if hasattr(sender, "instance_type"):
        return False  # a history row (django-simple-history): the write itself is heard
    if sender in (ProgressUpdate, Evidence, AssuranceDecision, DueDateRevision):
        return False
    if sender is Finding.themes.through and isinstance(instance, Finding):
        return False  # a finding's themes: the themes' names are unchanged
    if sender is Finding and signal is post_save and not kwargs.get("created", False):
        if before is None:
            return False  # the save named its fields, none of them a named one
        return before != tuple(getattr(instance, name) for name in _NAMED_FINDING_FIELDS)
    if sender is User and signal is post_save:
        # Signing in saves last_login alone; an owner is shown by name.
        update_fields = kwargs.get("update_fields")
        return update_fields is None or bool(_NAMED_USER_FIELDS & set(update_fields))
    return True


def _on_write(sender: type, instance: Any = None, **kwargs: Any) -> None:
    before = instance.__dict__.pop(_STORED_BEFORE, None) if instance is not None else None
    forces = _forces_moved(sender, instance, before=before, **kwargs)
    names = [NAMES_KEY] if _moves_names(sender, instance, before=before, **kwargs) else []
    if forces is None:
        _now_and_at_commit(VERSION_KEY, EPOCH_KEY, *names)
    else:
        _now_and_at_commit(VERSION_KEY, *(FORCE_KEY.format(f) for f in forces), *names)
        if forces:
            _count_at_commit(forces)


# A write that moves more forces than this (a bulk change) leaves them to the next look
# or beat's warm-up, rather than make its own request count them.
COUNT_AT_COMMIT_FORCES = 2


class _CountAtCommit:
    """The forces written to in one transaction, counted once when it commits (a
    transaction that saves hundreds of findings, such as an assignment in bulk, would
    otherwise register a count for each)."""

    def __init__(self) -> None:
        self.forces: set[int | None] = set()

    def __call__(self) -> None:
        if len(self.forces) <= COUNT_AT_COMMIT_FORCES:
            _count_after_commit(self.forces)


def _count_at_commit(forces: set[int | None]) -> None:
    connection = transaction.get_connection()
    waiting = getattr(connection, "_dashboard_count_at_commit", None)
    # Still waiting only if its transaction (or savepoint) has not ended since: Django
    # drops the callbacks of what rolls back.
    if waiting is None or not any(func is waiting for _, func, _ in connection.run_on_commit):
        waiting = connection._dashboard_count_at_commit = _CountAtCommit()
        waiting.forces.update(forces)
        transaction.on_commit(waiting)  # at once, outside a transaction
    else:
        waiting.forces.update(forces)
        # Last again, after this write's own version bump: callbacks run in order, and
        # rows counted before a bump would be kept under a version no one reads. (Dropped
        # if the savepoint it is now under rolls back: then the next look counts.)
        connection.run_on_commit = [e for e in connection.run_on_commit if e[1] is not waiting]
        transaction.on_commit(waiting)


def _count_after_commit(forces: set[int | None]) -> None:
    """Count the forces a write changed for the all-forces dashboard, in the writer's
    request once the write has committed (after its versions moved on: `on_commit`
    runs callbacks in order), and share them, so that the next look from any process
    reads them instead of counting while someone waits (docs/performance.md). A failure
    here costs only that: the write stands, and the next look counts."""
    from dashboards import services

    try:
        services.dashboard_counts_share(forces, today=timezone.localdate())
    except Exception:  # the write has committed: its response must not fail
        logger.warning("Counting the dashboard after a write failed", exc_info=True)


def _on_bulk_change(**_: Any) -> None:
    data_changed()


def connect() -> None:
    """Listen to every write to the domain's tables, each model named as the sender."""
    from recommendations.models import Finding

    for model in apps.get_app_config("recommendations").get_models():
        uid = f"dashboards-freshness-{model._meta.label_lower}"
        post_save.connect(_on_write, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_write, sender=through, dispatch_uid=f"{uid}-{field.name}")
    # The s.55 tracker shows each report's response stage (publishing); the sessions
    # panel, each upcoming session and each open action agreed at one (accountability).
    from accountability.models import Session, SessionAction
    from publishing.models import S55Response

    for model in (S55Response, Session, SessionAction):
        uid = f"dashboards-freshness-{model._meta.label_lower}"
        post_save.connect(_on_write, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"{uid}-delete")
    pre_save.connect(_note_stored_before_save, sender=Finding, dispatch_uid="dashboards-force")
    findings_changed_in_bulk.connect(_on_bulk_change, dispatch_uid="dashboards-bulk")


def cached(parts: list[Any], compute: Callable[[], Any]) -> tuple[Any, datetime]:
    """The value for these key parts at the current data version, and when it was computed."""
    seconds = settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return compute(), timezone.now()
    digest = hashlib.sha256(
        json.dumps([data_version(), *parts], default=str, sort_keys=True).encode()
    ).hexdigest()
    key = f"dashboard:{digest}"
    hit = cache.get(key)
    if hit is not None:
        return hit
    entry = (compute(), timezone.now())
    cache.set(key, entry, seconds)
    return entry
