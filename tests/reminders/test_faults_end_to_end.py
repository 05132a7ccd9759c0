"""The mail faults of issue 13, end to end: real beat and worker processes, real Redis and
PostgreSQL, and a real SMTP server that answers each recipient as the test says. Hours
pass on a simulated clock shared by the test and its processes (tests/support/clock.py).

Each test ends with an exact count, the table in docs/operations.md: digests expected,
delivered, refused for good (visible, never silent), lost (always 0), duplicates (a
person given a digest twice) and flagged (duplicates marked `possible_duplicate`: all).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from reminders.models import DeliveryStatus, Digest, ScanRecord
from tests.reminders.test_end_to_end import people_with_deadlines
from tests.support import processes
from tests.support.clock import SimulatedClock, clocked
from tests.support.processes import celery, child_env, wait_for, worker
from tests.support.smtp import ControlledSmtpServer
from tests.support.subprocesses import run_python

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@dataclass(frozen=True)
class Tally:
    expected: int
    delivered: int
    refused: int
    lost: int
    duplicates: int
    flagged: int


def tally(server: ControlledSmtpServer, owners: list) -> Tally:
    copies = {o.email: server.sink.count(o.email) for o in owners}
    digests = {d.to: d for d in Digest.objects.all()}
    refused = [a for a, d in digests.items() if d.status == DeliveryStatus.FAILED]
    duplicates = [a for a, n in copies.items() if n > 1]
    return Tally(
        expected=len(owners),
        delivered=sum(1 for n in copies.values() if n),
        refused=len(refused),
        lost=sum(1 for a, n in copies.items() if n == 0 and a not in refused),
        duplicates=sum(copies[a] - 1 for a in duplicates),
        flagged=sum(1 for a in duplicates if digests[a].possible_duplicate),
    )


def settled() -> bool:
    """Every digest delivered or refused for good: nothing left to try."""
    return Digest.objects.exists() and not Digest.objects.undelivered().exists()


@pytest.fixture
def mail():
    with ControlledSmtpServer() as server:
        yield server


@pytest.fixture
def fast_clock(monkeypatch) -> Callable[[float], SimulatedClock]:
    """A simulated clock from 09:00 today (London), so a test's hours stay on its day,
    used by this process too (the health check, `localdate`)."""

    def make(speed: float) -> SimulatedClock:
        nine = timezone.make_aware(datetime.combine(timezone.localdate(), time(9)))
        clock = SimulatedClock(start=nine, speed=speed)
        monkeypatch.setattr(timezone, "now", clock.now)
        return clock

    return make


def start_beat_and_worker(services_started, tmp_path, env, clock=None):
    wrap = clocked if clock is not None else (lambda args: args)
    extra = clock.env() if clock is not None else {}
    env = {**env, **extra, "OVERSIGHT_SCAN_EVERY_SECONDS": "1", "OVERSIGHT_SEND_EVERY_SECONDS": "1"}
    w = services_started(wrap(worker("w1")), env, "worker")
    beat = celery("beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule"))
    b = services_started(wrap(beat), env, "beat")
    return w, b


def test_greylisting_lifted_after_a_minute_delivers_and_a_5xx_fails_only_its_recipient(
    force, mail, redis_server, services_started, tmp_path, fast_clock
):
    clock = fast_clock(speed=60)  # a simulated minute a second
    mail.sink.clock = clock.seconds
    owners = people_with_deadlines(force, 6)
    for owner in owners[:3]:
        mail.sink.greylist(owner.email, seconds=60)
    mail.sink.behave(owners[3].email, rcpt="550 5.1.1 No such mailbox here")
    env = child_env(redis_url=redis_server.url, smtp_port=mail.port)
    w, _ = start_beat_and_worker(services_started, tmp_path, env, clock)
    wait_for(settled, timeout=90, what=f"every digest settled\n{w.output()[-2000:]}")
    assert tally(mail, owners) == Tally(6, 5, 1, 0, 0, 0)
    for owner in owners[:3]:
        replies = [r[2][:3] for r in mail.sink.replies if r[:2] == (owner.email, "RCPT")]
        assert replies == ["450", "250"]  # refused once while greylisted, then accepted
    assert Digest.objects.get(to=owners[3].email).attempts == 1


def test_a_seven_hour_outage_loses_nothing(
    client, force, mail, redis_server, services_started, tmp_path, fast_clock
):
    clock = fast_clock(speed=1200)  # twenty simulated minutes a second
    owners = people_with_deadlines(force, 10)
    mail.down()
    env = child_env(redis_url=redis_server.url, smtp_port=mail.port)
    w, _ = start_beat_and_worker(services_started, tmp_path, env, clock)
    wait_for(lambda: Digest.objects.count() == 10, timeout=60, what="the digests composed")
    outage_ends = clock.now() + timedelta(hours=7)
    wait_for(lambda: clock.now() >= outage_ends, timeout=60, what="seven simulated hours")
    # All still waiting (one may be mid-attempt), none given up or failed.
    assert Digest.objects.undelivered().count() == 10
    response = client.get(reverse("reminders:health"))
    assert response.status_code == 503  # an outage shows, whatever the backoff
    assert response.json()["oldest_undelivered_minutes"] >= 7 * 60 - 20
    mail.up()
    wait_for(settled, timeout=60, what=f"the backlog delivered\n{w.output()[-2000:]}")
    assert tally(mail, owners) == Tally(10, 10, 0, 0, 0, 0)
    assert client.get(reverse("reminders:health")).json()["failed"] == 0


def test_a_data_reply_after_the_timeout_is_sent_again_and_flagged(
    force, mail, redis_server, services_started, tmp_path, fast_clock
):
    clock = fast_clock(speed=30)
    owners = people_with_deadlines(force, 4)
    late, slowish = owners[0], owners[1]
    # Stored at once, answered 10 s later: after the client's 5 s wait for the reply.
    mail.sink.behave(late.email, delay=10.0, times=1)
    # Answered after 3 s: beyond the connection's 2 s timeout, within the DATA reply's.
    mail.sink.behave(slowish.email, delay=3.0, times=1)
    env = child_env(
        redis_url=redis_server.url,
        smtp_port=mail.port,
        EMAIL_TIMEOUT="2",
        OVERSIGHT_SMTP_DATA_TIMEOUT="5",
    )
    w, _ = start_beat_and_worker(services_started, tmp_path, env, clock)
    wait_for(settled, timeout=90, what=f"every digest settled\n{w.output()[-2000:]}")
    assert tally(mail, owners) == Tally(4, 4, 0, 0, 1, 1)
    assert Digest.objects.get(to=late.email).attempts == 2
    assert not Digest.objects.get(to=slowish.email).possible_duplicate


def _kill_other_connections(keep: set[int]) -> Callable[[list[str]], None]:
    """An `on_data` hook: once the server has the message, and before it says so,
    terminate every connection to the test database but the test's own."""
    url, name = processes.test_database_url(), connection.settings_dict["NAME"]
    done = threading.Event()

    def kill(recipients: list[str]) -> None:
        if done.is_set():
            return
        done.set()
        with psycopg.connect(url, autocommit=True) as killer:
            killer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid() AND NOT pid = ANY(%s)",
                [name, list(keep)],
            )

    return kill


