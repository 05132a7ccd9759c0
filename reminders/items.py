"""What reminders are about: one class per kind of item, and a registry by stored kind.

Each item kind knows four things, which used to be spread over parallel if-ladders:
- which rows can be reminded of (`rows`) and when and to whom (`remind`), for the scan;
- whether a recorded reminder still applies (`still_applies`), for compose;
- how a digest line names the item (`describe`), for the email;
- its calendar event (`Line.event`), for the feed, which lists exactly the items the
  scan would remind that person of (`recipients`), whatever the day.

Deadline and Escalation read the same findings and actions (`reads_rows_of`), so the
scan reads those rows once and offers each row to both.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce
from typing import ClassVar, NamedTuple

from django.conf import settings
from django.db import DatabaseError
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accountability.models import Session, SessionStatus
from publishing import rules as publishing_rules
from recommendations.models import (
    Action,
    Finding,
    FindingKind,
    PpogMeeting,
    Report,
    ReportKind,
    Role,
    Status,
)
from recommendations.models.reports import s55_last_day
from recommendations.rules import active_q, unowned_q
from reminders import policy
from reminders.audience import Audience
from reminders.models import ItemType, Reminder, ReminderKind
from reminders.policy import Occasion, Policy

BATCH = 2000

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- shared shapes


class Row(NamedTuple):
    """One item as the scan and the calendar read it: what, when, whose."""

    item_type: str
    item_id: int
    on: date  # the item's own date: deadline, last day, meeting, or claim
    force_id: int | None
    owner_id: int | None = None
    lead_id: int | None = None
    # No one to remind of it (`rules.unowned_q`): its deadline goes to the team address.
    unowned: bool = False
    # The day its report was entered, for a report entered after the fact (else None).
    entered_on: date | None = None


@dataclass(frozen=True)
class Line:
    """How an item is named in a digest and in a calendar: never its text."""

    reference: str
    title: str
    link: str
    event: str  # the calendar event's summary


# (recipient or None, address for the team or "", item type, item id, kind, occurrence, due on)
ReminderRow = tuple[int | None, str, str, int, str, date, date]


@dataclass
class Found:
    """The reminders a scan has found so far, as rows ready to insert. `team` is the OPCC
    team address (`reminders.team`), empty when none is set."""

    audience: Audience
    rows: list[ReminderRow]
    team: str = ""
    # Team reminders found while no team address is set: they reach no one.
    unaddressed: int = 0

    def add(
        self, recipients: Iterable[int | None], row: Row, occasion: Occasion | None, due_on: date
    ) -> None:
        if occasion is None:
            return
        for user_id in set(recipients):
            if user_id is not None and self.audience.wants(user_id, occasion.kind):
                self.rows.append(
                    (
                        user_id,
                        "",
                        row.item_type,
                        row.item_id,
                        occasion.kind.value,
                        occasion.on,
                        due_on,
                    )
                )

    def add_team(self, row: Row, occasion: Occasion | None, due_on: date) -> None:
        """For the team address: no preferences, no scope; nothing if no address is set
        (the scan logs how many it could not send anywhere)."""
        if occasion is None:
            return
        if not self.team:
            self.unaddressed += 1
            return
        self.rows.append(
            (None, self.team, row.item_type, row.item_id, occasion.kind.value, occasion.on, due_on)
        )


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _finding_url(pk: int) -> str:
    return _absolute(reverse("recommendations:finding-detail", args=[pk]))


@dataclass(frozen=True)
class Reading:
    """Which rows to read: items dated from `since` to `until` (either open) under the
    schedule `rules`; with `person`, only rows that may concern them. Rows that cannot
    be read are logged and left out, and counted in `skipped`."""

    since: date | None
    until: date | None
    rules: Policy
    person: Audience | None = None
    skipped: list[tuple[str, int]] = field(default_factory=list, compare=False)

    def skip(self, item_type: str, item_id: int) -> None:
        logger.exception("Skipped %s %s: it cannot be read", item_type, item_id)
        self.skipped.append((item_type, item_id))

    def between(self, field: str, *, before: timedelta = timedelta(0)) -> Q:
        """`field` within the bounds, each moved `before` earlier (for a date that
        comes that long after `field`)."""
        bounds = Q()
        if self.since is not None:
            bounds &= Q(**{f"{field}__gte": self.since - before})
        if self.until is not None:
            bounds &= Q(**{f"{field}__lte": self.until - before})
        return bounds


# ---------------------------------------------------------------- the item kinds


class Item:
    """One kind of thing people are reminded of. Subclasses fill in the four parts."""

    kinds: ClassVar[tuple[ReminderKind, ...]]
    # Set when the item reads another item's rows: the scan then reads them once for both.
    reads_rows_of: ClassVar[type[Item] | None] = None
    # False for reminders about a wait rather than a date (nothing to put in a calendar).
    in_calendar: ClassVar[bool] = True

    def window(self, *, today: date, rules: Policy) -> Reading:
        """The rows that can have a reminder recorded today."""
        raise NotImplementedError

    def rows(self, reading: Reading) -> Iterable[Row]:
        """The items that count, as `reading` bounds them."""
        raise NotImplementedError

    def recipients(self, row: Row, audience: Audience) -> list[int | None]:
        """Everyone this item reminds of the row, on any day."""
        raise NotImplementedError

    def remind(self, found: Found, row: Row, *, today: date, rules: Policy) -> None:
        raise NotImplementedError

    def still_applies(self, *, today: date) -> Q:
        """Reminders of this kind whose item is still there to remind of (a Reminder Q)."""
        raise NotImplementedError

    def describe(self, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Line]:
        """Lines for the (item_type, item_id) pairs that still exist, in a few queries."""
        raise NotImplementedError

    def uid(self, row: Row) -> str:
        """The calendar event's identity, stable while the item exists."""
        return f"{row.item_type}-{row.item_id}"

    def _of_kind(self) -> Q:
        return Q(kind__in=self.kinds)


