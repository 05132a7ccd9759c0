"""Reminder generation and delivery: scan → compose → send.

* `reminders_scan` records every reminder that has fallen due as a `Reminder` row. Inserts
  ignore conflicts on the unique key, so a repeated, late or concurrent scan adds
  nothing twice, and the number of queries does not grow with the number of
  findings.
* `digests_compose` gathers each person's new reminders into today's `Digest` (one email
  per person per day; reminders that arrive after today's digest has gone wait for
  tomorrow's), and cancels reminders whose item has since been finished or whose
  deadline has moved.
* `digests_send` claims one digest at a time with FOR UPDATE SKIP LOCKED and a committed
  lease, sends it with a stable Message-ID outside any transaction and over one SMTP
  session for the batch, then marks it sent (on a fresh database connection if the
  first has gone). A refusal for good (5xx) fails that digest alone; anything
  temporary is retried with backoff capped at OVERSIGHT_DIGEST_RETRY_MAX_MINUTES until
  the digest is OVERSIGHT_DIGEST_RETRY_HOURS old, when its reminders go into the
  person's next digest instead. A digest whose worker died, or whose reply to the
  message data never came, is sent again flagged as a possible duplicate.
* `digests_dispatch` composes today's digests once the digest hour has come, then
  sends; `reminders_dispatch` scans first. The Celery tasks and `send_reminders`
  call these, so all of them keep the same rules.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Concat
from django.utils import timezone

from audit import services as audit
from recommendations.models import User
from reminders import emails, items, smtp, team
from reminders.audience import Audience
from reminders.items import BATCH, ReminderRow
from reminders.models import DeliveryStatus, Digest, Reminder, ScanRecord
from reminders.policy import Policy
from reminders.smtp import Failure

logger = logging.getLogger(__name__)

# The shortest lease; `lease()` stretches it to cover the slowest possible send.
LEASE = timedelta(minutes=5)
# Tries at the "sent" mark, each on a fresh database connection, before giving up.
MARK_TRIES = 3
GAVE_UP = "Not delivered in time: its reminders go into the next digest. Last error: "
# Any constant will do: it only has to be the same for every scanner.
SCAN_LOCK_KEY = 7_265_001


# ---------------------------------------------------------------- scan


_INSERT_IGNORING_DUPLICATES = """
    INSERT INTO reminders_reminder
        (recipient_id, address, item_type, item_id, kind, occurrence, due_on, cancelled,
         created_at)
    SELECT r.*, false, now()
    FROM unnest(
        %s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::date[], %s::date[]
    ) AS r(recipient_id, address, item_type, item_id, kind, occurrence, due_on)
    ON CONFLICT DO NOTHING
