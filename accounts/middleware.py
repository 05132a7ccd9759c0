"""Session lifetime and two-factor enforcement."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.signals import SESSION_LAST_SEEN, SESSION_NEEDS_TWO_FACTOR, SESSION_STARTED

IDLE_MESSAGE = "You were signed out after {minutes} minutes without activity. Please sign in again."
MAX_AGE_MESSAGE = "Your session reached its {hours}-hour limit. Please sign in again."


class SessionTimeoutMiddleware:
    """Sign out after 30 minutes idle, and 12 hours after sign-in whatever happens.

    Django's cookie age alone cannot do both: it either slides (idle) or not (absolute).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            started = request.session.get(SESSION_STARTED, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - last_seen > idle or now - started > absolute:
                message = (
                    IDLE_MESSAGE.format(minutes=int(idle // 60))
                    if now - last_seen > idle
                    else MAX_AGE_MESSAGE.format(hours=int(absolute // 3600))
                )
                logout(request)  # flushes the session server-side
                messages.info(request, message)
                return redirect(
                    f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.path})}"
                )
            request.session.setdefault(SESSION_STARTED, started)
            # A minute's precision is plenty, and spares a session write per request.
            if now - last_seen >= 60 or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """People in a role that requires two-factor sign-in reach nothing else until verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def always_allowed(path: str) -> bool:
        # Signing out, and every two-factor page (confirm, set-up, its emailed link).
        return path == reverse("logout") or path.startswith(reverse("accounts:two-factor"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and request.session.get(SESSION_NEEDS_TWO_FACTOR)
            and not user.is_verified()
            and not self.always_allowed(request.path)
        ):
            return redirect(f"{reverse('accounts:two-factor')}?{urlencode({'next': request.path})}")
        return self.get_response(request)
