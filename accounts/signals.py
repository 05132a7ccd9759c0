"""Sign-in bookkeeping for the session timeouts and the two-factor requirement."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import TwoFactorPolicy

SESSION_STARTED = "oversight_signed_in_at"
SESSION_LAST_SEEN = "oversight_last_seen_at"
SESSION_NEEDS_TWO_FACTOR = "oversight_two_factor_required"


@receiver(user_logged_in)
def start_session_clock(sender: type, request: HttpRequest, user: object, **kwargs: object) -> None:
    now = timezone.now().timestamp()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_LAST_SEEN] = now
    # Decided once per sign-in, so pages do not pay a query for it.
    request.session[SESSION_NEEDS_TWO_FACTOR] = TwoFactorPolicy.required_for(user)
