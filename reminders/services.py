"""Reminder generation and delivery: scan → compose → drain.

* `scan` records every reminder that has fallen due as a `Reminder` row. Inserts
  ignore conflicts on the unique key, so a repeated, late or concurrent scan adds
  nothing twice, and the number of queries does not grow with the number of
  findings.
* `compose` gathers each person's new reminders into today's `Digest` (one email
  per person per day; reminders that arrive after today's digest has gone wait for
  tomorrow's), and cancels reminders whose item has since been finished or whose
  deadline has moved.
* `drain` claims one digest at a time with FOR UPDATE SKIP LOCKED and a committed
  lease, sends it with a stable Message-ID outside any transaction, then marks it
  sent. A failed send is retried with backoff and ends as `failed`; a digest whose
  worker died is re-sent after its lease expires and flagged as a possible
  duplicate.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from recommendations.models import (
    ACTIVE_STATUSES,
    S55_RESPONSE_DAYS,
    Action,
    Finding,
    FindingKind,
    PpogMeeting,
    Report,
    ReportKind,
    Role,
    Status,
    User,
)
from reminders import emails, policy
from reminders.models import (
    DeliveryStatus,
    Digest,
    ItemType,
    Reminder,
    ReminderKind,
    ReminderPreference,
    ScanRecord,
)
from reminders.policy import Occasion, Policy

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
BATCH = 2000
# Any constant will do: it only has to be the same for every scanner.
SCAN_LOCK_KEY = 7_265_001


# ---------------------------------------------------------------- who is told


@dataclass
class Audience:
    """Active people with an email address, their roles, scopes and preferences."""

    force_of: dict[int, int | None]
    preferences: dict[int, ReminderPreference]
    roles: dict[str, set[int]]

    @classmethod
    def load(cls) -> Audience:
        people = User.objects.filter(is_active=True).exclude(email="").values_list("pk", "force_id")
        force_of = dict(people)
        memberships = User.groups.through.objects.filter(
            user_id__in=force_of.keys(),
            group__in=Group.objects.filter(name__in=[r.value for r in Role]),
        ).values_list("user_id", "group__name")
        roles: dict[str, set[int]] = defaultdict(set)
        for user_id, group in memberships:
            roles[group].add(user_id)
        preferences = {
            p.user_id: p for p in ReminderPreference.objects.filter(user_id__in=force_of)
        }
        return cls(force_of=force_of, preferences=preferences, roles=roles)

    def wants(self, user_id: int | None, kind: str) -> bool:
        if user_id is None or user_id not in self.force_of:
            return False
        preference = self.preferences.get(user_id)
        return preference is None or preference.wants(kind)

    def with_role(self, role: Role, *, force_id: int | None) -> list[int]:
        """People in the role who can see the force (scoped to it, or to no force)."""
        return sorted(
            user_id
            for user_id in self.roles.get(role.value, ())
            if self.force_of[user_id] is None or self.force_of[user_id] == force_id
        )

    def chief_constables_office(self, force_id: int | None) -> list[int]:
        """Viewers scoped to the force: the Chief Constable's office."""
        return sorted(
            user_id
            for user_id in self.roles.get(Role.VIEWER.value, ())
            if force_id is not None and self.force_of[user_id] == force_id
        )


# ---------------------------------------------------------------- scan


@dataclass
class _Collector:
    audience: Audience
    rows: list[tuple[int, str, int, str, date, date]]

    def add(
        self,
        recipients: Iterable[int | None],
        item_type: ItemType,
        item_id: int,
        occasion: Occasion | None,
        due_on: date,
    ) -> None:
        if occasion is None:
            return
        for user_id in set(recipients):
            if self.audience.wants(user_id, occasion.kind):
                self.rows.append(
                    (user_id, item_type.value, item_id, occasion.kind.value, occasion.on, due_on)
                )


_INSERT_IGNORING_DUPLICATES = """
    INSERT INTO reminders_reminder
        (recipient_id, item_type, item_id, kind, occurrence, due_on, cancelled, created_at)
    SELECT r.*, false, now()
    FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::date[], %s::date[])
        AS r(recipient_id, item_type, item_id, kind, occurrence, due_on)
    ON CONFLICT (recipient_id, item_type, item_id, kind, occurrence) DO NOTHING
"""


def _insert(rows: list[tuple[int, str, int, str, date, date]]) -> int:
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
                item_type=r[1],
                item_id=r[2],
                kind=r[3],
                occurrence=r[4],
                due_on=r[5],
            )
            for r in rows
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return Reminder.objects.count() - before


def scan(*, today: date, rules: Policy | None = None) -> int:
    """Record every reminder due on or before `today`; return how many were new."""
    rules = rules or Policy.from_settings()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Saves a second concurrent scan the work; correctness comes from the unique key.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    return 0
        collector = _Collector(Audience.load(), [])
        _scan_deadlines(collector, today, rules)
        _scan_reports(collector, today, rules)
        _scan_ppog(collector, today, rules)
        _scan_assurance_backlog(collector, today, rules)
        created = _insert(collector.rows)
        ScanRecord.objects.create(finished_at=timezone.now(), today=today, created=created)
    logger.info("Reminder scan for %s recorded %d new reminders", today, created)
    return created


