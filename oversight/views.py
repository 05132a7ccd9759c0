"""Health check for load balancers and monitoring."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"down: {type(exc).__name__}"
    return "ok"


def _cache() -> str:
    """Shared (Redis), local to this process, or degraded: Redis failed it lately and
    pages compute what the cache would have held (slower, never wrong)."""
    from django.core.cache import caches

    from oversight.cache import TolerantRedisCache

    if isinstance(caches["default"], TolerantRedisCache):
        return "degraded" if TolerantRedisCache.degraded() else "shared"
    return "local to this process"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """503 only when this web process cannot serve pages (no database).

    Redis and the reminder scan are reported but do not fail the check: the web
    keeps working without them, and a load balancer should not take it out of
    service for that. /healthz/reminders answers 503 for those instead.
    """
    from reminders.views import reminder_health

    database = _database()
    report: dict[str, object] = {"database": database, "redis": _redis(), "cache": _cache()}
    if database == "ok":
        reminders = reminder_health()
        report["last_reminder_scan"] = reminders["last_scan"]
        report["reminders_ok"] = reminders["ok"]
    report["ok"] = database == "ok"
    return JsonResponse(report, status=200 if report["ok"] else 503)
