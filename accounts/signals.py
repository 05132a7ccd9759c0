"""Sign-in bookkeeping for the session timeouts and the two-factor requirement."""

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from accounts import services, sso
from accounts.models import TwoFactorPolicy

log = logging.getLogger(__name__)

SESSION_STARTED = "oversight_signed_in_at"
SESSION_LAST_SEEN = "oversight_last_seen_at"
SESSION_NEEDS_TWO_FACTOR = "oversight_two_factor_required"


@receiver(user_logged_in)
def start_session_clock(sender: type, request: HttpRequest, user: object, **kwargs: object) -> None:
    now = timezone.now().timestamp()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_LAST_SEEN] = now
    # Decided once per sign-in, so pages do not pay a query for it. A single sign-on
    # counts as two factors only when the operator says the provider enforces MFA.
    needs_two_factor = TwoFactorPolicy.required_for(
        user
    ) and not sso.two_factor_satisfied_by_provider(user)
    request.session[SESSION_NEEDS_TWO_FACTOR] = needs_two_factor
    if needs_two_factor:
        _send_setup_link_if_needed(request, user)


def _send_setup_link_if_needed(request: HttpRequest, user: Any) -> None:
    """No device yet: the set-up link goes to their own address, never to this browser."""
    try:
        services.two_factor_setup_link_send(user=user, now=timezone.now(), request=request)
    except Exception:
        # The sign-in stands; the two-factor page offers to send the link again.
        log.exception("Could not send the two-factor set-up link")