def _scan_deadlines(collector: _Collector, today: date, rules: Policy) -> None:
    horizon = today + timedelta(days=rules.horizon_days)
    escalate_to: dict[int | None, list[int]] = {}

    def escalation_recipients(lead_id: int | None, force_id: int | None) -> list[int | None]:
        if force_id not in escalate_to:
            escalate_to[force_id] = collector.audience.chief_constables_office(force_id)
        return [lead_id, *escalate_to[force_id]]

    findings = (
        Finding.objects.active()
        .filter(kind=FindingKind.RECOMMENDATION, due_on__isnull=False, due_on__lte=horizon)
        .values_list("pk", "due_on", "owner_id", "opcc_lead_id", "force_id")
        .iterator(chunk_size=BATCH)
    )
    actions = (
        Action.objects.open()
        .filter(due_on__isnull=False, due_on__lte=horizon, finding__status__in=ACTIVE_STATUSES)
        .values_list("pk", "due_on", "owner_id", "finding__opcc_lead_id", "finding__force_id")
        .iterator(chunk_size=BATCH)
    )
    for item_type, rows in ((ItemType.FINDING, findings), (ItemType.ACTION, actions)):
        for pk, due_on, owner_id, lead_id, force_id in rows:
            occasion = policy.deadline_occasion(due_on, today=today, policy=rules)
            collector.add([owner_id], item_type, pk, occasion, due_on)
            escalation = policy.escalation_occasion(due_on, today=today, policy=rules)
            if escalation is not None:
                recipients = escalation_recipients(lead_id, force_id)
                collector.add(recipients, item_type, pk, escalation, due_on)


def _scan_reports(collector: _Collector, today: date, rules: Policy) -> None:
    audience = collector.audience
    earliest = today - timedelta(days=S55_RESPONSE_DAYS)
    reports = (
        Report.objects.s55_response_outstanding()
        .filter(published_on__gte=earliest)
        .values_list("pk", "published_on", "force_id")
    )
    for pk, published_on, force_id in reports:
        last_day = published_on + timedelta(days=S55_RESPONSE_DAYS)
        occasion = policy.countdown_occasion(
            last_day, today=today, before_days=rules.s55_before_days, kind=ReminderKind.S55_RESPONSE
        )
        collector.add(
            audience.with_role(Role.OPCC_STAFF, force_id=force_id),
            ItemType.REPORT,
            pk,
            occasion,
            last_day,
        )

    plan_weeks = timedelta(weeks=rules.ncpi_plan_weeks)
    ncpi = Report.objects.filter(
        kind__in=(ReportKind.NCPI, ReportKind.NCPI_REINSPECTION),
        published_on__gte=today - plan_weeks,
    ).values_list("pk", "published_on", "force_id")
    for pk, published_on, force_id in ncpi:
        plan_due = published_on + plan_weeks
        occasion = policy.countdown_occasion(
            plan_due,
            today=today,
            before_days=rules.ncpi_plan_before_days,
            kind=ReminderKind.NCPI_ACTION_PLAN,
        )
        recipients = [
            *audience.with_role(Role.OPCC_STAFF, force_id=force_id),
            *audience.with_role(Role.FORCE_LEAD, force_id=force_id),
        ]
        collector.add(recipients, ItemType.REPORT, pk, occasion, plan_due)


def _scan_ppog(collector: _Collector, today: date, rules: Policy) -> None:
    audience = collector.audience
    meetings = PpogMeeting.objects.filter(
        monitoring_period__phase="engage",
        monitoring_period__ended_on__isnull=True,
        meets_on__gte=today,
        meets_on__lte=today + timedelta(days=max(rules.ppog_before_days, default=0)),
    ).values_list("pk", "meets_on", "monitoring_period__force_id")
    for pk, meets_on, force_id in meetings:
        occasion = policy.countdown_occasion(
            meets_on,
            today=today,
            before_days=rules.ppog_before_days,
            kind=ReminderKind.PPOG_MEETING,
        )
        recipients = [
            *audience.with_role(Role.OPCC_STAFF, force_id=force_id),
            *audience.chief_constables_office(force_id),
        ]
        collector.add(recipients, ItemType.PPOG_MEETING, pk, occasion, meets_on)


def _scan_assurance_backlog(collector: _Collector, today: date, rules: Policy) -> None:
    audience = collector.audience
    waiting_since = timezone.make_aware(
        datetime.combine(today - timedelta(days=rules.assurance_backlog_days), datetime.max.time())
    )
    claims = Finding.objects.filter(
        status=Status.REPORTED_COMPLETE, status_changed_at__lte=waiting_since
    ).values_list("pk", "status_changed_at", "opcc_lead_id", "force_id")
    for pk, claimed_at, lead_id, force_id in claims:
        claimed_on = timezone.localdate(claimed_at)
        occasion = policy.backlog_occasion(claimed_on, today=today, policy=rules)
        recipients = (
            [lead_id]
            if audience.wants(lead_id, ReminderKind.ASSURANCE_BACKLOG)
            else (audience.with_role(Role.OPCC_STAFF, force_id=force_id))
        )
        due = claimed_on + timedelta(days=rules.assurance_backlog_days)
        collector.add(recipients, ItemType.FINDING, pk, occasion, due)


