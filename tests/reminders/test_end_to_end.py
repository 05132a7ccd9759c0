"""End to end with real services: PostgreSQL, Redis, Celery worker and beat processes, and an
SMTP server that the tests read back. Also the faults of RELIABILITY.md §A6.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from recommendations.models import Role
from reminders import services
from reminders.models import DeliveryStatus, Digest, Reminder, ScanRecord
from tests.factories import make_finding, make_report, make_user
from tests.support.processes import RedisServer, celery, child_env, wait_for, worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def ring(redis_server: RedisServer, task: str) -> None:
    """Send a task as beat would, to this test's own Redis."""
    from oversight.celery import app

    with app.connection_for_write(redis_server.url) as connection_:
        app.send_task(task, connection=connection_)


def people_with_deadlines(force, count: int, *, due_in_days: int = 7) -> list:
    report = make_report(force=force, published_on=timezone.localdate() - timedelta(days=200))
    owners = []
    for i in range(count):
        owner = make_user(Role.FORCE_LEAD, force=force, email=f"owner{i}@force.example")
        make_finding(
            report=report,
            owner=owner,
            due_on=timezone.localdate() + timedelta(days=due_in_days),
        )
        owners.append(owner)
    return owners


def test_beat_and_a_worker_deliver_each_digest_once(
    force, smtp_server, redis_server, services_started, tmp_path
):
    owners = people_with_deadlines(force, 3)
    env = child_env(
        redis_url=redis_server.url,
        smtp_port=smtp_server.port,
        OVERSIGHT_SCAN_EVERY_SECONDS="1",
        OVERSIGHT_SEND_EVERY_SECONDS="1",
    )
    worker_process = services_started(worker("w1"), env, "worker")
    beat = services_started(
        celery("beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")),
        env,
        "beat",
    )
    wait_for(
        lambda: len(smtp_server.sink.received) == 3,
        timeout=60,
        what=f"3 digests\n{worker_process.output()[-2000:]}\n{beat.output()[-1000:]}",
    )
    # Beat keeps ticking: two more scans and sends later, nothing is added or re-sent.
    scans = ScanRecord.objects.count()
    wait_for(lambda: ScanRecord.objects.count() >= scans + 2, timeout=30, what="two more scans")
    assert Reminder.objects.count() == 3
    assert len(smtp_server.sink.received) == 3
    assert sorted(r.envelope_to[0] for r in smtp_server.sink.received) == sorted(
        o.email for o in owners
    )
    assert Digest.objects.filter(status=DeliveryStatus.SENT).count() == 3


def test_two_workers_send_each_digest_exactly_once(
    force, smtp_server, redis_server, services_started
):
    people_with_deadlines(force, 40)
    today = timezone.localdate()
    services.reminders_scan(today=today)
    services.digests_compose(today=today)
    env = child_env(redis_url=redis_server.url, smtp_port=smtp_server.port)
    services_started(worker("w1"), env, "worker1")
    services_started(worker("w2"), env, "worker2")
    for _ in range(6):
        ring(redis_server, "reminders.tasks.reminders_send")
    wait_for(
        lambda: Digest.objects.filter(status=DeliveryStatus.SENT).count() == 40,
        timeout=60,
        what="40 digests sent",
    )
    ids = Counter(r.message_id for r in smtp_server.sink.received)
    assert len(ids) == 40 and max(ids.values()) == 1


