"""Renders digest emails. Only what identifies an item goes in: reference, report
title, dates and a link. Never a finding's text, an update's narrative or evidence:
the details stay behind sign-in (RELIABILITY.md §B4 item 26).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from recommendations.models import Action, Finding, PpogMeeting, Report
from reminders.models import Digest, ItemType, ReminderKind


@dataclass(frozen=True)
class DigestLine:
    kind: str
    kind_label: str
    reference: str
    title: str
    due_on: date
    days_overdue: int
    link: str

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _finding_url(pk: int) -> str:
    return _absolute(reverse("recommendations:finding-detail", args=[pk]))


def digest_lines(digest: Digest, *, today: date) -> list[DigestLine]:
    """The digest's live reminders as lines, overdue first, each identified but not described."""
    reminders = list(digest.reminders.filter(cancelled=False))
    ids: dict[str, set[int]] = {t: set() for t in ItemType.values}
    for reminder in reminders:
        ids[reminder.item_type].add(reminder.item_id)
    findings = Finding.objects.select_related("report").in_bulk(ids[ItemType.FINDING])
    actions = Action.objects.select_related("finding__report").in_bulk(ids[ItemType.ACTION])
    reports = Report.objects.in_bulk(ids[ItemType.REPORT])
    meetings = PpogMeeting.objects.select_related("monitoring_period__force").in_bulk(
        ids[ItemType.PPOG_MEETING]
    )

    lines = []
    for reminder in reminders:
        if reminder.item_type == ItemType.FINDING and reminder.item_id in findings:
            finding = findings[reminder.item_id]
            reference, title = finding.reference, finding.report.title
            link = _finding_url(finding.pk)
        elif reminder.item_type == ItemType.ACTION and reminder.item_id in actions:
            action = actions[reminder.item_id]
            reference = f"Action on {action.finding.reference}"
            title = action.finding.report.title
            link = _finding_url(action.finding_id)
        elif reminder.item_type == ItemType.REPORT and reminder.item_id in reports:
            report = reports[reminder.item_id]
            reference, title = "Report", report.title
            link = _absolute(report.get_absolute_url())
        elif reminder.item_type == ItemType.PPOG_MEETING and reminder.item_id in meetings:
            meeting = meetings[reminder.item_id]
            reference, title = "PPOG", f"Meeting about {meeting.monitoring_period.force}"
            link = _absolute(reverse("recommendations:home"))
        else:
            continue  # the item was deleted after the reminder was recorded
        lines.append(
            DigestLine(
                kind=reminder.kind,
                kind_label=ReminderKind(reminder.kind).label,
                reference=reference,
                title=title,
                due_on=reminder.due_on,
                days_overdue=max(0, (today - reminder.due_on).days),
                link=link,
            )
        )
    return sorted(lines, key=lambda line: (not line.is_overdue, line.due_on, line.reference))


def digest_message(digest: Digest, *, today: date) -> EmailMultiAlternatives | None:
    lines = digest_lines(digest, today=today)
    if not lines:
        return None
    context = {
        "digest": digest,
        "overdue": [line for line in lines if line.is_overdue],
        "upcoming": [line for line in lines if not line.is_overdue],
        "count": len(lines),
        "site_url": settings.SITE_URL,
        "preferences_url": _absolute(reverse("reminders:preferences")),
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
