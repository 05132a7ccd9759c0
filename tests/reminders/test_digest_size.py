"""A digest fits on a phone screen or two however much is due: each kind lists its most
urgent items, then how many more there are, with a link to them in the findings list."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from reminders import emails, services
from reminders.models import Digest, ItemType, ReminderKind
from tests.factories import make_finding
from tests.reminders.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def swamped(report, owner, settings):
    """25 overdue recommendations (7 to 31 days) and 3 due in a week, all the owner's."""
    settings.OVERSIGHT_DIGEST_ITEMS_PER_KIND = 20
    settings.SITE_URL = "https://oversight.opcc.example"
    overdue = [
        make_finding(
            report=report,
            owner=owner,
            due_on=TODAY - timedelta(days=31 - i),
            reference=f"OD{i:02d}",
        )
        for i in range(25)
    ]
    soon = [
        make_finding(report=report, owner=owner, due_on=TODAY + timedelta(days=7)) for _ in range(3)
    ]
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    return overdue, soon


def test_each_kind_lists_its_most_urgent_items_and_counts_the_rest(swamped, owner, smtp_server):
    overdue, _soon = swamped
    assert services.digests_send(today=TODAY) == {"sent": 1}
    [mail] = smtp_server.sink.to(owner.email)
    body = mail.text()
    assert mail.message["Subject"].startswith("Oversight: 25 overdue, 28 reminders")
    assert "OVERDUE (25)" in body and "DEADLINE APPROACHING (3)" in body
    # The 20 longest overdue are listed; the 5 most recently overdue are counted.
    listed = [f.reference for f in overdue if f"- {f.reference}:" in body]
    assert listed == [f"OD{i:02d}" for i in range(20)]
    assert "5 more not listed here" in body
    assert body.count("\n- ") == 23  # 20 overdue and 3 due soon


def test_the_link_for_the_rest_lists_exactly_those_findings(swamped, owner, client):
    digest = Digest.objects.get(recipient=owner)
    lines = emails.digest_lines(digest, today=TODAY)
    [section, _] = emails.digest_sections(lines, recipient=owner, cap=20)
    assert section.kind == ReminderKind.OVERDUE and section.more == 5
    link = urlsplit(section.more_link)
    assert link.path == reverse("recommendations:finding-list")
    client.force_login(owner)
    page = client.get(f"{link.path}?{link.query}").context["page"]
    assert [f.reference for f in page.object_list] == [f"OD{i:02d}" for i in range(20, 25)]
    assert page.paginator.count == 5


def test_without_a_filter_that_holds_them_the_link_goes_to_oversight(owner, opcc, settings):
    settings.SITE_URL = "https://oversight.opcc.example"
    line = emails.DigestLine(
        kind=ReminderKind.OVERDUE.value,
        kind_label="Overdue",
        reference="Action on R1",
        title="A report",
        due_on=TODAY,
        days_overdue=3,
        link="",
        item_type=ItemType.ACTION.value,
    )
    home = "https://oversight.opcc.example" + reverse("recommendations:home")
    # Actions: the findings list has no filter for an action's owner.
    [section] = emails.digest_sections([line, line], recipient=owner, cap=1)
    assert section.more == 1 and section.more_link == home
    # A person who owns no finding cannot be chosen as the list's owner filter.
    finding_line = emails.DigestLine(**{**line.__dict__, "item_type": ItemType.FINDING.value})
    [section] = emails.digest_sections([finding_line] * 2, recipient=opcc, cap=1)
    assert section.more_link == home


def test_the_email_says_nothing_of_more_when_everything_fits(due_in_a_week, owner, smtp_server):
    services.reminders_dispatch(today=TODAY)
    [mail] = smtp_server.sink.to(owner.email)
    assert "more not listed" not in mail.text()
