"""What each SMTP outcome means for a digest, against a real SMTP server that answers
each recipient as the test says: greylisting, refusals, outages and late replies."""

import smtplib
from datetime import timedelta

import pytest
from django.utils import timezone

from reminders import services, smtp
from reminders.models import DeliveryStatus, Digest
from tests.reminders.conftest import TODAY, owners_due_in_a_week

pytestmark = pytest.mark.django_db


def composed(report, count: int) -> list:
    owners = owners_due_in_a_week(report, count)
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    return owners


def digest_of(user) -> Digest:
    return Digest.objects.get(recipient=user)


@pytest.mark.parametrize("code", ["450 4.2.0", "451 4.7.1", "452 4.2.2"])
def test_greylisting_at_rcpt_is_retried_and_delivered_once_it_lifts(controlled_smtp, report, code):
    [owner] = composed(report, 1)
    controlled_smtp.sink.behave(owner.email, rcpt=f"{code} Greylisted", lifts_after=60.0)
    now = timezone.now()
    controlled_smtp.sink.clock = lambda: 0.0  # the first try: greylisted
    assert services.digests_send(today=TODAY, now=now) == {"pending": 1}
    digest = digest_of(owner)
    assert digest.status == DeliveryStatus.PENDING and digest.failed_at is None
    assert digest.next_attempt_at == now + timedelta(minutes=2)
    controlled_smtp.sink.clock = lambda: 120.0  # two minutes on: the greylist has lifted
    assert services.digests_send(today=TODAY, now=now + timedelta(minutes=2)) == {"sent": 1}
    assert controlled_smtp.sink.count(owner.email) == 1
    assert not digest_of(owner).possible_duplicate


def test_a_5xx_at_rcpt_fails_that_recipient_only_and_the_batch_goes_on_in_one_session(
    controlled_smtp, report
):
    owners = composed(report, 5)
    refused = owners[2]
    controlled_smtp.sink.behave(refused.email, rcpt="550 5.1.1 No such mailbox")
    assert services.digests_send(today=TODAY) == {"sent": 4, "failed": 1}
    failed = digest_of(refused)
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, 1)
    assert failed.failed_at is not None and "550" in failed.last_error
    assert [controlled_smtp.sink.count(o.email) for o in owners] == [1, 1, 0, 1, 1]
    assert controlled_smtp.sink.sessions == 1


def test_a_554_at_data_is_permanent_and_tried_once(controlled_smtp, report):
    [owner, other] = composed(report, 2)
    controlled_smtp.sink.behave(owner.email, data="554 5.7.1 Message refused")
    now = timezone.now()
    services.digests_send(today=TODAY, now=now)
    for hours in range(1, 25):  # a day of ticks changes nothing
        services.digests_send(today=TODAY, now=now + timedelta(hours=hours))
    digest = digest_of(owner)
    assert (digest.status, digest.attempts) == (DeliveryStatus.FAILED, 1)
    data_replies = [r for r in controlled_smtp.sink.replies if r[:2] == (owner.email, "DATA")]
    assert data_replies == [(owner.email, "DATA", "554 5.7.1 Message refused")]
    assert controlled_smtp.sink.count(other.email) == 1


def test_a_batch_of_fifty_digests_uses_one_smtp_session(controlled_smtp, report):
    composed(report, 50)
    assert services.digests_send(today=TODAY) == {"sent": 50}
    assert controlled_smtp.sink.sessions == 1
    assert len(controlled_smtp.sink.received) == 50


def test_after_the_server_closes_the_session_the_next_digest_opens_a_new_one(
    controlled_smtp, report
):
    composed(report, 2)
    # Digests are claimed in order of their next attempt, then of their ids.
    first, second = (d.recipient for d in Digest.objects.order_by("pk"))
    # 421 at RCPT: the server is closing the channel (smtplib closes the socket).
    controlled_smtp.sink.behave(first.email, rcpt="421 4.3.2 Shutting down", times=1)
    outcome = services.digests_send(today=TODAY)
    assert outcome == {"pending": 1, "sent": 1}
    assert digest_of(first).status == DeliveryStatus.PENDING
    assert controlled_smtp.sink.count(second.email) == 1
    assert controlled_smtp.sink.sessions == 2


def test_while_the_server_is_unreachable_a_tick_tries_one_digest_not_all(controlled_smtp, report):
    composed(report, 5)
    controlled_smtp.down()
    assert services.digests_send(today=TODAY) == {"pending": 1}
    assert sorted(Digest.objects.values_list("attempts", flat=True)) == [0, 0, 0, 0, 1]


def test_a_data_reply_later_than_the_connection_timeout_but_within_the_data_timeout_is_fine(
    controlled_smtp, report, settings
):
    [owner] = composed(report, 1)
    settings.EMAIL_TIMEOUT = 1
    settings.OVERSIGHT_SMTP_DATA_TIMEOUT = 5
    controlled_smtp.sink.behave(owner.email, delay=2.0)
    assert services.digests_send(today=TODAY) == {"sent": 1}
    assert not digest_of(owner).possible_duplicate


