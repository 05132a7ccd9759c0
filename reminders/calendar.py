"""A person's deadlines as an iCalendar feed, for Outlook and other calendars.

Each event names the item (reference and report title) and links to it; like
the emails, it carries no finding text.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from icalendar import Calendar, Event

from recommendations.models import S55_RESPONSE_DAYS, Action, Finding, PpogMeeting, Report, User

HORIZON = timedelta(days=400)


def _event(uid: str, day: date, summary: str, url: str) -> Event:
    event = Event()
    event.add("uid", f"{uid}@oversight")
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("url", url)
    event.add("description", f"Details in Oversight: {url}")
    event.add("transp", "TRANSPARENT")
    return event


def feed_for(user: User, *, today: date) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Oversight//HMICFRS findings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Oversight deadlines")
    site = settings.SITE_URL
    since, until = today - timedelta(days=90), today + HORIZON

    findings = (
        Finding.objects.visible_to(user)
        .involving(user)
        .open()
        .filter(due_on__range=(since, until))
        .select_related("report")
    )
    for finding in findings:
        url = site + reverse("recommendations:finding-detail", args=[finding.pk])
        summary = f"{finding.reference} due ({finding.report.title})"
        calendar.add_component(_event(f"finding-{finding.pk}", finding.due_on, summary, url))

    for action in (
        Action.objects.open()
        .filter(owner=user, due_on__range=(since, until))
        .select_related("finding__report")
    ):
        url = site + reverse("recommendations:finding-detail", args=[action.finding_id])
        summary = f"Action on {action.finding.reference} due ({action.finding.report.title})"
        calendar.add_component(_event(f"action-{action.pk}", action.due_on, summary, url))

    if user.has_perm("recommendations.view_report"):
        first_published = since - timedelta(days=S55_RESPONSE_DAYS)
        reports = (
            Report.objects.visible_to(user)
            .s55_response_outstanding()
            .filter(published_on__gte=first_published)
        )
        for report in reports:
            summary = f"Last day for the PCC's s.55 response ({report.title})"
            url = site + report.get_absolute_url()
            calendar.add_component(_event(f"s55-{report.pk}", report.response_due_on, summary, url))

        meetings = PpogMeeting.objects.filter(
            meets_on__range=(since, until), monitoring_period__phase="engage"
        ).select_related("monitoring_period__force")
        if user.force_id is not None:
            meetings = meetings.filter(Q(monitoring_period__force_id=user.force_id))
        for meeting in meetings:
            summary = f"PPOG meeting ({meeting.monitoring_period.force})"
            url = site + reverse("recommendations:home")
            calendar.add_component(_event(f"ppog-{meeting.pk}", meeting.meets_on, summary, url))
    return calendar.to_ical()
