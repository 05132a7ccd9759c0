"""Renders digest emails. Only what identifies an item goes in: reference, report
title, dates and a link. Never a finding's text, an update's narrative or evidence:
the details stay behind sign-in (RELIABILITY.md §B4 item 26).

A digest must stay readable on a phone, however much is due: each kind of reminder
lists its OVERSIGHT_DIGEST_ITEMS_PER_KIND most urgent items (the longest overdue or
soonest due first), then says how many more there are and links to the findings list
filtered to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from recommendations.filters import FindingFilterForm
from recommendations.models import FindingKind, Status, User
from reminders import items
from reminders.models import Digest, ItemType, ReminderKind

# Most urgent first: what is overdue, then what falls due soonest, then the waits.
KIND_ORDER = (
    ReminderKind.ESCALATION,
    ReminderKind.OVERDUE,
    ReminderKind.DUE_TODAY,
    ReminderKind.S55_RESPONSE,
    ReminderKind.NCPI_ACTION_PLAN,
    ReminderKind.PPOG_MEETING,
    ReminderKind.DUE_SOON,
    ReminderKind.ASSURANCE_BACKLOG,
)


@dataclass(frozen=True)
class DigestLine:
    kind: str
    kind_label: str
    reference: str
    title: str
    due_on: date
    days_overdue: int
    link: str
    item_type: str = ItemType.FINDING.value

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0


@dataclass(frozen=True)
class Section:
    """The lines of one kind that a digest shows, and what it leaves for Oversight."""

    kind: str
    label: str
    lines: list[DigestLine]
    total: int
    more_link: str

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


def digest_lines(digest: Digest, *, today: date) -> list[DigestLine]:
    """The digest's live reminders as lines, overdue first, each identified but not described."""
    reminders = list(digest.reminders.filter(cancelled=False))
    described = items.lines_for(reminders)
    lines = [
        DigestLine(
            kind=reminder.kind,
            kind_label=ReminderKind(reminder.kind).label,
            reference=described[reminder.pk].reference,
            title=described[reminder.pk].title,
            due_on=reminder.due_on,
            days_overdue=max(0, (today - reminder.due_on).days),
            link=described[reminder.pk].link,
            item_type=reminder.item_type,
        )
        for reminder in reminders
        # An item deleted after its reminder was recorded has no line.
        if reminder.pk in described
    ]
    return sorted(lines, key=lambda line: (not line.is_overdue, line.due_on, line.reference))


def digest_sections(lines: list[DigestLine], *, recipient: User, cap: int) -> list[Section]:
    """The lines by kind, most urgent kind first, each cut to its `cap` most urgent."""
    by_kind: dict[str, list[DigestLine]] = {}
    for line in sorted(lines, key=lambda line: (line.due_on, line.reference)):
        by_kind.setdefault(line.kind, []).append(line)
    sections = []
    for kind in KIND_ORDER:
        theirs = by_kind.get(kind.value, [])
        if not theirs:
            continue
        rest = theirs[cap:]
        sections.append(
            Section(
                kind=kind.value,
                label=kind.label,
                lines=theirs[:cap],
                total=len(theirs),
                more_link=_more_link(kind, rest, recipient) if rest else "",
            )
        )
    return sections


def _more_link(kind: ReminderKind, rest: list[DigestLine], recipient: User) -> str:
    """The findings list filtered to the findings left out, as closely as its filters
    allow (see `_filters_for`); Oversight's home page when they cannot say more."""
    filters = _filters_for(kind, rest, recipient)
    # The list ignores a filter the person may not use and shows everything instead:
    # check with the list's own form, as that person, before promising a filtered list.
    if filters is None or not FindingFilterForm(filters, user=recipient).is_valid():
        return settings.SITE_URL + reverse("recommendations:home")
    return f"{settings.SITE_URL}{reverse('recommendations:finding-list')}?{urlencode(filters)}"


def _filters_for(
    kind: ReminderKind, rest: list[DigestLine], recipient: User
) -> dict[str, str] | None:
    """Filters of the findings list that hold every finding in `rest`, with as few
    others as they can: the same kind of finding, the reminded person's, due in the
    same span. The list has no filter for an action's owner or for a finding's OPCC
    lead, so those are left wider; reports and meetings are not findings."""
    findings = [line for line in rest if line.item_type == ItemType.FINDING.value]
    if not findings:
        return None
    dates = {
        "due_from": min(line.due_on for line in findings).isoformat(),
        "due_to": max(line.due_on for line in findings).isoformat(),
        "kind": FindingKind.RECOMMENDATION.value,
        "sort": "due",
    }
    if kind == ReminderKind.OVERDUE:
        return {"owner": str(recipient.pk), "overdue": "on", **dates}
    if kind in (ReminderKind.DUE_SOON, ReminderKind.DUE_TODAY):
        return {"owner": str(recipient.pk), "status": "open", **dates}
    if kind == ReminderKind.ESCALATION:
        return {"overdue": "on", **dates}
    if kind == ReminderKind.ASSURANCE_BACKLOG:
        return {"status": Status.REPORTED_COMPLETE.value, "sort": "updated"}
    return None


def digest_message(digest: Digest, *, today: date) -> EmailMultiAlternatives | None:
    lines = digest_lines(digest, today=today)
    if not lines:
        return None
    sections = digest_sections(
        lines, recipient=digest.recipient, cap=settings.OVERSIGHT_DIGEST_ITEMS_PER_KIND
    )
    context = {
        "digest": digest,
        "sections": sections,
        "overdue_count": sum(line.is_overdue for line in lines),
        "count": len(lines),
        "site_url": settings.SITE_URL,
        "preferences_url": settings.SITE_URL + reverse("reminders:preferences"),
    }
    subject = render_to_string("emails/digest_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("emails/digest_body.txt", context),
        to=[digest.to],
        headers={"Message-ID": digest.message_id},
    )
    message.attach_alternative(render_to_string("emails/digest_body.html", context), "text/html")
    return message