def _findings_and_actions(keys: set[tuple[str, int]]) -> dict[tuple[str, int], Line]:
    finding_ids = {pk for item_type, pk in keys if item_type == ItemType.FINDING}
    action_ids = {pk for item_type, pk in keys if item_type == ItemType.ACTION}
    lines = {}
    for finding in Finding.objects.select_related("report").in_bulk(finding_ids).values():
        reference, title = finding.reference, finding.report.title
        lines[(ItemType.FINDING.value, finding.pk)] = Line(
            reference, title, _finding_url(finding.pk), f"{reference} due ({title})"
        )
    actions = Action.objects.select_related("finding__report").in_bulk(action_ids)
    for action in actions.values():
        reference = f"Action on {action.finding.reference}"
        title = action.finding.report.title
        lines[(ItemType.ACTION.value, action.pk)] = Line(
            reference, title, _finding_url(action.finding_id), f"{reference} due ({title})"
        )
    return lines


def deadline_findings() -> QuerySet[Finding]:
    """The findings whose deadlines people are reminded of and see in their calendars:
    recommendations with work outstanding and a due date."""
    return Finding.objects.active().filter(kind=FindingKind.RECOMMENDATION, due_on__isnull=False)


def deadline_actions() -> QuerySet[Action]:
    """Open actions with a due date on findings with work outstanding."""
    return Action.objects.open().filter(active_q("finding__"), due_on__isnull=False)