# ---------------------------------------------------------------- compose


def _still_applies(today: date) -> Q:
    """Reminders whose finding or action is still open with the same deadline."""
    live_findings = Finding.objects.active().filter(
        pk=OuterRef("item_id"), due_on=OuterRef("due_on")
    )
    live_backlog = Finding.objects.filter(pk=OuterRef("item_id"), status=Status.REPORTED_COMPLETE)
    live_actions = Action.objects.open().filter(pk=OuterRef("item_id"), due_on=OuterRef("due_on"))
    live_reports = Report.objects.s55_response_outstanding().filter(pk=OuterRef("item_id"))
    backlog = Q(item_type=ItemType.FINDING, kind=ReminderKind.ASSURANCE_BACKLOG)
    return (
        (backlog & Exists(live_backlog))
        | (Q(item_type=ItemType.FINDING) & ~backlog & Exists(live_findings))
        | (Q(item_type=ItemType.ACTION) & Exists(live_actions))
        | (Q(item_type=ItemType.REPORT, kind=ReminderKind.S55_RESPONSE) & Exists(live_reports))
        | Q(item_type=ItemType.REPORT, kind=ReminderKind.NCPI_ACTION_PLAN)
        | Q(item_type=ItemType.PPOG_MEETING, due_on__gte=today)
    )


@transaction.atomic
def compose(*, today: date, now: datetime | None = None) -> int:
    """Put each person's new reminders into today's digest; return how many digests changed."""
    now = now or timezone.now()
    waiting = Reminder.objects.filter(digest__isnull=True, cancelled=False)
    # Items finished or re-dated since the reminder was recorded: tell no one.
    waiting.exclude(_still_applies(today)).update(cancelled=True)
    # People no longer active, or who switched reminders off, get nothing.
    waiting.exclude(recipient__is_active=True).update(cancelled=True)
    waiting.filter(recipient__reminder_preference__digest_enabled=False).update(cancelled=True)

    recipients = set(waiting.values_list("recipient_id", flat=True).distinct())
    if not recipients:
        return 0
    emails_of = dict(User.objects.filter(pk__in=recipients).values_list("pk", "email"))
    Digest.objects.bulk_create(
        [
            Digest(recipient_id=pk, digest_date=today, to=emails_of[pk], next_attempt_at=now)
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


def _message_id(digest: Digest) -> str:
    from urllib.parse import urlsplit

    host = urlsplit(settings.SITE_URL).hostname or "oversight.invalid"
    return f"<digest-{digest.pk}@{host}>"


def claim(*, now: datetime) -> Digest | None:
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
        digest.next_attempt_at = now + LEASE
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


def deliver(
    digest: Digest,
    *,
    today: date,
    now: datetime | None = None,
    smtp: BaseEmailBackend | None = None,
) -> DeliveryStatus:
    """Send one claimed digest and record the outcome. Never raises for SMTP trouble."""
    message = emails.digest_message(digest, today=today)
    if message is None:
        Digest.objects.filter(pk=digest.pk, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.CANCELLED, last_error="Nothing left to remind about."
        )
        return DeliveryStatus.CANCELLED
    message.connection = smtp
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if smtp is not None:
            # The session may be broken: the next message opens a fresh one.
            smtp.close()
        return _record_failure(digest, exc, now=now or timezone.now())
    Digest.objects.filter(pk=digest.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return DeliveryStatus.SENT


def _record_failure(digest: Digest, exc: Exception, *, now: datetime) -> DeliveryStatus:
    permanent = isinstance(exc, smtplib.SMTPRecipientsRefused) or digest.attempts >= MAX_ATTEMPTS
    status = DeliveryStatus.FAILED if permanent else DeliveryStatus.PENDING
    backoff = timedelta(minutes=2 ** min(digest.attempts, 8))
    Digest.objects.filter(pk=digest.pk, status=DeliveryStatus.SENDING).update(
        status=status,
        next_attempt_at=now + backoff,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    log = logger.error if permanent else logger.warning
    log("Digest %s attempt %s failed: %s", digest.pk, digest.attempts, exc)
    return status


def drain(*, today: date, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send claimable digests until none is left (or `limit` is reached)."""
    outcomes: dict[str, int] = defaultdict(int)
    # One SMTP session for the batch; Django's backend reopens it after a failure.
    smtp = get_connection()
    try:
        for _ in range(limit):
            digest = claim(now=now or timezone.now())
            if digest is None:
                break
            outcomes[str(deliver(digest, today=today, now=now, smtp=smtp).value)] += 1
    finally:
        smtp.close()
    return dict(outcomes)


def run(*, today: date, now: datetime | None = None) -> dict[str, int]:
    """The whole job: what `send_reminders` and the beat-scheduled task both do."""
    created = scan(today=today)
    composed = compose(today=today, now=now)
    return {"recorded": created, "digests": composed, **drain(today=today, now=now)}