"""
# No conflict target: a person's reminders are unique by recipient, the team address's
# (no recipient) by address, each under its own constraint; either conflict is a repeat.


def _insert(rows: list[ReminderRow]) -> int:
    """Insert the rows that are new, in one statement; return how many were."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_IGNORING_DUPLICATES, [list(column) for column in zip(*rows, strict=True)]
            )
            return cursor.rowcount
    # SQLite (the embedded default): the same guarantee through Django's portable path.
    before = Reminder.objects.count()
    Reminder.objects.bulk_create(
        [
            Reminder(
                recipient_id=r[0],
                address=r[1],
                item_type=r[2],
                item_id=r[3],
                kind=r[4],
                occurrence=r[5],
                due_on=r[6],
            )
            for r in rows
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return Reminder.objects.count() - before


def reminders_record(rows: list[ReminderRow]) -> int:
    """Record reminders decided outside the scan (a session's issued agenda) with the
    same guarantee: a row already recorded for its occasion is not added again, so an
    intent recorded twice is sent once. Call it inside the caller's transaction, so the
    reminders stand or fall with the change that made them due."""
    return _insert(rows)


@dataclass(frozen=True)
class Scan:
    """What a scan did: `created` new reminders; `skipped` items it could not read (each
    logged); `ran` is False when another scan held the lock and this one left it the work."""

    created: int
    skipped: int = 0
    ran: bool = True


def reminders_scan(*, today: date, rules: Policy | None = None) -> Scan:
    """Record every reminder due on or before `today`."""
    rules = rules or Policy.from_settings()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Saves a second concurrent scan the work; correctness comes from the unique key.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    logger.info("Reminder scan for %s skipped: another scan is running", today)
                    return Scan(0, ran=False)
        found = items.Found(Audience.load(), [], team=team.address())
        skipped = 0
        for group in items.sharing_rows():
            # Items that read the same rows (deadlines, escalations) share one pass.
            reading = group[0].window(today=today, rules=rules)
            for row in group[0].rows(reading):
                for item in group:
                    skipped += _remind(item, found, row, today=today, rules=rules)
            skipped += len(reading.skipped)
        created = _insert(found.rows)
        ScanRecord.objects.create(
            finished_at=timezone.now(),
            today=today,
            created=created,
            skipped=skipped,
            unaddressed=found.unaddressed,
        )
    logger.info("Reminder scan for %s recorded %d new reminders", today, created)
    if found.unaddressed:
        logger.error(
            "Reminder scan for %s found %d reminder(s) of deadlines no one owns, and no OPCC "
            "team address to send them to (Reminders → Team address)",
            today,
            found.unaddressed,
        )
    if skipped:
        logger.error("Reminder scan for %s skipped %d item(s) it could not read", today, skipped)
    return Scan(created, skipped)


def _remind(item: items.Item, found: items.Found, row: items.Row, **when: Any) -> int:
    """Offer one row to one item; 1 if the row could not be read (logged, and skipped, so
    that one bad row never stops the reminders of everyone else)."""
    before = len(found.rows)
    try:
        item.remind(found, row, **when)
    except Exception:
        del found.rows[before:]
        logger.exception(
            "Reminder scan skipped %s %s (%s)", row.item_type, row.item_id, type(item).__name__
        )
        return 1
    return 0


@transaction.atomic
def digests_compose(*, today: date, now: datetime | None = None) -> int:
    """Put each person's new reminders into today's digest, and the team address's into
    its own; return how many digests changed."""
    now = now or timezone.now()
    waiting = Reminder.objects.filter(digest__isnull=True, cancelled=False)
    # Items finished or re-dated since the reminder was recorded: tell no one.
    waiting.exclude(items.still_applying(today=today)).update(cancelled=True)
    people = waiting.filter(recipient__isnull=False)
    # People no longer active, or who switched reminders off, get nothing.
    people.exclude(recipient__is_active=True).update(cancelled=True)
    people.filter(recipient__reminder_preference__digest_enabled=False).update(cancelled=True)
    # Recorded for a team address changed since: the next scan records them for the new one.
    waiting.filter(recipient__isnull=True).exclude(address=team.address()).update(cancelled=True)
    # Owned since they were recorded for the team: their owner is reminded instead.
    waiting.filter(items.owned_since()).update(cancelled=True)
    return _compose_for_people(people, today=today, now=now) + _compose_for_team(
        waiting.filter(recipient__isnull=True), today=today, now=now
    )


def _compose_for_team(waiting: QuerySet[Reminder], *, today: date, now: datetime) -> int:
    """The team address's reminders into its digest for today, as for a person."""
    addresses = set(waiting.values_list("address", flat=True).distinct())
    if not addresses:
        return 0
    retry_until = now + timedelta(hours=settings.OVERSIGHT_DIGEST_RETRY_HOURS)
    Digest.objects.bulk_create(
        [
            Digest(
                recipient=None,
                digest_date=today,
                to=address,
                next_attempt_at=now,
                retry_until=retry_until,
            )
            for address in addresses
        ],
        ignore_conflicts=True,
    )
    open_digests = list(
        Digest.objects.select_for_update()
        .filter(
            digest_date=today,
            status=DeliveryStatus.PENDING,
            recipient__isnull=True,
            to__in=addresses,
        )
        .values_list("pk", flat=True)
    )
    waiting.update(
        digest=Subquery(
            Digest.objects.filter(
                pk__in=open_digests, recipient__isnull=True, to=OuterRef("address")
            ).values("pk")[:1]
        )
    )
    return len(open_digests)


def _compose_for_people(waiting: QuerySet[Reminder], *, today: date, now: datetime) -> int:
    recipients = set(waiting.values_list("recipient_id", flat=True).distinct())
    if not recipients:
        return 0
    emails_of = dict(User.objects.filter(pk__in=recipients).values_list("pk", "email"))
    retry_until = now + timedelta(hours=settings.OVERSIGHT_DIGEST_RETRY_HOURS)
    Digest.objects.bulk_create(
        [
            Digest(
                recipient_id=pk,
                digest_date=today,
                to=emails_of[pk],
                next_attempt_at=now,
                retry_until=retry_until,
            )
            for pk in recipients
        ],
        ignore_conflicts=True,
    )
    # Lock today's digests that have not gone yet, so no sender claims one while
    # reminders are being added to it; a digest already sending or sent is
    # skipped and its person's new reminders wait for tomorrow's.
    open_digests = list(
        Digest.objects.select_for_update()
        .filter(digest_date=today, status=DeliveryStatus.PENDING, recipient_id__in=recipients)
        .values_list("pk", flat=True)
    )
    waiting.filter(recipient_id__in=recipients).update(
        digest=Subquery(
            Digest.objects.filter(pk__in=open_digests, recipient=OuterRef("recipient")).values(
                "pk"
            )[:1]
        )
    )
    return len(open_digests)


# ---------------------------------------------------------------- drain


class SentNotRecorded(Exception):
    """The mail server accepted a digest but the database could not be told."""

    def __init__(self, digest: Digest) -> None:
        super().__init__(
            f"Digest {digest.pk} to {digest.to} was accepted by the mail server, but the "
            "database could not record it as sent. It will be sent again, flagged as a "
            "possible duplicate, once its lease runs out."
        )


def lease() -> timedelta:
    """How long a claimed digest is left to its worker: twice the slowest send (the
    connection's timeout and the wait for the reply to the data), and 5 minutes at least,
    so a digest is never taken over while its first attempt may still succeed."""
    slowest = (settings.EMAIL_TIMEOUT or 0) + settings.OVERSIGHT_SMTP_DATA_TIMEOUT
    return max(LEASE, timedelta(seconds=2 * slowest))


def backoff(attempts: int) -> timedelta:
    """2, 4, 8 … minutes after each temporary failure, at most
    OVERSIGHT_DIGEST_RETRY_MAX_MINUTES apart, however long the trouble lasts."""
    return timedelta(
        minutes=min(2 ** min(attempts, 16), settings.OVERSIGHT_DIGEST_RETRY_MAX_MINUTES)
    )


def _message_id(digest: Digest) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(settings.SITE_URL).hostname or "oversight.invalid"
    return f"<digest-{digest.pk}@{host}>"


def digest_claim(*, now: datetime) -> Digest | None:
    """Take one digest to send, with a lease committed before any network I/O."""
    with transaction.atomic():
        digest = (
            Digest.objects.select_for_update(skip_locked=True)
            .claimable(now=now)
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if digest is None:
            return None
        if digest.status == DeliveryStatus.SENDING:
            # Its lease ran out: the worker that held it died, perhaps after the
            # SMTP server accepted the message. Send again, but say so.
            digest.possible_duplicate = True
            logger.warning("Digest %s re-claimed after its lease expired", digest.pk)
        digest.status = DeliveryStatus.SENDING
        digest.attempts = F("attempts") + 1
        digest.next_attempt_at = now + lease()
        digest.message_id = digest.message_id or _message_id(digest)
        digest.save(
            update_fields=[
                "status",
                "attempts",
                "next_attempt_at",
                "message_id",
                "possible_duplicate",
            ]
        )
        digest.refresh_from_db()
        return digest


def digest_deliver(
    digest: Digest, *, today: date, session: smtp.Session, now: datetime | None = None
) -> DeliveryStatus:
    """Send one claimed digest in `session` and record the outcome. SMTP trouble never
    raises, except `smtp.Unreachable` when there is no mail server to talk to."""
    try:
        message = emails.digest_message(digest, today=today)
    except DatabaseError:
        raise
    except Exception as exc:
        # One digest that cannot be written must not hold up everyone else's.
        logger.exception("Digest %s could not be composed", digest.pk)
        return _record_failure(digest, Failure(exc, permanent=True, maybe_delivered=False), now)
    if message is None:
        Digest.objects.filter(pk=digest.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.CANCELLED, last_error="Nothing left to remind about."
        )
        return DeliveryStatus.CANCELLED
    failure = session.send(message)
    if failure is not None:
        return _record_failure(digest, failure, now)
    _mark_sent(digest)
    return DeliveryStatus.SENT


def _mark_sent(digest: Digest) -> None:
    """Record the server's acceptance. A connection dropped now would have the digest
    sent again after its lease, so the mark is tried again on a fresh connection."""
    for attempt in range(1, MARK_TRIES + 1):
        try:
            Digest.objects.filter(pk=digest.pk, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
            )
            return
        except (OperationalError, InterfaceError) as exc:
            logger.warning(
                "Digest %s was accepted but not yet marked sent (try %d of %d): %s",
                digest.pk,
                attempt,
                MARK_TRIES,
                exc,
            )
            if connection.in_atomic_block:
                break  # a fresh connection cannot rescue a broken transaction
            connection.close()  # the next query opens a new connection
            time.sleep(0.2 * attempt)
    raise SentNotRecorded(digest)


def _record_failure(digest: Digest, failure: Failure, now: datetime | None) -> DeliveryStatus:
    now = now or timezone.now()
    changes: dict[str, object] = {"last_error": str(failure)[:2000]}
    if failure.permanent:
        status = DeliveryStatus.FAILED
        changes["failed_at"] = now
    else:
        status = DeliveryStatus.PENDING
        changes["next_attempt_at"] = now + backoff(digest.attempts)
    if failure.maybe_delivered:
        # The server may have stored it before the reply was lost: the next attempt
        # may be a second copy, so it carries the flag.
        changes["possible_duplicate"] = True
    Digest.objects.filter(pk=digest.pk, status=DeliveryStatus.SENDING).update(
        status=status, **changes
    )
    log = logger.error if failure.permanent else logger.warning
    log("Digest %s attempt %s failed: %s", digest.pk, digest.attempts, failure)
    return status


@transaction.atomic
def digests_release_expired(*, now: datetime) -> int:
    """Give up on digests still undelivered when their retries run out, and free their
    reminders for the person's next digest (compose drops any that no longer apply).
    Returns how many digests were given up."""
    expired = list(
        Digest.objects.select_for_update(skip_locked=True)
        .past_retrying(now=now)
        .values_list("pk", flat=True)
    )
    if not expired:
        return 0
    Reminder.objects.filter(digest_id__in=expired, cancelled=False).update(digest=None)
    Digest.objects.filter(pk__in=expired).update(
        status=DeliveryStatus.FAILED,
        failed_at=now,
        last_error=Concat(Value(GAVE_UP), F("last_error"), output_field=TextField()),
    )
    logger.error("Gave up on %d digest(s); their reminders wait for the next digest", len(expired))
    return len(expired)


def _send_batch(*, today: date, now: datetime | None, limit: int) -> dict[str, int]:
    outcomes: dict[str, int] = defaultdict(int)
    # One SMTP session for the batch, reopened only if the server closes it.
    session = smtp.Session()
    try:
        for _ in range(limit):
            digest = digest_claim(now=now or timezone.now())
            if digest is None:
                break
            try:
                status = digest_deliver(digest, today=today, now=now, session=session)
            except smtp.Unreachable as exc:
                # No server: this digest waits its backoff, and the rest of the batch
                # stays as it is for the next tick rather than each timing out in turn.
                failure = Failure(exc, permanent=False, maybe_delivered=False)
                outcomes[str(_record_failure(digest, failure, now).value)] += 1
                break
            outcomes[str(status.value)] += 1
    finally:
        session.close()
    return dict(outcomes)


def digests_send(*, today: date, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send claimable digests until none is left (or `limit` is reached)."""
    expired = digests_release_expired(now=now or timezone.now())
    return {
        **({"expired": expired} if expired else {}),
        **_send_batch(today=today, now=now, limit=limit),
    }


def digest_hour_reached(*, now: datetime) -> bool:
    """Today's digests are composed from OVERSIGHT_DIGEST_HOUR (Europe/London) onwards,
    so people get one email in the morning rather than one at whatever hour beat ran."""
    return timezone.localtime(now).hour >= settings.OVERSIGHT_DIGEST_HOUR


def digests_dispatch(*, now: datetime | None = None, today: date | None = None) -> dict[str, int]:
    """Compose today's digests once the digest hour has come, then send whatever is due.

    Without `today`, the day and the hour are read from `now`, as beat's tick does.
    Given a `today`, the caller has chosen the day (a catch-up run, a test), so its
    digests are composed at once, whatever the hour. Reminders of digests given up
    on are freed first, so that this compose already takes them.
    """
    now = now or timezone.now()
    day = today or timezone.localdate(now)
    expired = digests_release_expired(now=now)
    composed = 0
    if today is not None or digest_hour_reached(now=now):
        composed = digests_compose(today=day, now=now)
    return {
        "digests": composed,
        **({"expired": expired} if expired else {}),
        **_send_batch(today=day, now=now, limit=500),
    }


def reminders_dispatch(*, now: datetime | None = None, today: date | None = None) -> dict[str, int]:
    """The whole job, for `send_reminders`: scan, then `digests_dispatch` (same rules).
    `scan_ran` is 0 when another scan held the lock and this one left the work to it."""
    now = now or timezone.now()
    scan = reminders_scan(today=today or timezone.localdate(now))
    return {
        "recorded": scan.created,
        "scan_ran": int(scan.ran),
        "unreadable": scan.skipped,
        **digests_dispatch(now=now, today=today),
    }


# ---------------------------------------------------------------- by hand

RETRY_NOT_FAILED = "Only a digest that failed can be sent again."
RETRY_NOTHING_LEFT = (
    "Nothing is left in this digest to send: its reminders have gone into a later digest "
    "or no longer apply."
)


@transaction.atomic
def digest_retry(*, digest_id: int, by: User, now: datetime | None = None) -> Digest:
    """OPCC staff send a failed digest again (Sent reminders), to the person's address
    as it is now, with a fresh day of retries. Recorded in the audit trail."""
    now = now or timezone.now()
    digest = (
        Digest.objects.select_for_update(of=("self",)).select_related("recipient").get(pk=digest_id)
    )
    if digest.status != DeliveryStatus.FAILED:
        raise ValidationError(RETRY_NOT_FAILED)
    if not digest.reminders.filter(cancelled=False).exists():
        raise ValidationError(RETRY_NOTHING_LEFT)
    before = {"to": digest.to, "last_error": digest.last_error[:300]}
    if digest.recipient is None:
        digest.to = team.address() or digest.to
    else:
        digest.to = digest.recipient.email or digest.to
    digest.status = DeliveryStatus.PENDING
    digest.failed_at = None
    digest.next_attempt_at = now
    digest.retry_until = now + timedelta(hours=settings.OVERSIGHT_DIGEST_RETRY_HOURS)
    digest.save(update_fields=["to", "status", "failed_at", "next_attempt_at", "retry_until"])
    audit.record(
        audit.Event.CHANGED,
        user=by,
        obj=digest,
        detail={"action": "retry delivery", "before": before, "to": digest.to},
    )
    logger.info("Digest %s queued again by %s", digest.pk, by)
    return digest
