"""Celery tasks: doorbells with no payload. Each tick does whatever the database says is due,
so a lost or duplicated message is harmless: the next tick catches up.
"""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from reminders import services


@shared_task(acks_late=True)
def reminders_scan() -> int:
    return services.scan(today=timezone.localdate())


@shared_task(acks_late=True)
def reminders_send() -> dict[str, int]:
    """Compose today's digests once the digest hour has come, then send what is due."""
    now = timezone.now()
    today = timezone.localdate(now)
    composed = 0
    if timezone.localtime(now).hour >= settings.OVERSIGHT_DIGEST_HOUR:
        composed = services.compose(today=today, now=now)
    return {"digests": composed, **services.drain(today=today, now=now)}
