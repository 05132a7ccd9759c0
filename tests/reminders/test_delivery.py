"""Delivery to a real SMTP server: content, Message-ID, retries, failure and leases."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders import emails, services
from reminders.models import DeliveryStatus, Digest
from reminders.services import LEASE
from tests.factories import make_finding
from tests.reminders.conftest import TODAY

pytestmark = pytest.mark.django_db

SECRET = "MARKER-PHRASE-child-Z-disclosed-abuse-at-school"


@pytest.fixture
def due(report, owner, opcc_lead):
    overdue = make_finding(
        report=report,
        owner=owner,
        opcc_lead=opcc_lead,
        due_on=TODAY - timedelta(days=7),
        text=f"The force should ensure {SECRET} is handled.",
        reference="R9",
    )
    soon = make_finding(
        report=report, owner=owner, due_on=TODAY + timedelta(days=7), reference="R2"
    )
    return overdue, soon


def test_the_owner_gets_one_digest_overdue_first_with_links(smtp_server, due, owner, settings):
    settings.SITE_URL = "https://oversight.opcc.example"
    outcome = services.reminders_dispatch(today=TODAY)
    assert outcome["sent"] == 1
    [mail] = smtp_server.sink.to(owner.email)
    body = mail.text()
    assert body.index("R9") < body.index("R2")  # overdue first
    assert "7 days overdue" in body
    overdue, _soon = due
    link = "https://oversight.opcc.example" + reverse(
        "recommendations:finding-detail", args=[overdue.pk]
    )
    assert link in body
    assert mail.message["Subject"].startswith("Oversight: 1 overdue, 2 reminders")
    digest = Digest.objects.get(recipient=owner)
    assert mail.message_id == digest.message_id == f"<digest-{digest.pk}@oversight.opcc.example>"
    assert digest.status == DeliveryStatus.SENT and digest.sent_at


def test_no_finding_text_leaks_into_any_email(smtp_server, due, owner):
    services.reminders_dispatch(today=TODAY)
    assert smtp_server.sink.received
    for mail in smtp_server.sink.received:
        assert SECRET not in mail.message.as_string()
        assert "handled" not in mail.text()


def test_running_again_the_same_day_sends_nothing_more(smtp_server, due, owner):
    services.reminders_dispatch(today=TODAY)
    services.reminders_dispatch(today=TODAY)
    assert len(smtp_server.sink.to(owner.email)) == 1


def test_smtp_down_is_retried_with_backoff_and_delivered_once_back(smtp_server, due, owner):
    smtp_server.sink.refuse = True
    now = timezone.now()
    outcome = services.reminders_dispatch(today=TODAY, now=now)
    assert outcome.get("sent", 0) == 0
    digest = Digest.objects.get(recipient=owner)
    assert digest.status == DeliveryStatus.PENDING
    assert digest.next_attempt_at > now
    assert "SMTP" in digest.last_error
    assert services.digests_send(today=TODAY, now=now) == {}  # backing off: nothing claimable yet
    smtp_server.sink.refuse = False
    later = now + timedelta(minutes=30)
    assert services.digests_send(today=TODAY, now=later).get("sent")
    assert len(smtp_server.sink.to(owner.email)) == 1
    digest.refresh_from_db()
    assert (digest.status, digest.attempts) == (DeliveryStatus.SENT, 2)


def test_a_server_down_all_day_fails_the_digest_and_frees_its_reminders_for_the_next(
    client, smtp_server, due, owner, settings
):
    smtp_server.sink.refuse = True
    now = timezone.now()
    services.reminders_dispatch(today=TODAY, now=now)
    digest = Digest.objects.get(recipient=owner)
    while now < digest.retry_until + timedelta(hours=1):
        now += timedelta(minutes=settings.OVERSIGHT_DIGEST_RETRY_MAX_MINUTES)
        services.digests_send(today=TODAY, now=now)
    digest.refresh_from_db()
    assert digest.status == DeliveryStatus.FAILED
    assert digest.attempts > 6  # every half hour for a day, not six tries in an hour
    assert digest.last_error.startswith(services.GAVE_UP)
    assert not digest.reminders.exists()  # freed for the next digest
    response = client.get(reverse("reminders:health"))
    assert response.status_code == 503
    assert response.json()["failed"] == 1
    assert "failed in the last 24 hours" in " ".join(response.json()["problems"])


def test_health_is_ok_after_a_fresh_scan_and_503_when_the_scan_is_stale(client, settings, db):
    assert client.get(reverse("reminders:health")).status_code == 503  # never scanned
    services.reminders_scan(today=timezone.localdate())
    assert client.get(reverse("reminders:health")).status_code == 200
    settings.OVERSIGHT_SCAN_STALE_MINUTES = -1
    assert client.get(reverse("reminders:health")).status_code == 503


def test_a_digest_whose_worker_died_is_resent_after_its_lease_and_flagged(smtp_server, due, owner):
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    now = timezone.now()
    claimed = services.digest_claim(now=now)
    assert claimed.status == DeliveryStatus.SENDING
    # The worker dies here. Until the lease expires nobody else takes the digest …
    assert services.digest_claim(now=now + LEASE - timedelta(seconds=1)) is None
    # … then it is taken over, flagged, and sent.
    outcome = services.digests_send(today=TODAY, now=now + LEASE + timedelta(seconds=1))
    assert outcome == {"sent": 1}
    digest = Digest.objects.get(pk=claimed.pk)
    assert digest.possible_duplicate and digest.attempts == 2
    assert digest.message_id == claimed.message_id  # the same Message-ID lets mail clients dedupe


def test_the_digest_lines_for_the_dry_run_match_the_email(due, owner):
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    digest = Digest.objects.get(recipient=owner)
    lines = emails.digest_lines(digest, today=TODAY)
    assert [(line.reference, line.days_overdue) for line in lines] == [("R9", 7), ("R2", 0)]


def test_send_reminders_command_dry_run_changes_nothing(due, owner, caplog):
    from io import StringIO

    from django.core.management import call_command

    from reminders.models import Reminder

    out = StringIO()
    call_command("send_reminders", "--dry-run", "--today", TODAY.isoformat(), stdout=out)
    assert f"Would send to {owner.email} (2 item(s))" in out.getvalue()
    assert "R9" in out.getvalue()
    # It records nothing, so nothing it prints or logs says it did (issue 16's bug list).
    assert "would record 2 new reminder(s)" in out.getvalue()
    assert "recorded" not in out.getvalue()
    assert not any("recorded" in record.getMessage() for record in caplog.records)
    assert not Reminder.objects.exists() and not Digest.objects.exists()


def test_send_reminders_command_sends_and_reports(smtp_server, due, owner):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("send_reminders", "--today", TODAY.isoformat(), stdout=out)
    assert "sent 2" in out.getvalue() or "sent 1" in out.getvalue()
    assert f"{owner.email}: sent" in out.getvalue()
    assert smtp_server.sink.to(owner.email)


def test_inactive_people_get_nothing_even_if_already_queued(smtp_server, due, owner):
    services.reminders_scan(today=TODAY)
    owner.is_active = False
    owner.save()
    services.digests_compose(today=TODAY)
    services.digests_send(today=TODAY)
    assert smtp_server.sink.to(owner.email) == []


def test_message_id_is_stable_across_retries(smtp_server, due, owner):
    smtp_server.sink.refuse = True
    now = timezone.now()
    services.reminders_dispatch(today=TODAY, now=now)
    first_id = Digest.objects.get(recipient=owner).message_id
    smtp_server.sink.refuse = False
    services.digests_send(today=TODAY, now=now + timedelta(hours=1))
    [mail] = smtp_server.sink.to(owner.email)
    assert mail.message_id == first_id


def test_digest_date_is_kept_in_the_subject(smtp_server, due, owner):
    services.reminders_dispatch(today=date(2026, 3, 24))
    [mail] = smtp_server.sink.to(owner.email)
    assert "24 March 2026" in mail.message["Subject"]


def test_send_reminders_ends_with_a_clear_message_when_the_database_fails(monkeypatch, db):
    from django.core.management import CommandError, call_command
    from django.db import OperationalError

    def gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "reminders_scan", gone)
    with pytest.raises(CommandError, match=r"database connection failed .* Nothing is lost"):
        call_command("send_reminders", "--today", TODAY.isoformat())