def test_a_data_reply_after_the_timeout_flags_the_retry_as_a_possible_duplicate(
    controlled_smtp, report, settings
):
    [owner] = composed(report, 1)
    settings.EMAIL_TIMEOUT = 1
    settings.OVERSIGHT_SMTP_DATA_TIMEOUT = 1
    # The server stores the message, then answers after the client has given up.
    controlled_smtp.sink.behave(owner.email, delay=3.0, times=1)
    now = timezone.now()
    assert services.digests_send(today=TODAY, now=now) == {"pending": 1}
    digest = digest_of(owner)
    assert digest.possible_duplicate and digest.status == DeliveryStatus.PENDING
    assert services.digests_send(today=TODAY, now=now + timedelta(minutes=2)) == {"sent": 1}
    # Two copies reached the person: the second is flagged, with the same Message-ID.
    copies = controlled_smtp.sink.to(owner.email)
    assert len(copies) == 2 and copies[0].message_id == copies[1].message_id
    assert digest_of(owner).possible_duplicate


def test_the_lease_outlasts_the_slowest_send(settings):
    settings.EMAIL_TIMEOUT, settings.OVERSIGHT_SMTP_DATA_TIMEOUT = 30, 120
    assert services.lease() == timedelta(minutes=5)
    settings.OVERSIGHT_SMTP_DATA_TIMEOUT = 600
    assert services.lease() == timedelta(seconds=2 * 630)


def test_backoff_doubles_from_two_minutes_and_is_capped(settings):
    settings.OVERSIGHT_DIGEST_RETRY_MAX_MINUTES = 30
    minutes = [services.backoff(n).total_seconds() / 60 for n in range(1, 9)]
    assert minutes == [2, 4, 8, 16, 30, 30, 30, 30]


def test_a_six_hour_outage_loses_nothing(controlled_smtp, report):
    owners = composed(report, 20)
    controlled_smtp.down()
    start = now = timezone.now()
    while now < start + timedelta(hours=6):
        assert services.digests_send(today=TODAY, now=now).get("sent", 0) == 0
        now += timedelta(minutes=2)  # a send tick every two minutes (beat: every minute)
    assert Digest.objects.filter(status=DeliveryStatus.FAILED).count() == 0
    controlled_smtp.up()
    deadline = now + timedelta(minutes=31)
    while now < deadline and Digest.objects.undelivered().exists():
        services.digests_send(today=TODAY, now=now)
        now += timedelta(minutes=1)
    assert [controlled_smtp.sink.count(o.email) for o in owners] == [1] * 20
    assert not Digest.objects.filter(possible_duplicate=True).exists()


def test_reminders_of_a_digest_undelivered_for_a_day_go_out_in_the_next_days_digest(
    controlled_smtp, report, settings
):
    [owner] = composed(report, 1)
    first = digest_of(owner)
    [reminder] = first.reminders.all()
    controlled_smtp.down()
    now = timezone.now()
    while now <= first.retry_until:
        services.digests_send(today=TODAY, now=now)
        now += timedelta(minutes=settings.OVERSIGHT_DIGEST_RETRY_MAX_MINUTES)
    controlled_smtp.up()
    tomorrow = TODAY + timedelta(days=1)
    outcome = services.digests_dispatch(now=now, today=tomorrow)
    assert outcome["sent"] == 1 and outcome.get("expired") == 1
    first.refresh_from_db()
    assert first.status == DeliveryStatus.FAILED
    reminder.refresh_from_db()
    assert reminder.digest.digest_date == tomorrow
    assert reminder.digest.status == DeliveryStatus.SENT
    [mail] = controlled_smtp.sink.to(owner.email)
    assert mail.message_id == reminder.digest.message_id


@pytest.mark.parametrize(
    ("error", "sent", "permanent", "maybe"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x": (450, b"greylisted")}), None, False, False),
        (smtplib.SMTPRecipientsRefused({"a@x": (421, b"closing")}), None, False, False),
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"unknown")}), None, True, False),
        (smtplib.SMTPDataError(554, b"refused"), True, True, False),
        (smtplib.SMTPDataError(451, b"try later"), True, False, False),
        (smtplib.SMTPSenderRefused(553, b"not ours", "o@x"), None, False, False),
        (smtplib.SMTPServerDisconnected("gone"), False, False, False),
        (smtplib.SMTPServerDisconnected("gone"), True, False, True),
        (TimeoutError("timed out"), True, False, True),
        (smtplib.SMTPServerDisconnected("gone"), None, False, True),  # cannot tell: flag
        (ConnectionRefusedError(), False, False, False),
    ],
)
def test_what_each_outcome_means(error, sent, permanent, maybe):
    failure = smtp.classify(error, message_sent=sent)
    assert (failure.permanent, failure.maybe_delivered) == (permanent, maybe)
