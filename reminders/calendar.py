"""A person's dates as an iCalendar feed, for Outlook and other calendars.

The feed lists exactly the items the reminder scan would remind this person of
(deadlines they own, lead or would be escalated about; s.55 last days, NCPI plan
dates and PPOG meetings their role is told of), read through the same item
methods as the scan. Email preferences are left out: they choose which emails
come. Each event names the item (reference and report title) and links to it;
like the emails, it carries no finding text.
"""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar, Event

from recommendations.models import User
from reminders import items
from reminders.audience import Audience
from reminders.items import Item, Row
from reminders.policy import Policy

PAST = timedelta(days=90)
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


def dated_items(user: User, *, since: date, until: date) -> dict[str, tuple[Item, Row]]:
    """The items, dated between `since` and `until`, that reminders would tell `user` of,
    by calendar uid. An escalated deadline is the same event as the deadline itself."""
    person = Audience.of(user)
    reading = items.Reading(since, until, Policy.from_settings(), person)
    found: dict[str, tuple[Item, Row]] = {}
    for group in items.sharing_rows():
        shown = [item for item in group if item.in_calendar]
        if not shown:
            continue
        for row in shown[0].rows(reading):
            for item in shown:
                if user.pk in item.recipients(row, person):
                    found.setdefault(item.uid(row), (item, row))
    return found


def feed_for(user: User, *, today: date) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Oversight//HMICFRS findings//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Oversight deadlines")
    dated = dated_items(user, since=today - PAST, until=today + HORIZON)
    keys_of: dict[Item, set[tuple[str, int]]] = {}
    for item, row in dated.values():
        keys_of.setdefault(item, set()).add((row.item_type, row.item_id))
    lines = {item: item.describe(keys) for item, keys in keys_of.items()}
    for uid, (item, row) in sorted(dated.items(), key=lambda pair: (pair[1][1].on, pair[0])):
        line = lines[item].get((row.item_type, row.item_id))
        if line is not None:
            calendar.add_component(_event(uid, row.on, line.event, line.link))
    return calendar.to_ical()