class Deadline(Item):
    """A finding's or action's due date: its owner is told before, on the day, then weekly."""

    kinds = (ReminderKind.DUE_SOON, ReminderKind.DUE_TODAY, ReminderKind.OVERDUE)

    def window(self, *, today: date, rules: Policy) -> Reading:
        return Reading(None, today + timedelta(days=rules.horizon_days), rules)

    def rows(self, reading: Reading) -> Iterator[Row]:
        findings = deadline_findings().filter(reading.between("due_on"))
        actions = deadline_actions().filter(reading.between("due_on"))
        if reading.person is not None:
            findings = findings.filter(_theirs(reading.person, "owner", "opcc_lead", "force_id"))
            actions = actions.filter(
                _theirs(reading.person, "owner", "finding__opcc_lead", "finding__force_id")
            )
        unowned = ExpressionWrapper(unowned_q(), output_field=BooleanField())
        finding_rows = findings.annotate(r_unowned=unowned).values_list(
            "pk",
            "due_on",
            "force_id",
            "owner_id",
            "opcc_lead_id",
            "r_unowned",
            "report__entered_after_the_fact",
            "report__created_at",
        )
        action_rows = actions.annotate(r_unowned=unowned).values_list(
            "pk",
            "due_on",
            "finding__force_id",
            "owner_id",
            "finding__opcc_lead_id",
            "r_unowned",
            "finding__report__entered_after_the_fact",
            "finding__report__created_at",
        )
        for item_type, rows in ((ItemType.FINDING, finding_rows), (ItemType.ACTION, action_rows)):
            for values in rows.iterator(chunk_size=BATCH):
                pk, due_on, force_id, owner_id, lead_id, unowned_, historic, created_at = values
                entered_on = timezone.localdate(created_at) if historic else None
                yield Row(
                    item_type.value, pk, due_on, force_id, owner_id, lead_id, unowned_, entered_on
                )

    def recipients(self, row: Row, audience: Audience) -> list[int | None]:
        return [row.owner_id] if audience.sees(row.owner_id, row.force_id) else []

    def remind(self, found: Found, row: Row, *, today: date, rules: Policy) -> None:
        occasion = policy.deadline_occasion(
            row.on, today=today, policy=rules, historic=row.entered_on is not None
        )
        if row.unowned:
            # No deadline without someone reminded: no owner, a vacant post or a
            # deactivated holder (rules.unowned_q) sends it to the OPCC team address.
            found.add_team(row, occasion, row.on)
        else:
            found.add(self.recipients(row, found.audience), row, occasion, row.on)

    def still_applies(self, *, today: date) -> Q:
        # Same deadline as when recorded: a revised date re-arms instead.
        live_findings = Finding.objects.active().filter(
            pk=OuterRef("item_id"), due_on=OuterRef("due_on")
        )
        live_actions = Action.objects.open().filter(
            pk=OuterRef("item_id"), due_on=OuterRef("due_on")
        )
        return self._of_kind() & (
            (Q(item_type=ItemType.FINDING) & Exists(live_findings))
            | (Q(item_type=ItemType.ACTION) & Exists(live_actions))
        )

    def describe(self, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Line]:
        return _findings_and_actions(keys)


def owned_since() -> Q:
    """Team address reminders of deadlines that someone owns now (the post was handed
    over, an owner named): the owner is reminded instead, so these are not sent."""
    owned = ~unowned_q()
    findings = Finding.objects.filter(owned, pk=OuterRef("item_id"))
    actions = Action.objects.filter(owned, pk=OuterRef("item_id"))
    return Q(recipient__isnull=True, kind__in=Deadline.kinds) & (
        (Q(item_type=ItemType.FINDING) & Exists(findings))
        | (Q(item_type=ItemType.ACTION) & Exists(actions))
    )


class Escalation(Deadline):
    """The same deadlines, long overdue: the OPCC lead and the Chief Constable's office
    are told weekly once the schedule's escalation point has passed."""

    kinds = (ReminderKind.ESCALATION,)
    reads_rows_of = Deadline

    def recipients(self, row: Row, audience: Audience) -> list[int | None]:
        lead = [row.lead_id] if audience.sees(row.lead_id, row.force_id) else []
        return [*lead, *audience.chief_constables_office(row.force_id)]

    def remind(self, found: Found, row: Row, *, today: date, rules: Policy) -> None:
        occasion = policy.escalation_occasion(
            row.on, today=today, policy=rules, entered_on=row.entered_on
        )
        if occasion is not None:
            found.add(self.recipients(row, found.audience), row, occasion, row.on)


class HistoricSummary(Deadline):
    """The overdue items of reports entered after the fact, once escalated: listed on the
    first of each month to the OPCC lead, or to the team address when no lead can be
    told, rather than chased weekly for ever. A summary, not a date: no calendar event."""

    kinds = (ReminderKind.HISTORIC_OVERDUE,)
    reads_rows_of = Deadline
    in_calendar = False

    def recipients(self, row: Row, audience: Audience) -> list[int | None]:
        return [row.lead_id] if audience.sees(row.lead_id, row.force_id) else []

    def remind(self, found: Found, row: Row, *, today: date, rules: Policy) -> None:
        if row.entered_on is None:
            return
        occasion = policy.historic_summary_occasion(
            row.on, today=today, policy=rules, entered_on=row.entered_on
        )
        lead = self.recipients(row, found.audience)
        if lead:
            found.add(lead, row, occasion, row.on)
        else:
            found.add_team(row, occasion, row.on)


