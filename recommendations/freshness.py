"""A data version that every write to this app's tables moves on.

Caches of figures derived from findings (the dashboard) put it in their keys, so a
cached value never outlives a change. Saves and deletes through the ORM bump it by
signal; bulk writes, which send no signals, call `data_changed()` themselves.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "oversight:data-version"


def data_version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def data_changed(**_: Any) -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(VERSION_KEY, 2, timeout=None)


def _on_write(sender: type, **_: Any) -> None:
    if sender._meta.app_label == "recommendations":
        data_changed()


def connect() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_write, dispatch_uid=f"recommendations-freshness-{id(signal)}")
