import os
from typing import Any

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

app = Celery("oversight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def scan_when_beat_starts(sender: Any, **kwargs: Any) -> None:
    """Make the reminder scan due at once when beat starts, not one interval later: the
    health check counts a scan older than OVERSIGHT_SCAN_STALE_MINUTES as a fault, and
    a deploy must not look like one. Beat sends it as any other tick, through the broker."""
    entry = sender.scheduler.schedule.get("reminders-scan")
    if entry is not None:
        entry.last_run_at = entry.default_now() - entry.schedule.run_every