def _own_backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_connection_killed_between_smtp_acceptance_and_the_sent_mark_loses_nothing(
    force, mail, redis_server, services_started, tmp_path
):
    owners = people_with_deadlines(force, 5)
    mail.sink.on_data = _kill_other_connections({_own_backend()})
    env = child_env(redis_url=redis_server.url, smtp_port=mail.port)
    w, _ = start_beat_and_worker(services_started, tmp_path, env)
    wait_for(settled, timeout=90, what=f"every digest settled\n{w.output()[-2000:]}")
    assert tally(mail, owners) == Tally(5, 5, 0, 0, 0, 0)
    assert set(Digest.objects.values_list("attempts", flat=True)) == {1}
    assert "not yet marked sent (try 1 of 3)" in w.output()


def test_send_reminders_survives_the_same_kill_and_says_what_it_did(force, mail, tmp_path):
    owners = people_with_deadlines(force, 3)
    mail.sink.on_data = _kill_other_connections({_own_backend()})
    env = child_env(redis_url="", smtp_port=mail.port)
    result = run_python(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('send_reminders')",
        env,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sent 3, failed 0, to retry 0" in result.stdout
    assert "Traceback" not in result.stderr
    assert tally(mail, owners) == Tally(3, 3, 0, 0, 0, 0)


def test_send_reminders_that_cannot_record_a_send_says_so_plainly(force, mail):
    people_with_deadlines(force, 1)
    settings_dict = connection.settings_dict
    port = settings_dict["PORT"]
    own, url = _own_backend(), processes.test_database_url()

    def database_gone(recipients: list[str]) -> None:
        # Accepted; now the database goes, and stays gone while the mark is retried.
        settings_dict["PORT"] = "1"
        with psycopg.connect(url, autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", [own])

    mail.sink.on_data = database_gone
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=mail.port,
        EMAIL_TIMEOUT=5,
        OVERSIGHT_DIGEST_HOUR=0,  # whatever the hour the suite runs at
    ):
        try:
            with pytest.raises(CommandError) as refused:
                call_command("send_reminders")
        finally:
            settings_dict["PORT"] = port
            connection.close()
    assert "was accepted by the mail server, but the database could not record it" in str(
        refused.value
    )
    assert "flagged as a possible duplicate" in str(refused.value)
    assert Digest.objects.get().status == DeliveryStatus.SENDING  # for the lease to resolve


def test_a_554_at_data_is_refused_for_good_after_one_try(
    client, force, mail, redis_server, services_started, tmp_path
):
    owners = people_with_deadlines(force, 4)
    refused = owners[2]
    mail.sink.behave(refused.email, data="554 5.7.1 Message refused by policy")
    env = child_env(redis_url=redis_server.url, smtp_port=mail.port)
    w, _ = start_beat_and_worker(services_started, tmp_path, env)
    wait_for(settled, timeout=90, what=f"every digest settled\n{w.output()[-2000:]}")
    scans = ScanRecord.objects.count()
    wait_for(lambda: ScanRecord.objects.count() >= scans + 3, timeout=30, what="more ticks")
    assert tally(mail, owners) == Tally(4, 3, 1, 0, 0, 0)
    data_tries = [r for r in mail.sink.replies if r[:2] == (refused.email, "DATA")]
    assert len(data_tries) == 1
    assert client.get(reverse("reminders:health")).status_code == 503  # and it says so
