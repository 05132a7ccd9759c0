"""Project-wide HTTP middleware: hostile headers cleaned, request size cap, security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_cache_control

from oversight.untrusted import HEADER_MAX_CHARS, without_controls


class CleanHeadersMiddleware:
    """Control characters (NUL above all) taken out of every request header, and each
    header cut to 8 KB, before any code reads them.

    The audit trail and django-axes store the User-Agent, and PostgreSQL refuses NUL in
    text: a browser (or a script) sending one got a 500 at sign-in and on every page
    that records a read. First in MIDDLEWARE, so nothing sees the raw value.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        for key, value in list(meta.items()):
            # Host is left to Django's own check, which refuses a bad one with a 400.
            if key.startswith("HTTP_") and key != "HTTP_HOST" and isinstance(value, str):
                meta[key] = without_controls(value, limit=HEADER_MAX_CHARS)
        return self.get_response(request)


class UploadSizeLimitMiddleware:
    """Refuse an over-large request before Django reads its body (413).

    Each evidence file has its own, smaller limit, checked by the form with a
    friendly message; this cap stops a huge upload from tying up a worker.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.OVERSIGHT_MAX_REQUEST_BYTES
        if length > limit:
            body = render_to_string("413.html", {"limit_mb": limit // (1024 * 1024)}, request=None)
            return HttpResponse(body, status=413)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy, and no caching of
    anything a signed-in person sees (shared computers, proxies, the back button)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True, no_store=True)
        return response
