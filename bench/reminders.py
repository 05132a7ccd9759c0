"""Benchmark of the reminder scan and digest delivery (issue: reminders).

    .venv/bin/python bench/reminders.py [--scale 50000] [--recipients 1000]

Uses PostgreSQL from BENCH_DATABASE_URL (default: a local `oversight_bench`
database, created and seeded with `seed_demo --scale`). Prints:
- the scan's query count and time, and a re-run's inserted rows and time,
  with the time of a plain COUNT(*) of active findings as the baseline;
- digests per second sent to a local SMTP sink (aiosmtpd) for N recipients, and
  how many SMTP sessions the sender opened for them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, summary, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50_000)
    parser.add_argument("--recipients", type=int, default=1_000)
    args = parser.parse_args()
    setup_django(args.scale)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from recommendations.models import Finding
    from reminders import services
    from reminders.models import Digest, Reminder, ScanRecord

    today = timezone.localdate()
    Digest.objects.all().delete()
    Reminder.objects.all().delete()
    ScanRecord.objects.all().delete()

    active = Finding.objects.active()
    baseline = summary(timed(lambda: active.count(), runs=30))[0]
    print(f"\nFindings: {Finding.objects.count():,}; active: {active.count():,}")
    print(f"Baseline COUNT(*) of active findings: {baseline:.1f} ms")

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        created = services.reminders_scan(today=today).created
        first = time.perf_counter() - started
    print(f"Scan (first run): {first * 1000:.0f} ms, {len(queries)} queries, {created:,} rows")
    started = time.perf_counter()
    again = services.reminders_scan(today=today).created
    rerun = time.perf_counter() - started
    print(f"Scan (re-run):    {rerun * 1000:.0f} ms, {again} rows inserted")
    print(f"Ratio first scan / baseline count: {first * 1000 / baseline:.0f}x")
    started = time.perf_counter()
    composed = services.digests_compose(today=today)
    print(f"Compose: {composed:,} digests in {(time.perf_counter() - started) * 1000:.0f} ms")
    Digest.objects.all().delete()
    Reminder.objects.all().delete()

    _deliver(args.recipients, today)


def _deliver(recipients: int, today) -> None:
    import logging

    from django.conf import settings

    from recommendations.models import Finding, User
    from reminders import services
    from reminders.models import DeliveryStatus, Digest, ItemType, Reminder, ReminderKind
    from tests.support.smtp import ControlledSmtpServer

    User.objects.filter(username__startswith="bench-recipient-").delete()
    users = User.objects.bulk_create(
        [
            User(username=f"bench-recipient-{i}", email=f"r{i}@bench.example", password="!")
            for i in range(recipients)
        ]
    )
    finding = Finding.objects.active().filter(due_on__isnull=False).first()
    Reminder.objects.bulk_create(
        [
            Reminder(
                recipient=user,
                item_type=ItemType.FINDING,
                item_id=finding.pk,
                kind=ReminderKind.DUE_SOON,
                occurrence=today,
                due_on=finding.due_on,
            )
            for user in users
        ]
    )
    services.digests_compose(today=today)
    # aiosmtpd logs every command at INFO: in this process that would be timed too.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    with ControlledSmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        started = time.perf_counter()
        outcome = services.digests_send(today=today, limit=recipients + 10)
        elapsed = time.perf_counter() - started
        received = len(server.sink.received)
        sessions = server.sink.sessions
    sent = Digest.objects.filter(status=DeliveryStatus.SENT).count()
    print(
        f"Delivery: {sent:,} digests to {recipients:,} recipients in {elapsed:.1f} s = "
        f"{sent / elapsed:.0f} digests/s ({received:,} received by the SMTP sink over "
        f"{sessions:,} SMTP session(s); {outcome})"
    )
    Digest.objects.all().delete()
    User.objects.filter(username__startswith="bench-recipient-").delete()


if __name__ == "__main__":
    main()
