"""With Redis configured the cache is shared: another process sees a write at once.
Without Redis reachable, pages still work and /healthz says the cache is degraded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse

from dashboards import freshness
from oversight import cache as cache_module
from oversight.cache import TolerantRedisCache
from tests.factories import make_finding, make_report

ROOT = Path(__file__).resolve().parent.parent

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the shared cache is Redis: REDIS_URL is not set"
)


def read_in_another_process(code: str) -> object:
    """Run `code` (which sets `result`) in a new Python process with the same settings."""
    script = "import django, json; django.setup()\n" + code + "\nprint(json.dumps(result))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "oversight.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@needs_redis
def test_redis_is_the_cache_when_configured():
    assert isinstance(_default(), TolerantRedisCache)


def _default():
    from django.core.cache import caches

    return caches["default"]


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_another_process_sees_a_write_as_soon_as_it_commits(force):
    before = freshness.data_version()
    seen_before = read_in_another_process(
        "from dashboards import freshness; result = freshness.data_version()"
    )
    assert seen_before == before
    make_finding(report=make_report(force=force))  # commits: no test transaction here
    after = freshness.data_version()
    assert after != before
    seen_after = read_in_another_process(
        "from dashboards import freshness; result = freshness.data_version()"
    )
    assert seen_after == after


@needs_redis
def test_clearing_the_cache_leaves_celerys_queue_alone():
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    client.lpush("celery-test-queue", "a queued task")
    try:
        cache.set("something", 1)
        cache.clear()
        assert cache.get("something") is None
        assert client.lrange("celery-test-queue", 0, -1) == [b"a queued task"]
    finally:
        client.delete("celery-test-queue")


@pytest.fixture
def redis_down(settings):
    """The cache pointed at a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "oversight.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "KEY_PREFIX": "oversight-cache",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    TolerantRedisCache.last_failure = 0.0
    TolerantRedisCache._last_logged = 0.0
    yield
    TolerantRedisCache.last_failure = 0.0
    TolerantRedisCache.missed_write = False


@pytest.mark.django_db
def test_with_the_cache_down_every_page_still_answers(redis_down, client, opcc, force, monkeypatch):
    logged = []
    monkeypatch.setattr(cache_module.logger, "warning", lambda *args: logged.append(args))
    TolerantRedisCache._last_logged = 0.0  # the fixtures' own writes have logged already
    report = make_report(force=force)
    make_finding(report=report)
    client.force_login(opcc)
    for url in (
        reverse("dashboards:dashboard"),
        reverse("recommendations:finding-list"),
        reverse("recommendations:report-detail", args=[report.pk]),
        reverse("recommendations:home"),
    ):
        assert client.get(url).status_code == 200, url
    # The dashboard's figures are computed afresh, and right.
    response = client.get(reverse("dashboards:dashboard"))
    assert next(f.value for f in response.context["board"].headline if f.label == "Open") == 1
    # Logged once a minute, not once per operation.
    assert len(logged) == 1
    health = client.get(reverse("healthz"))
    assert health.status_code == 200 and health.json()["cache"] == "degraded"


def test_a_down_cache_reads_as_empty_and_keeps_nothing(redis_down):
    assert cache.get("anything", "default") == "default"
    cache.set("anything", 1)
    assert cache.get_many(["anything"]) == {}
    assert cache.add("new", 0) is True
    assert cache.incr("new") == 1
    assert cache.get_or_set("version", 7) == 7
    assert cache.clear() is False


@needs_redis
@pytest.mark.django_db
def test_healthz_says_the_cache_is_shared(client):
    assert client.get(reverse("healthz")).json()["cache"] == "shared"
