"""Readable change history of a finding, from django-simple-history's records.

One diff implementation serves both the detail page's "history of every change"
and the conflict message shown when a save is refused as stale. Related objects
are resolved in one query per related model, never one per change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models

from recommendations.models import Finding, User

# Bookkeeping fields that change on every save and mean nothing to a reader.
_UNINTERESTING = {"id", "version", "updated_at", "status_changed_at", "created_at"}
TRACKED_FIELDS = [f for f in Finding._meta.concrete_fields if f.attname not in _UNINTERESTING]


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: User | None
    reason: str
    created: bool
    changes: list[Change]


def _label(field: models.Field) -> str:
    text = str(field.verbose_name)
    return text[:1].upper() + text[1:]


class _Resolver:
    """Turns stored values into display text, fetching related rows in bulk."""

    def __init__(self, records: list[Any]) -> None:
        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        for field in TRACKED_FIELDS:
            if field.is_relation:
                for record in records:
                    if (value := getattr(record, field.attname, None)) is not None:
                        wanted[field.related_model].add(value)
        self.objects = {
            model: {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}
            for model, ids in wanted.items()
        }

    def __call__(self, field: models.Field, value: object) -> str:
        if value in (None, ""):
            return "—"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if field.is_relation:
            return self.objects.get(field.related_model, {}).get(value, f"#{value} (deleted)")
        if hasattr(value, "strftime"):
            return value.strftime("%-d %B %Y")
        return str(value)


def _diff(older: Any, newer: Any, display: _Resolver) -> list[Change]:
    changes = []
    for field in TRACKED_FIELDS:
        if not hasattr(newer, field.attname):
            continue
        before, after = getattr(older, field.attname), getattr(newer, field.attname)
        if before != after:
            changes.append(Change(_label(field), display(field, before), display(field, after)))
    return changes


def finding_history(finding: Finding) -> list[HistoryEntry]:
    """Every recorded version of the finding, newest first, with what each one changed."""
    records = list(finding.history.select_related("history_user").order_by("history_date"))
    display = _Resolver(records)
    entries = []
    for previous, record in zip([None, *records], records, strict=False):
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                reason=record.history_change_reason or "",
                created=previous is None,
                changes=[] if previous is None else _diff(previous, record, display),
            )
        )
    return entries[::-1]


def changes_since(finding: Finding, version: int) -> list[Change]:
    """What changed between the version a user saw and the latest one."""
    seen = finding.history.filter(version=version).first()
    latest = finding.history.first()
    if seen is None or latest is None or seen.pk == latest.pk:
        return []
    return _diff(seen, latest, _Resolver([seen, latest]))
