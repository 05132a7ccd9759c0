"""Dashboard figures cached until the data changes.

Across all forces at 50,000 findings the dashboard's figures cost about 170 ms of
SQL and Python, and are the same for everyone looking at the same scope. They are
cached under a key that holds the data version (`recommendations.freshness`), so
any write makes the next request compute them afresh. The cache is per process
(Django's local-memory cache), so another gunicorn worker may show figures up to
OVERSIGHT_DASHBOARD_CACHE_SECONDS old; the page says when they were computed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from recommendations.freshness import data_version


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
