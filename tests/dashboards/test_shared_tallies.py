"""With Redis as the cache, the all-forces counts kept per force are shared: a force is
counted once, by whichever process looks first, and read by every other. Redis down
means counting (never an error), and beat's warm-up counts the day ahead of the first look."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dashboards import counts, freshness, services, tallies, tasks
from recommendations import services as services_of_findings
from recommendations.models import Finding, Force, Role, Status
from tests.dashboards.test_tallies import CountSpy, all_forces, normalised
from tests.factories import make_finding, make_report, make_user
from tests.support import processes

ROOT = Path(__file__).resolve().parents[2]

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the shared cache is Redis: REDIS_URL is not set"
)

# Process B: one look at the all-forces counts, as the dashboard takes it, and what it did.
LOOK = """
import django, json
django.setup()
from django.conf import settings
settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 60
from django.utils import timezone
from dashboards import counts, tallies
from dashboards.scope import Scope, load_names
from recommendations.models import User
user = User.objects.get(username=%r)
today = timezone.localdate()
scope = Scope(user=user, today=today, names=load_names(user, today=today))
asked = []
def count(scope, *, forces=None):
    asked.append(sorted(forces, key=repr))
    return counts.grouped_rows(scope, forces=forces)
rows = tallies.all_forces_rows(scope, count)
look = tallies.last_look()
print(json.dumps({
    "asked": asked,
    "read": sorted(look.read, key=repr),
    "rows": sorted(
        repr(r[: counts.FORCE] + tuple(v or 0 for v in r[counts.COUNTS])) for r in rows
    ),
}))
"""


def look_in_another_process(username: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oversight.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": processes.test_database_url(),
    }
    done = subprocess.run(
        [sys.executable, "-c", LOOK % username], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def as_in_another_process(rows: list[tuple]) -> list[str]:
    return sorted(repr(row) for row in normalised(rows))


@pytest.fixture
def kept(settings):
    settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 60


@pytest.fixture
def findings(force, other_force, lead):
    today = timezone.localdate()
    elsewhere = make_user(Role.FORCE_LEAD, force=other_force, username="shared-elsewhere")
    made = {}
    for f, owner in ((force, lead), (other_force, elsewhere)):
        report = make_report(force=f)
        for i, status in enumerate([Status.NOT_STARTED, Status.IN_PROGRESS]):
            made[(f.pk, i)] = make_finding(
                report=report, owner=owner, status=status, due_on=today + timedelta(days=9 * i - 5)
            )
    return made


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_force_is_counted_once_for_every_process(
    reference_data, kept, opcc, force, other_force, findings
):
    every_force = {force.pk, other_force.pk, None}
    spy = CountSpy()
    cache.clear()  # the fixtures' writes counted their forces at commit: start with none
    # Process A looks first: it counts every force, and shares them.
    scope = all_forces(opcc)
    tallies.all_forces_rows(scope, spy)
    assert spy.calls == [every_force]

    # Process B, a new process with nothing of its own, counts nothing: it reads them.
    seen = look_in_another_process(opcc.username)
    assert seen["asked"] == []
    assert len(seen["read"]) == 3
    assert seen["rows"] == as_in_another_process(counts.grouped_rows(scope))

    # A write in process A (committed: no test transaction here) counts its force once
    # it has committed, and shares it …
    finding = Finding.objects.get(pk=findings[(force.pk, 0)].pk)
    finding.status = Status.REPORTED_COMPLETE
    finding.save()

    # … so process B's next look shows it, reading that force rather than counting it.
    seen = look_in_another_process(opcc.username)
    assert seen["asked"] == []
    scope = all_forces(opcc)
    assert seen["rows"] == as_in_another_process(counts.grouped_rows(scope))

    # Process A's own next look reads it too: its tally had the old version.
    rows = tallies.all_forces_rows(scope, spy)
    assert len(spy.calls) == 1
    assert tallies.last_look().read == {force.pk}
    assert normalised(rows) == normalised(counts.grouped_rows(scope))


@needs_redis
def test_shared_counts_need_no_time_bound(kept, opcc, force, findings, monkeypatch):
    """The versions are shared, so a process hears of every write: nothing to expire."""
    assert tallies.shared()
    spy = CountSpy()
    tallies.all_forces_rows(all_forces(opcc), spy)
    later = tallies.time.monotonic() + 3600
    monkeypatch.setattr(tallies.time, "monotonic", lambda: later)
    tallies.all_forces_rows(all_forces(opcc), spy)
    assert len(spy.calls) == 1


@pytest.fixture
def redis_down(settings):
    """The cache pointed at a port where nothing listens."""
    from oversight.cache import TolerantRedisCache

    settings.CACHES = {
        "default": {
            "BACKEND": "oversight.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "KEY_PREFIX": "oversight-cache",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield
    TolerantRedisCache.last_failure = 0.0
    TolerantRedisCache.missed_write = False


@pytest.mark.django_db
def test_with_redis_down_the_dashboard_counts_every_force_and_answers(
    redis_down, kept, client, opcc, force, other_force, findings
):
    client.force_login(opcc)
    url = reverse("dashboards:dashboard")

    def open_figure() -> int:
        response = client.get(url)
        assert response.status_code == 200
        return next(f.value for f in response.context["board"].headline if f.label == "Open")

    assert open_figure() == 4
    assert tallies.last_look().counted == {force.pk, other_force.pk, None}
    Finding.objects.filter(pk=findings[(force.pk, 0)].pk).delete()
    # No versions to read, so nothing kept can be trusted: counted again, and right.
    assert open_figure() == 3
    assert tallies.last_look().counted == {force.pk, other_force.pk, None}
    assert services.dashboard_counts_warm(today=timezone.localdate()) == 3


@needs_redis
def test_the_warm_up_counts_the_day_so_the_first_look_reads_it(
    kept, opcc, force, other_force, findings
):
    assert tasks.dashboard_counts_warm.apply().get() == 3  # every force, and no force
    tallies.forget_all()  # a web process that has not looked yet
    spy = CountSpy()
    scope = all_forces(opcc)
    rows = tallies.all_forces_rows(scope, spy)
    assert spy.calls == []
    assert tallies.last_look().read == {force.pk, other_force.pk, None}
    assert normalised(rows) == normalised(counts.grouped_rows(scope))
    # Run again with nothing written: nothing to count.
    assert services.dashboard_counts_warm(today=timezone.localdate()) == 0
    # After a write, only the force written to.
    finding = Finding.objects.get(pk=findings[(other_force.pk, 1)].pk)
    finding.status = Status.REPORTED_COMPLETE
    finding.save()
    assert services.dashboard_counts_warm(today=timezone.localdate()) == 1


@needs_redis
def test_the_warm_up_counts_the_new_day_afresh(kept, opcc, force, findings):
    today = timezone.localdate()
    assert services.dashboard_counts_warm(today=today) == 3
    assert services.dashboard_counts_warm(today=today + timedelta(days=1)) == 3


def test_the_warm_up_does_nothing_without_a_shared_cache(settings, kept):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert services.dashboard_counts_warm(today=timezone.localdate()) == 0


def test_the_warm_up_is_on_beats_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-counts-warm"]
    assert entry["task"] == tasks.dashboard_counts_warm.name
    assert entry["schedule"] <= timedelta(minutes=10)


def test_a_version_read_with_redis_down_is_new_each_time(redis_down, force):
    _, first = freshness.findings_versions([force.pk])
    _, second = freshness.findings_versions([force.pk])
    assert first[force.pk] != second[force.pk]


@needs_redis
def test_a_write_redis_missed_moves_every_version_on_once_it_is_back(
    kept, opcc, force, other_force, findings, monkeypatch
):
    """Redis unreachable while a write moved a version on: the shared counts still say the
    old version. When Redis answers again, everything is counted afresh, once."""
    from django.core.cache.backends.redis import RedisCacheClient
    from redis.exceptions import ConnectionError as RedisConnectionError

    from oversight.cache import TolerantRedisCache

    spy = CountSpy()
    tallies.all_forces_rows(all_forces(opcc), spy)

    def unreachable(*args, **kwargs):
        raise RedisConnectionError("down")

    with monkeypatch.context() as down:
        down.setattr(RedisCacheClient, "incr", unreachable)
        down.setattr(RedisCacheClient, "set", unreachable)
        finding = Finding.objects.get(pk=findings[(force.pk, 0)].pk)
        finding.status = Status.REPORTED_COMPLETE
        finding.save()
    assert TolerantRedisCache.missed_write
    try:
        tallies.forget_all()  # another process, which kept nothing of its own
        rows = tallies.all_forces_rows(all_forces(opcc), spy)
        assert spy.calls == [{force.pk, other_force.pk, None}] * 2
        assert normalised(rows) == normalised(counts.grouped_rows(all_forces(opcc)))
        assert not TolerantRedisCache.missed_write
    finally:
        TolerantRedisCache.missed_write = False
        TolerantRedisCache.last_failure = 0.0


@pytest.fixture
def shares(monkeypatch):
    """Each call of the count at commit, by the forces it was given."""
    calls: list[set] = []
    real = services.dashboard_counts_share

    def spy(forces, *, today):
        calls.append(set(forces))
        return real(forces, today=today)

    monkeypatch.setattr(services, "dashboard_counts_share", spy)
    return calls


@needs_redis
@pytest.mark.django_db
def test_a_write_counts_its_force_once_committed_and_the_next_look_reads_it(
    kept, opcc, lead, force, other_force, findings, shares, django_capture_on_commit_callbacks
):
    tallies.all_forces_rows(all_forces(opcc), CountSpy())
    finding = findings[(force.pk, 1)]
    with django_capture_on_commit_callbacks(execute=True):
        services_of_findings.progress_update_add(
            finding=finding,
            expected_version=finding.version,
            author=lead,
            narrative="Illustrative: the second hub has started the new triage process.",
            rag="green",
            as_at=timezone.localdate(),
        )
    # Once, and for this force (the test's own transaction also holds the fixtures'
    # writes, so their forces may come with it).
    assert len(shares) == 1 and force.pk in shares[0]
    spy = CountSpy()
    rows = tallies.all_forces_rows(all_forces(opcc), spy)
    assert spy.calls == []
    assert tallies.last_look().read == {force.pk}
    assert normalised(rows) == normalised(counts.grouped_rows(all_forces(opcc)))


@needs_redis
@pytest.mark.django_db
def test_a_finding_moved_between_forces_counts_both_and_a_report_counts_none_at_commit(
    kept, force, other_force, findings, shares, django_capture_on_commit_callbacks
):
    finding = Finding.objects.get(pk=findings[(force.pk, 0)].pk)
    finding.force = other_force
    with django_capture_on_commit_callbacks(execute=True):
        finding.save()
    assert shares == [{force.pk, other_force.pk}]
    shares.clear()
    # A report's dates move every force's figures (the epoch): left to the next look.
    with django_capture_on_commit_callbacks(execute=True):
        finding.report.save()
    assert shares == []


@pytest.mark.django_db
def test_without_a_shared_cache_or_with_caching_off_nothing_is_counted_at_commit(
    settings, kept, force, findings, django_assert_num_queries
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with django_assert_num_queries(0):
        assert services.dashboard_counts_share({force.pk}, today=timezone.localdate()) == 0
    settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 0
    with django_assert_num_queries(0):
        assert services.dashboard_counts_share({force.pk}, today=timezone.localdate()) == 0


@needs_redis
@pytest.mark.django_db
def test_a_count_that_fails_after_commit_leaves_the_write_standing(
    kept, client, lead, force, findings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("illustrative failure while counting")

    monkeypatch.setattr(counts, "grouped_rows", broken)
    finding = findings[(force.pk, 1)]
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("recommendations:update-create", args=[finding.pk]),
            {
                "version": finding.version,
                "narrative": "Illustrative: progress reviewed with the hub leads.",
                "rag": "amber",
                "as_at": timezone.localdate().isoformat(),
            },
        )
    assert response.status_code == 302
    assert finding.updates.count() == 1
    assert "Counting the dashboard after a write failed" in caplog.text


@needs_redis
@pytest.mark.django_db
def test_many_writes_in_one_transaction_count_their_force_once_after_the_last(
    kept, opcc, force, other_force, findings, shares, django_capture_on_commit_callbacks
):
    tallies.all_forces_rows(all_forces(opcc), CountSpy())
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for status in (Status.IN_PROGRESS, Status.REPORTED_COMPLETE, Status.IN_PROGRESS):
            for i in (0, 1):
                finding = Finding.objects.get(pk=findings[(force.pk, i)].pk)
                finding.status = status
                finding.save()
    assert len(shares) == 1 and force.pk in shares[0]  # (the fixtures' writes: above)
    # Counted after the last write's version moved on, so the next look reads it.
    spy = CountSpy()
    rows = tallies.all_forces_rows(all_forces(opcc), spy)
    assert spy.calls == []
    assert tallies.last_look().read == {force.pk}
    assert normalised(rows) == normalised(counts.grouped_rows(all_forces(opcc)))


@needs_redis
@pytest.mark.django_db
def test_a_transaction_rolled_back_counts_nothing_and_leaves_the_next_one_counting(
    kept, force, other_force, findings, shares, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                finding = Finding.objects.get(pk=findings[(force.pk, 0)].pk)
                finding.status = Status.REPORTED_COMPLETE
                finding.save()
                raise RuntimeError("illustrative: the rest of the write failed")
        except RuntimeError:
            pass
    assert shares == []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        finding = Finding.objects.get(pk=findings[(other_force.pk, 0)].pk)
        finding.status = Status.REPORTED_COMPLETE
        finding.save()
    assert shares == [{other_force.pk}]


@needs_redis
@pytest.mark.django_db
def test_a_transaction_writing_to_many_forces_leaves_them_to_the_next_look(
    kept, force, other_force, findings, shares, django_capture_on_commit_callbacks
):
    third = Force.objects.create(name="Illustrative Third Constabulary")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for f in (force, other_force, third):
            make_finding(report=make_report(force=f))
    assert shares == []
