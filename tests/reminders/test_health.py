"""The health check's thresholds: an outage shows whatever the backoff, and a failure
counts for a window, not for ever."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders import services
from reminders.models import Digest
from tests.reminders.conftest import TODAY

pytestmark = pytest.mark.django_db


def health(client) -> tuple[int, dict]:
    response = client.get(reverse("reminders:health"))
    return response.status_code, response.json()


def test_an_outage_turns_health_red_after_the_threshold_whatever_the_backoff(
    client, due_in_a_week, settings
):
    settings.OVERSIGHT_UNDELIVERED_ALERT_MINUTES = 45
    services.reminders_scan(today=TODAY)
    composed_at = timezone.now() - timedelta(minutes=44)
    services.digests_compose(today=TODAY, now=composed_at)
    # In backoff, its next attempt an hour away: still waiting, so it counts.
    in_an_hour = timezone.now() + timedelta(hours=1)
    Digest.objects.update(created_at=composed_at, next_attempt_at=in_an_hour)
    assert health(client)[0] == 200
    Digest.objects.update(created_at=composed_at - timedelta(minutes=2))
    status, report = health(client)
    assert status == 503 and report["oldest_undelivered_minutes"] == 46
    assert "waited 46 minutes" in " ".join(report["problems"])


def test_a_failure_counts_for_the_window_then_stops_holding_health_red(client, failed, settings):
    services.reminders_scan(today=timezone.localdate())  # a fresh scan
    settings.OVERSIGHT_FAILED_ALERT_HOURS = 24
    status, report = health(client)
    assert (status, report["failed"]) == (503, 1)
    Digest.objects.filter(pk=failed.pk).update(failed_at=timezone.now() - timedelta(hours=25))
    status, report = health(client)
    assert (status, report["failed"]) == (200, 0)
