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

from reminders import items
from reminders.models import Digest, ReminderKind


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
        )
        for reminder in reminders
        # An item deleted after its reminder was recorded has no line.
        if reminder.pk in described
    ]
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
