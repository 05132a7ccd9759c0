"""Renders digest emails. Only what identifies an item goes in: reference, report
title, dates and a link. Never a finding's text, an update's narrative or evidence:
the details stay behind sign-in (RELIABILITY.md §B4 item 26).

A digest must stay readable on a phone, however much is due: each kind of reminder
lists its OVERSIGHT_DIGEST_ITEMS_PER_KIND most urgent items (the longest overdue or
soonest due first), then says how many more there are and links to a page in Oversight that lists
exactly that section of the digest, every item in it (`digest_section`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accountability.models import Session
from recommendations.models import Action, Finding, PpogMeeting, Report, User
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
    ReminderKind.SESSION_AGENDA,
    ReminderKind.DUE_SOON,
    ReminderKind.ASSURANCE_BACKLOG,
    ReminderKind.HISTORIC_OVERDUE,
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
    item_id: int = 0

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


def digest_lines(
    digest: Digest, *, today: date, only_still_applying: bool = False
) -> list[DigestLine]:
    """The digest's live reminders as lines, overdue first, each identified but not described."""
    reminders = digest.reminders.filter(cancelled=False)
    if only_still_applying:
        reminders = reminders.filter(items.still_applying(today=today))
    reminders = list(reminders)
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
            item_id=reminder.item_id,
        )
        for reminder in reminders
        # An item deleted after its reminder was recorded has no line.
        if reminder.pk in described
    ]
    return sorted(lines, key=lambda line: (not line.is_overdue, line.due_on, line.reference))


def _most_urgent_first(lines: list[DigestLine]) -> list[DigestLine]:
    return sorted(lines, key=lambda line: (line.due_on, line.reference))


def digest_sections(lines: list[DigestLine], *, digest: Digest, cap: int) -> list[Section]:
    """The lines by kind, most urgent kind first, each cut to its `cap` most urgent."""
    by_kind: dict[str, list[DigestLine]] = {}
    for line in _most_urgent_first(lines):
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
                more_link=_section_link(digest, kind) if rest else "",
            )
        )
    return sections


def _section_link(digest: Digest, kind: ReminderKind) -> str:
    path = reverse("reminders:digest-section", args=[digest.pk, kind.value])
    return settings.SITE_URL + path


def digest_section(digest: Digest, kind: str, *, viewer: User, today: date) -> list[DigestLine]:
    """Every line of one kind in a digest, most urgent first: what its email listed and
    what it left out, less what is finished since. Items the viewer may no longer see
    (their force changed since the digest was sent) are left out here too."""
    theirs = digest_lines(digest, today=today, only_still_applying=True)
    lines = [line for line in theirs if line.kind == kind]
    seen = _visible_items(viewer, lines)
    return _most_urgent_first([line for line in lines if (line.item_type, line.item_id) in seen])


def _visible_items(viewer: User, lines: list[DigestLine]) -> set[tuple[str, int]]:
    """The (item_type, item_id) pairs among `lines` that `viewer` may see, a query a type."""
    ids: dict[str, set[int]] = {}
    for line in lines:
        ids.setdefault(line.item_type, set()).add(line.item_id)
    findings = Finding.objects.visible_to(viewer)
    found = {
        ItemType.FINDING: findings.filter(pk__in=ids.get(ItemType.FINDING, ())),
        ItemType.ACTION: Action.objects.filter(
            pk__in=ids.get(ItemType.ACTION, ()), finding__in=findings
        ),
        ItemType.REPORT: Report.objects.visible_to(viewer).filter(
            pk__in=ids.get(ItemType.REPORT, ())
        ),
        ItemType.PPOG_MEETING: PpogMeeting.objects.filter(
            pk__in=ids.get(ItemType.PPOG_MEETING, ())
        ),
    }
    found[ItemType.SESSION] = Session.objects.visible_to(viewer).filter(
        pk__in=ids.get(ItemType.SESSION, ())
    )
    if viewer.force_id is not None:
        found[ItemType.PPOG_MEETING] = found[ItemType.PPOG_MEETING].filter(
            monitoring_period__force_id=viewer.force_id
        )
    return {
        (item_type.value, pk)
        for item_type, queryset in found.items()
        if ids.get(item_type)
        for pk in queryset.values_list("pk", flat=True)
    }


def digest_message(digest: Digest, *, today: date) -> EmailMultiAlternatives | None:
    lines = digest_lines(digest, today=today)
    if not lines:
        return None
    sections = digest_sections(lines, digest=digest, cap=settings.OVERSIGHT_DIGEST_ITEMS_PER_KIND)
    context = {
        "digest": digest,
        "sections": sections,
        "overdue_count": sum(line.is_overdue for line in lines),
        "count": len(lines),
        "site_url": settings.SITE_URL,
        "preferences_url": settings.SITE_URL + reverse("reminders:preferences"),
        "team_address_url": settings.SITE_URL + reverse("reminders:team-address"),
        "unowned_url": settings.SITE_URL
        + reverse("recommendations:finding-list")
        + "?status=open&no_owner=on",
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
