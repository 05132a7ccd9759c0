"""Celery tasks: doorbells with no payload. Each tick does whatever the database says is due,
so a lost or duplicated message is harmless: the next tick catches up.
"""

from celery import shared_task
from django.utils import timezone

from reminders import services


@shared_task(acks_late=True)
def reminders_scan() -> int:
    return services.reminders_scan(today=timezone.localdate()).created


@shared_task(acks_late=True)
def reminders_send() -> dict[str, int]:
    return services.digests_dispatch(now=timezone.now())