def _theirs(person: Audience, owner: str, lead: str, force: str) -> Q:
    """A first cut of the rows that may concern `person`; `recipients` decides."""
    [user_id] = person.force_of
    mine = Q(**{owner: user_id}) | Q(**{lead: user_id})
    if person.has_role(user_id, Role.VIEWER) and person.force_of[user_id] is not None:
        mine |= Q(**{force: person.force_of[user_id]})  # the Chief Constable's office
    return mine


def _in_scope(person: Audience | None, force: str) -> Q:
    if person is None:
        return Q()
    [force_id] = person.force_of.values()
    return Q() if force_id is None else Q(**{force: force_id})


class _Countdown(Item):
    """A one-off date, counted down to and not nagged about once passed."""

    before: ClassVar[str]  # the Policy field with the days before the date

    def _before_days(self, rules: Policy) -> tuple[int, ...]:
        return getattr(rules, self.before)

    def window(self, *, today: date, rules: Policy) -> Reading:
        return Reading(today, None, rules)

    def remind(self, found: Found, row: Row, *, today: date, rules: Policy) -> None:
        occasion = policy.countdown_occasion(
            row.on, today=today, before_days=self._before_days(rules), kind=self.kinds[0]
        )
        found.add(self.recipients(row, found.audience), row, occasion, row.on)


class _ReportCountdown(_Countdown):
    """A date that follows from a report's publication."""

    uid_prefix: ClassVar[str]
    event_text: ClassVar[str]

    def _reports_dated(self, reading: Reading) -> QuerySet[Report]:
        """The reports whose date falls within the reading's bounds."""
        raise NotImplementedError

    def _date_of(self, published_on: date, rules: Policy) -> date:
        raise NotImplementedError

    def rows(self, reading: Reading) -> Iterator[Row]:
        reports = self._reports_dated(reading).filter(_in_scope(reading.person, "force_id"))
        for pk, published_on, force_id in reports.values_list("pk", "published_on", "force_id"):
            try:
                on = self._date_of(published_on, reading.rules)
            except (OverflowError, ValueError):
                reading.skip(ItemType.REPORT.value, pk)
                continue
            yield Row(ItemType.REPORT.value, pk, on, force_id)

    def uid(self, row: Row) -> str:
        return f"{self.uid_prefix}-{row.item_id}"

    def describe(self, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Line]:
        reports = Report.objects.in_bulk({pk for _type, pk in keys})
        return {
            (ItemType.REPORT.value, report.pk): Line(
                "Report",
                report.title,
                _absolute(report.get_absolute_url()),
                self.event_text.format(title=report.title),
            )
            for report in reports.values()
        }


class S55Response(_ReportCountdown):
    """The last day for the PCC's s.55 response to a report: OPCC staff are told."""

    kinds = (ReminderKind.S55_RESPONSE,)
    before = "s55_before_days"
    uid_prefix = "s55"
    event_text = "Last day for the PCC's s.55 response ({title})"

    def _reports_dated(self, reading: Reading) -> QuerySet[Report]:
        # Published or not applicable (publishing's stages): never reminded of.
        return publishing_rules.outstanding(Report.objects.all()).s55_last_day_between(
            reading.since or date.min, reading.until or date.max
        )

    def _date_of(self, published_on: date, rules: Policy) -> date:
        return s55_last_day(published_on)

    def recipients(self, row: Row, audience: Audience) -> list[int | None]:
        return list(audience.with_role(Role.OPCC_STAFF, force_id=row.force_id))

    def still_applies(self, *, today: date) -> Q:
        live = publishing_rules.outstanding(Report.objects.filter(pk=OuterRef("item_id")))
        return self._of_kind() & Q(item_type=ItemType.REPORT) & Exists(live)


