"""A digest fits on a phone screen or two however much is due: each kind lists its most
urgent items, then how many more there are, with a link to that section whole in Oversight."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from audit.models import AuditEvent, Event
from recommendations.models import Action, Finding, Status
from reminders import emails, services
from reminders.models import Digest, ItemType
from tests.factories import make_finding, make_force, make_user
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


def _section_page(client, link: str):
    parts = urlsplit(link)
    return client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)


def test_the_link_for_the_rest_opens_exactly_that_section(swamped, owner, client, smtp_server):
    overdue, soon = swamped
    services.digests_send(today=TODAY)
    [mail] = smtp_server.sink.to(owner.email)
    digest = Digest.objects.get(recipient=owner)
    link = f"https://oversight.opcc.example/reminders/digests/{digest.pk}/overdue/"
    assert link in mail.text()
    client.force_login(owner)
    response = _section_page(client, link)
    assert response.status_code == 200
    # All 25 overdue, most overdue first: what the email listed and what it left out;
    # nothing of the section that was short enough to list whole.
    assert [line.reference for line in response.context["page"].object_list] == [
        f.reference for f in overdue
    ]
    assert not {f.reference for f in soon} & {
        line.reference for line in response.context["page"].object_list
    }


def test_a_section_of_actions_and_of_an_opcc_leads_findings_is_listed_whole(
    report, owner, opcc_lead, settings, client
):
    """Neither an action's owner nor a finding's OPCC lead is a filter of the findings
    list; the section's page lists them all the same."""
    settings.OVERSIGHT_DIGEST_ITEMS_PER_KIND = 2
    finding = make_finding(report=report, owner=owner, opcc_lead=opcc_lead, due_on=TODAY)
    actions = [
        Action.objects.create(
            finding=finding,
            description=f"Step {i}",
            owner=opcc_lead,
            due_on=TODAY - timedelta(days=10 - i),
        )
        for i in range(4)
    ]
    led = [
        make_finding(report=report, opcc_lead=opcc_lead, due_on=TODAY - timedelta(days=60 + i))
        for i in range(3)
    ]
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    digest = Digest.objects.get(recipient=opcc_lead)
    lines = emails.digest_lines(digest, today=TODAY)
    sections = emails.digest_sections(lines, digest=digest, cap=2)
    client.force_login(opcc_lead)
    seen = {}
    for section in sections:
        assert section.more_link.endswith(
            reverse("reminders:digest-section", args=[digest.pk, section.kind])
        )
        page = _section_page(client, section.more_link).context["page"]
        seen[section.kind] = {(line.item_type, line.item_id) for line in page.object_list}
    expected_actions = {(ItemType.ACTION.value, action.pk) for action in actions}
    expected_led = {(ItemType.FINDING.value, f.pk) for f in led}
    assert any(kinds >= expected_actions for kinds in seen.values())
    assert any(kinds >= expected_led for kinds in seen.values())
    every_line = {(line.item_type, line.item_id) for line in lines}
    assert set().union(*seen.values()) == every_line


def test_a_finished_item_leaves_the_section(swamped, owner, client):
    overdue, _soon = swamped
    Finding.objects.filter(pk=overdue[3].pk).update(
        status=Status.NO_FURTHER_ACTION, no_further_action_reason="Overtaken by a new plan"
    )
    digest = Digest.objects.get(recipient=owner)
    client.force_login(owner)
    page = client.get(reverse("reminders:digest-section", args=[digest.pk, "overdue"]))
    listed = [line.reference for line in page.context["page"].object_list]
    assert len(listed) == 24 and overdue[3].reference not in listed


def test_an_item_of_a_force_the_person_no_longer_sees_leaves_the_section(swamped, owner, client):
    elsewhere = make_force(name="Another constabulary")
    owner.force = elsewhere
    owner.save(update_fields=["force"])
    digest = Digest.objects.get(recipient=owner)
    client.force_login(owner)
    page = client.get(reverse("reminders:digest-section", args=[digest.pk, "overdue"]))
    assert page.status_code == 200 and not page.context["page"].object_list


@pytest.mark.parametrize("who", ["opcc_lead", "cc_office", "administrator"])
def test_only_the_recipient_sees_a_digest_section(swamped, who, request, client):
    digest = Digest.objects.get(recipient=request.getfixturevalue("owner"))
    if who == "administrator":
        person = make_user(username="root", is_superuser=True, is_staff=True)
    else:
        person = request.getfixturevalue(who)
    client.force_login(person)
    url = reverse("reminders:digest-section", args=[digest.pk, "overdue"])
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(event=Event.ACCESS_DENIED, user=person).exists()


def test_a_digest_section_refuses_the_unknown_and_the_anonymous(swamped, owner, client):
    digest = Digest.objects.get(recipient=owner)
    url = reverse("reminders:digest-section", args=[digest.pk, "overdue"])
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(owner)
    bogus = reverse("reminders:digest-section", args=[digest.pk, "no-such-kind"])
    assert client.get(bogus).status_code == 404
    assert client.post(url).status_code == 405


def test_the_email_says_nothing_of_more_when_everything_fits(due_in_a_week, owner, smtp_server):
    services.reminders_dispatch(today=TODAY)
    [mail] = smtp_server.sink.to(owner.email)
    assert "more not listed" not in mail.text()
