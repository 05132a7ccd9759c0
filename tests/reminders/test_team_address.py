"""No deadline without someone reminded (issue 16, item 3): what no one owns goes to the OPCC
team address, through the same digests and delivery as everyone's reminders; the one rule
for "unowned" gives the reminders, the dashboard's figure and the list's filter alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from dashboards import figures
from dashboards.scope import Scope, load_names
from recommendations import assignment, rules
from recommendations.models import Action, Finding, Post, Role
from reminders import services, team
from reminders.models import DeliveryStatus, Digest, ItemType, Reminder, ReminderKind, ScanRecord
from tests.factories import make_finding, make_user
from tests.reminders.conftest import TODAY

pytestmark = pytest.mark.django_db

TEAM = "scrutiny-team@opcc.example"


@pytest.fixture
def team_address(settings):
    settings.OVERSIGHT_TEAM_ADDRESS = TEAM
    return TEAM


@pytest.fixture
def owners(force, opcc):
    """A post held by an active force lead, a vacant post, and a post whose holder is
    deactivated (as deactivation leaves it: still the holder, but able to do nothing)."""
    holder = make_user(Role.FORCE_LEAD, force=force, email="holder@force.example")
    gone = make_user(Role.FORCE_LEAD, force=force, email="gone@force.example")
    held, vacant, left = (
        Post.objects.create(title=title, force=force)
        for title in ("ACC Crime", "Head of Public Protection", "Head of Custody")
    )
    held = assignment.post_hand_over(post=held, holder=holder, on=date(2026, 1, 5), by=opcc)
    left = assignment.post_hand_over(post=left, holder=gone, on=date(2026, 1, 5), by=opcc)
    return {"holder": holder, "held": held, "vacant": vacant, "left": left, "gone": gone}


@pytest.fixture
def deadlines(report, owners):
    """One recommendation due in a week for each kind of ownership, and an action."""
    due = TODAY + timedelta(days=7)
    made = {
        "owned": make_finding(report=report, owner_post=owners["held"], due_on=due),
        "no owner": make_finding(report=report, due_on=due),
        "vacant post": make_finding(report=report, owner_post=owners["vacant"], due_on=due),
        "holder deactivated": make_finding(report=report, owner_post=owners["left"], due_on=due),
    }
    made["action"] = Action.objects.create(
        finding=made["owned"], description="Train the staff", due_on=due
    )
    # Deactivated as people.person_deactivate leaves them: still the post's holder.
    type(owners["gone"]).objects.filter(pk=owners["gone"].pk).update(is_active=False)
    return made


def team_items() -> set[tuple[str, int]]:
    return set(Reminder.objects.filter(recipient__isnull=True).values_list("item_type", "item_id"))


def test_the_rule_and_its_row_function_agree(deadlines):
    assert deadlines["owned"].owner is not None
    unowned = set(Finding.objects.unowned().values_list("pk", flat=True))
    by_row = {f.pk for f in Finding.objects.select_related("owner") if f.is_unowned}
    assert (
        unowned
        == by_row
        == {deadlines[name].pk for name in ("no owner", "vacant post", "holder deactivated")}
    )
    assert rules.is_unowned(owner_id=None, owner_is_active=None)
    assert rules.is_unowned(owner_id=3, owner_is_active=False)
    assert not rules.is_unowned(owner_id=3, owner_is_active=True)
    assert list(Action.objects.unowned()) == [deadlines["action"]]


def test_reminders_dashboard_and_list_agree_on_what_no_one_owns(
    client, team_address, deadlines, opcc, force
):
    services.reminders_scan(today=TODAY)
    reminded = {pk for item_type, pk in team_items() if item_type == ItemType.FINDING}

    scope = Scope(user=opcc, today=TODAY, filters={}, names=load_names(opcc, today=TODAY))
    board = figures.dashboard(scope)
    [figure] = [f for f in board.headline if f.label == "Unowned"]

    client.force_login(opcc)
    listed = client.get(figure.link).context["page"].object_list
    listed_pks = {finding.pk for finding in listed}

    expected = {deadlines[name].pk for name in ("no owner", "vacant post", "holder deactivated")}
    assert reminded == listed_pks == expected
    assert figure.value == len(expected)
    # The owner breakdown's "No owner" row counts the same findings.
    [no_owner] = [row for row in board.breakdowns.owners if row.label == "No owner"]
    assert no_owner.open.value == len(expected)
    # The action with no owner goes to the team too; the owned finding goes to its holder.
    assert (ItemType.ACTION.value, deadlines["action"].pk) in team_items()
    assert Reminder.objects.filter(item_id=deadlines["owned"].pk, address="").count() == 1


def test_the_team_digest_is_delivered_like_anyone_elses(
    smtp_server, team_address, deadlines, owners
):
    outcome = services.reminders_dispatch(today=TODAY)
    assert outcome["sent"] == 2  # the holder's digest and the team's
    [mail] = smtp_server.sink.to(TEAM)
    assert mail.message["Subject"].startswith("Oversight (OPCC team): 4 reminders")
    body = mail.text()
    assert "no owner, a vacant owner post or a deactivated holder" in body
    assert "no_owner=on" in body
    digest = Digest.objects.get(recipient__isnull=True)
    assert digest.to == TEAM and digest.status == DeliveryStatus.SENT
    assert mail.message_id == digest.message_id
    # Run again the same day: nothing recorded twice, nothing sent twice.
    services.reminders_dispatch(today=TODAY)
    assert len(smtp_server.sink.to(TEAM)) == 1
    assert not smtp_server.sink.to(owners["gone"].email)


def test_a_team_digest_refused_for_now_is_retried_and_flagged_like_any(
    smtp_server, team_address, deadlines
):
    from django.utils import timezone

    smtp_server.sink.refuse = True
    now = timezone.now()
    services.reminders_dispatch(today=TODAY, now=now)
    digest = Digest.objects.get(recipient__isnull=True)
    assert digest.status == DeliveryStatus.PENDING and digest.attempts == 1
    smtp_server.sink.refuse = False
    services.digests_send(today=TODAY, now=now + timedelta(hours=1))
    digest.refresh_from_db()
    assert digest.status == DeliveryStatus.SENT
    assert len(smtp_server.sink.to(TEAM)) == 1


def test_a_holder_deactivated_after_the_scan_moves_the_next_reminder_to_the_team(
    team_address, deadlines, owners, opcc
):
    from django.utils import timezone

    from accounts import people

    services.reminders_scan(today=TODAY)
    assert not Reminder.objects.filter(item_id=deadlines["owned"].pk, recipient__isnull=True)
    people.person_deactivate(person=owners["holder"], by=opcc, now=timezone.now())
    services.reminders_scan(today=TODAY + timedelta(days=6))  # the day-before reminder
    assert Reminder.objects.filter(
        item_type=ItemType.FINDING, item_id=deadlines["owned"].pk, recipient__isnull=True
    ).exists()


def test_a_post_given_a_holder_takes_its_deadlines_off_the_team(
    team_address, deadlines, owners, opcc, lead
):
    assignment.post_hand_over(post=owners["vacant"], holder=lead, on=TODAY, by=opcc)
    services.reminders_scan(today=TODAY)
    vacant_before = deadlines["vacant post"].pk
    assert Reminder.objects.get(item_type=ItemType.FINDING, item_id=vacant_before).recipient == lead


def test_a_team_reminder_not_yet_sent_is_dropped_once_the_post_has_a_holder(
    team_address, deadlines, owners, opcc, lead
):
    services.reminders_scan(today=TODAY)  # recorded for the team while the post is vacant
    assignment.post_hand_over(post=owners["vacant"], holder=lead, on=TODAY, by=opcc)
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    team_digest = Digest.objects.get(recipient__isnull=True)
    listed = set(team_digest.reminders.filter(cancelled=False).values_list("item_id", flat=True))
    assert deadlines["vacant post"].pk not in listed
    assert Digest.objects.get(recipient=lead).reminders.filter(
        item_id=deadlines["vacant post"].pk, item_type=ItemType.FINDING
    )


def test_without_a_team_address_the_scan_and_health_check_say_so(client, deadlines):
    services.reminders_scan(today=TODAY)
    assert not Reminder.objects.filter(recipient__isnull=True).exists()
    assert ScanRecord.objects.latest().unaddressed == 4
    report = client.get(reverse("reminders:health")).json()
    assert report["unaddressed"] == 4 and not report["ok"]


def test_a_changed_address_gets_the_reminders_not_yet_sent(settings, team_address, deadlines):
    services.reminders_scan(today=TODAY)
    team.save("new-team@opcc.example", seen="")
    services.digests_compose(today=TODAY)
    assert not Digest.objects.filter(to=TEAM).exists()  # the old address's are cancelled
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    digest = Digest.objects.get(recipient__isnull=True)
    assert digest.to == "new-team@opcc.example"
    assert digest.reminders.filter(cancelled=False).count() == 4


def test_a_failed_team_digest_is_sent_again_to_the_address_now(
    client, team_address, deadlines, opcc
):
    from django.utils import timezone

    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    Digest.objects.update(
        status=DeliveryStatus.FAILED, failed_at=timezone.now(), last_error="550 no such mailbox"
    )
    team.save("fixed-team@opcc.example", seen="")
    client.force_login(opcc)
    page = client.get(reverse("reminders:sent")).content.decode()
    assert "OPCC team address" in page
    digest = Digest.objects.get(recipient__isnull=True)
    client.post(reverse("reminders:digest-retry", args=[digest.pk]))
    digest.refresh_from_db()
    assert digest.status == DeliveryStatus.PENDING and digest.to == "fixed-team@opcc.example"


def test_opcc_staff_read_the_team_digests_sections_within_their_scope(
    client, team_address, deadlines, opcc, outsider, lead
):
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    digest = Digest.objects.get(recipient__isnull=True)
    url = reverse("reminders:digest-section", args=[digest.pk, ReminderKind.DUE_SOON])
    client.force_login(opcc)
    assert len(client.get(url).context["page"].object_list) == 4
    client.force_login(outsider)  # OPCC staff of another force: none of these are theirs
    assert len(client.get(url).context["page"].object_list) == 0
    client.force_login(lead)  # not OPCC staff: not the team's mailbox
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------- the page


def test_opcc_staff_across_all_forces_set_the_team_address(client, opcc):
    client.force_login(opcc)
    url = reverse("reminders:team-address")
    page = client.get(url)
    assert page.status_code == 200 and "No team address is set" in page.content.decode()
    response = client.post(url, {"address": TEAM, "seen": ""})
    assert response.status_code == 302
    assert team.address() == TEAM
    event = AuditEvent.objects.filter(object_type="reminders.TeamAddress").latest("pk")
    assert event.user == opcc and TEAM in event.object_repr


def test_the_setting_is_the_default_until_someone_saves_one(client, opcc, team_address):
    client.force_login(opcc)
    page = client.get(reverse("reminders:team-address")).content.decode()
    assert TEAM in page and "OVERSIGHT_TEAM_ADDRESS" in page


def test_a_stale_save_is_refused_with_409_and_keeps_the_newer_address(client, opcc):
    url = reverse("reminders:team-address")
    client.force_login(opcc)
    first = client.get(url).context["form"]["seen"].value()
    team.save("someone-else@opcc.example", seen="")
    response = client.post(url, {"address": TEAM, "seen": first or ""})
    assert response.status_code == 409
    assert "changed the team address while you had it open" in response.content.decode()
    assert team.address() == "someone-else@opcc.example"


def test_a_bad_address_is_a_clear_error(client, opcc):
    client.force_login(opcc)
    response = client.post(reverse("reminders:team-address"), {"address": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "lead", "viewer"])
def test_only_opcc_staff_across_all_forces_may_set_it(client, who, request):
    client.force_login(request.getfixturevalue(who))
    url = reverse("reminders:team-address")
    assert client.get(url).status_code == 403
    assert client.post(url, {"address": TEAM, "seen": ""}).status_code == 403
    assert team.address() == ""