class NcpiActionPlan(_ReportCountdown):
    """The action plan due some weeks after an NCPI report: OPCC staff and force leads."""

    kinds = (ReminderKind.NCPI_ACTION_PLAN,)
    before = "ncpi_plan_before_days"
    uid_prefix = "ncpi"
    event_text = "NCPI action plan due ({title})"

    def _reports_dated(self, reading: Reading) -> QuerySet[Report]:
        after = timedelta(weeks=reading.rules.ncpi_plan_weeks)
        return Report.objects.filter(
            reading.between("published_on", before=after),
            kind__in=(ReportKind.NCPI, ReportKind.NCPI_REINSPECTION),
        )

    def _date_of(self, published_on: date, rules: Policy) -> date:
        return published_on + timedelta(weeks=rules.ncpi_plan_weeks)

    def recipients(self, row: Row, audience: Audience) -> list[int | None]:
        return [
            *audience.with_role(Role.OPCC_STAFF, force_id=row.force_id),
            *audience.with_role(Role.FORCE_LEAD, force_id=row.force_id),
        ]

    def still_applies(self, *, today: date) -> Q:
        return self._of_kind() & Q(item_type=ItemType.REPORT)


class PpogMeetingItem(_Countdown):
    """A PPOG meeting while the force is in Engage: OPCC staff and the Chief Constable's
    office are told in the days before."""

    kinds = (ReminderKind.PPOG_MEETING,)
    before = "ppog_before_days"

    def window(self, *, today: date, rules: Policy) -> Reading:
        return Reading(
            today, today + timedelta(days=max(self._before_days(rules), default=0)), rules
        )

    def rows(self, reading: Reading) -> Iterator[Row]:
        meetings = (
            PpogMeeting.objects.still_counting()
            .filter(reading.between("meets_on"))
            .filter(_in_scope(reading.person, "monitoring_period__force_id"))
        )
        values = meetings.values_list("pk", "meets_on", "monitoring_period__force_id")
        for pk, meets_on, force_id in values:
            yield Row(ItemType.PPOG_MEETING.value, pk, meets_on, force_id)

    def recipients(self, row: Row, audience: Audience) -> list[int | None]:
        return [
            *audience.with_role(Role.OPCC_STAFF, force_id=row.force_id),
            *audience.chief_constables_office(row.force_id),
        ]

    def still_applies(self, *, today: date) -> Q:
        return self._of_kind() & Q(item_type=ItemType.PPOG_MEETING, due_on__gte=today)

    def describe(self, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Line]:
        meetings = PpogMeeting.objects.select_related("monitoring_period__force").in_bulk(
            {pk for _type, pk in keys}
        )
        home = _absolute(reverse("recommendations:home"))
        return {
            (ItemType.PPOG_MEETING.value, meeting.pk): Line(
                "PPOG",
                f"Meeting about {meeting.monitoring_period.force}",
                home,
                f"PPOG meeting ({meeting.monitoring_period.force})",
            )
            for meeting in meetings.values()
        }


class AssuranceBacklog(Item):
    """A completion claim left waiting for the OPCC's assurance: its OPCC lead is told
    weekly, or OPCC staff if the lead does not take these reminders. A wait, not a
    date to work to, so it has no calendar event."""

    kinds = (ReminderKind.ASSURANCE_BACKLOG,)
    in_calendar = False

    def window(self, *, today: date, rules: Policy) -> Reading:
        return Reading(None, today - timedelta(days=rules.assurance_backlog_days), rules)

    def rows(self, reading: Reading) -> Iterator[Row]:
        claims = Finding.objects.filter(status=Status.REPORTED_COMPLETE)
        if reading.until is not None:
            end_of_day = datetime.combine(reading.until, datetime.max.time())
            claims = claims.filter(status_changed_at__lte=timezone.make_aware(end_of_day))
        values = claims.values_list("pk", "status_changed_at", "force_id", "opcc_lead_id")
        for pk, claimed_at, force_id, lead_id in values:
            try:
                claimed_on = timezone.localdate(claimed_at)
            except (OverflowError, ValueError):
                reading.skip(ItemType.FINDING.value, pk)
                continue
            yield Row(ItemType.FINDING.value, pk, claimed_on, force_id, lead_id=lead_id)

    def recipients(self, row: Row, audience: Audience) -> list[int | None]:
        if audience.wants(row.lead_id, ReminderKind.ASSURANCE_BACKLOG):
            return [row.lead_id]
        return list(audience.with_role(Role.OPCC_STAFF, force_id=row.force_id))

    def remind(self, found: Found, row: Row, *, today: date, rules: Policy) -> None:
        occasion = policy.backlog_occasion(row.on, today=today, policy=rules)
        due = row.on + timedelta(days=rules.assurance_backlog_days)
        found.add(self.recipients(row, found.audience), row, occasion, due)

    def still_applies(self, *, today: date) -> Q:
        live = Finding.objects.filter(pk=OuterRef("item_id"), status=Status.REPORTED_COMPLETE)
        return self._of_kind() & Q(item_type=ItemType.FINDING) & Exists(live)

    def describe(self, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Line]:
        return _findings_and_actions(keys)