def test_a_worker_killed_mid_batch_loses_nothing_and_flags_the_one_it_may_repeat(
    force, smtp_server, redis_server, services_started, tmp_path
):
    owners = people_with_deadlines(force, 12)
    today = timezone.localdate()
    services.reminders_scan(today=today)
    services.digests_compose(today=today)
    env = child_env(
        redis_url=redis_server.url,
        smtp_port=smtp_server.port,
        DJANGO_EMAIL_BACKEND="tests.support.email_backends.KillAfterSendsBackend",
        KILL_AFTER_SENDS="5",
        KILL_COUNTER_FILE=str(tmp_path / "sent-count"),
    )
    doomed = services_started(worker("doomed"), env, "doomed")
    ring(redis_server, "reminders.tasks.reminders_send")
    wait_for(lambda: doomed.process.poll() is not None, timeout=60, what="the SIGKILL")
    assert doomed.process.returncode == -9
    assert len(smtp_server.sink.received) == 5
    in_doubt = Digest.objects.get(status=DeliveryStatus.SENDING)

    # A healthy worker carries on; the in-doubt digest waits for its lease.
    healthy_env = child_env(redis_url=redis_server.url, smtp_port=smtp_server.port)
    services_started(worker("healthy"), healthy_env, "healthy")
    ring(redis_server, "reminders.tasks.reminders_send")
    wait_for(
        lambda: Digest.objects.filter(status=DeliveryStatus.SENT).count() == 11,
        timeout=60,
        what="the other digests",
    )
    assert Digest.objects.get(pk=in_doubt.pk).status == DeliveryStatus.SENDING
    # Time passes beyond the lease …
    Digest.objects.filter(pk=in_doubt.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    ring(redis_server, "reminders.tasks.reminders_send")
    wait_for(
        lambda: Digest.objects.filter(status=DeliveryStatus.SENT).count() == 12,
        timeout=60,
        what="the in-doubt digest",
    )
    per_person = Counter(r.envelope_to[0] for r in smtp_server.sink.received)
    assert set(per_person) == {o.email for o in owners}  # nothing lost
    repeated = [address for address, n in per_person.items() if n > 1]
    assert len(repeated) <= 1  # at most the in-flight one
    flagged = Digest.objects.get(pk=in_doubt.pk)
    assert flagged.possible_duplicate and flagged.attempts == 2
    if repeated:
        assert repeated == [flagged.to]


def test_with_redis_down_the_web_keeps_working_and_the_backlog_drains_after(
    client, force, opcc, smtp_server, redis_server, services_started
):
    owners = people_with_deadlines(force, 2)
    env = child_env(
        redis_url=redis_server.url,
        smtp_port=smtp_server.port,
        OVERSIGHT_SCAN_EVERY_SECONDS="1",
        OVERSIGHT_SEND_EVERY_SECONDS="1",
    )
    redis_server.stop()
    services_started(worker("w1"), env, "worker")
    beat = services_started(
        celery("beat", "--loglevel=INFO", "--schedule", str(redis_server.workdir / "beat")),
        env,
        "beat",
    )
    client.force_login(opcc)
    for name in ("recommendations:home", "recommendations:finding-list", "reminders:sent"):
        assert client.get(reverse(name)).status_code == 200
    time.sleep(3)  # beat ticks against a dead broker for a while
    assert smtp_server.sink.received == []
    restarted = RedisServer(redis_server.workdir)
    restarted.port = redis_server.port
    restarted.start()
    try:
        wait_for(
            lambda: len(smtp_server.sink.received) == 2,
            timeout=90,
            what=f"the backlog after Redis returned\n{beat.output()[-1500:]}",
        )
    finally:
        restarted.stop()
    assert sorted(r.envelope_to[0] for r in smtp_server.sink.received) == sorted(
        o.email for o in owners
    )


def test_concurrent_scans_record_each_reminder_once(force):
    people_with_deadlines(force, 30)
    today = timezone.localdate()
    barrier = threading.Barrier(3)
    results: list[int] = []

    def scan() -> None:
        barrier.wait()
        try:
            results.append(services.reminders_scan(today=today).created)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Reminder.objects.count() == 30
    assert sum(results) == 30
    assert services.reminders_scan(today=today).created == 0


def test_beat_runs_the_first_scan_when_it_starts(
    force, smtp_server, redis_server, services_started, tmp_path
):
    people_with_deadlines(force, 1)
    env = child_env(
        redis_url=redis_server.url,
        smtp_port=smtp_server.port,
        OVERSIGHT_SCAN_EVERY_SECONDS="600",
        OVERSIGHT_SEND_EVERY_SECONDS="600",
    )
    services_started(worker("w1"), env, "worker")
    beat = celery("beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule"))
    started = services_started(beat, env, "beat")
    # Not ten minutes later: the health check would call a fresh deploy stale.
    wait_for(ScanRecord.objects.exists, timeout=45, what=f"a scan\n{started.output()[-1500:]}")
