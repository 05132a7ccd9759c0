"""What a client sends, made fit to store before anything records it.

PostgreSQL refuses NUL in text, and the audit trail and django-axes store the browser's
headers and the username typed at sign-in; a NUL there was a 500 (issue 12, fuzzing
round 2). Control characters carry nothing a person typed, so they go; values are cut
to what any column that holds them can take.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

# C0 controls but tab, and DEL: never part of a header or a username anyone typed.
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# The longest username Django lets anyone have; a longer one names nobody.
USERNAME_MAX_CHARS = 150
HEADER_MAX_CHARS = 8_192


def without_controls(value: str, *, limit: int) -> str:
    return _CONTROLS.sub("", value[: limit * 2])[:limit]


def axes_username(request: HttpRequest, credentials: Mapping[str, Any] | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username axes counts failures for and stores, cleaned
    as above (axes' own reading, from the credentials or else the form, otherwise)."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "data", request.POST).get("username")
    if not isinstance(username, str):
        return username
    return without_controls(username, limit=USERNAME_MAX_CHARS)