class SessionAgenda(Item):
    """A session's agenda, issued: the holders of the force's posts on it are told once
    (recorded by `accountability.services.agenda_issue`, keyed on the session's date, so
    issuing again tells no one twice and moving the date tells them again). The scan
    finds nothing of its own here; the session is in no calendar (its date is the OPCC's
    diary, not a deadline of the person's)."""

    kinds = (ReminderKind.SESSION_AGENDA,)
    in_calendar = False

    def window(self, *, today: date, rules: Policy) -> Reading:
        return Reading(today, today, rules)

    def rows(self, reading: Reading) -> Iterator[Row]:
        return iter(())

    def recipients(self, row: Row, audience: Audience) -> list[int | None]:
        return []

    def remind(self, found: Found, row: Row, *, today: date, rules: Policy) -> None:
        return None

    def still_applies(self, *, today: date) -> Q:
        # Still issued and still on the date the reminder was about.
        live = Session.objects.filter(
            pk=OuterRef("item_id"),
            status=SessionStatus.AGENDA_ISSUED,
            held_on=OuterRef("due_on"),
            held_on__gte=today,
        )
        return self._of_kind() & Q(item_type=ItemType.SESSION) & Exists(live)

    def describe(self, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Line]:
        sessions = Session.objects.select_related("force").in_bulk({pk for _t, pk in keys})
        return {
            (ItemType.SESSION.value, session.pk): Line(
                "Agenda issued",
                session.name,
                _absolute(session.get_absolute_url()),
                f"{session.name} ({session.held_on:%-d %B %Y})",
            )
            for session in sessions.values()
        }


# ---------------------------------------------------------------- the registry

ALL: tuple[Item, ...] = (
    Deadline(),
    Escalation(),
    HistoricSummary(),
    S55Response(),
    NcpiActionPlan(),
    PpogMeetingItem(),
    AssuranceBacklog(),
    SessionAgenda(),
)
# By the kind value stored on each Reminder.
BY_KIND: dict[str, Item] = {kind.value: item for item in ALL for kind in item.kinds}


def still_applying(*, today: date) -> Q:
    """Reminders whose item is still there to remind of, as each item kind decides."""
    return reduce(operator.or_, (item.still_applies(today=today) for item in ALL))


def sharing_rows() -> list[list[Item]]:
    """The items grouped by the rows they read, so each set of rows is read once."""
    groups: dict[object, list[Item]] = {}
    for item in ALL:
        groups.setdefault(item.reads_rows_of or type(item), []).append(item)
    return list(groups.values())


def lines_for(reminders: Sequence[Reminder]) -> dict[int, Line]:
    """Each reminder's line, by reminder id; reminders whose item is gone have none."""
    by_item: dict[Item, list[Reminder]] = {}
    for reminder in reminders:
        by_item.setdefault(BY_KIND[reminder.kind], []).append(reminder)
    lines = {}
    for item, theirs in by_item.items():
        described = _described(item, {(r.item_type, r.item_id) for r in theirs})
        for reminder in theirs:
            line = described.get((reminder.item_type, reminder.item_id))
            if line is not None:
                lines[reminder.pk] = line
    return lines


def _described(item: Item, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Line]:
    """`item.describe(keys)`; if one of them cannot be described, the others one at a
    time, leaving out (and logging) the one that fails, so one bad row never keeps a
    digest from everyone else's lines."""
    try:
        return item.describe(keys)
    except DatabaseError:
        raise
    except Exception:
        lines: dict[tuple[str, int], Line] = {}
        for key in sorted(keys):
            try:
                lines.update(item.describe({key}))
            except DatabaseError:
                raise
            except Exception:
                logger.exception("Left %s %s out of a digest: it cannot be described", *key)
        return lines
