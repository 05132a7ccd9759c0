"""A slower limit per username, across every address, that delays but never locks.

django-axes locks a username only from the address its failures came from (see
AXES_LOCKOUT_PARAMETERS), so an outsider cannot lock a person out. Guessing one
password from many addresses needs a limit of its own: once a username has
OVERSIGHT_SIGN_IN_SLOW_AFTER failures in the cool-off window, from all addresses
together, each address must wait after its own last failure for that username
before its next password is checked. The wait doubles with each further failure,
up to OVERSIGHT_SIGN_IN_SLOW_MAX_SECONDS.

The wait is counted from each address's own failures, never from anyone
else's, so the person's first try from their own address is always checked:
that is what makes this a delay and not a lock someone else can set off.
"""

from __future__ import annotations

from datetime import datetime
from math import ceil
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest

# Set on a request whose sign-in was refused only to slow guessing (seconds to wait).
WAIT_ATTRIBUTE = "oversight_sign_in_wait"


def wait_seconds(*, username: str | None, ip_address: str | None, now: datetime) -> int:
    """How long this address must still wait before trying `username` again (0: go ahead)."""
    if not username:
        return 0
    recent = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    ).aggregate(
        failures=Sum("failures_since_start"),
        last_here=Max("attempt_time", filter=Q(ip_address=ip_address)),
    )
    excess = (recent["failures"] or 0) - settings.OVERSIGHT_SIGN_IN_SLOW_AFTER
    if excess < 0 or recent["last_here"] is None:
        return 0
    delay = min(2 ** min(excess, 30), settings.OVERSIGHT_SIGN_IN_SLOW_MAX_SECONDS)
    return max(0, ceil(delay - (now - recent["last_here"]).total_seconds()))


class SlowingAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, plus the per-username delay above.

    A refused attempt is not checked and, like an axes lockout, not counted.
    """

    def is_allowed(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if not super().is_allowed(request, credentials):
            return False
        wait = wait_seconds(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
            now=request.axes_attempt_time,
        )
        if wait:
            setattr(request, WAIT_ATTRIBUTE, wait)
            return False
        return True

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None and getattr(request, WAIT_ATTRIBUTE, None):
            # Refused before the password was looked at: not a guess, so not counted,
            # and answered with the lockout page (which says how long to wait).
            request.axes_locked_out = True
            request.axes_credentials = credentials
            return
        super().user_login_failed(sender, credentials, request, **kwargs)
