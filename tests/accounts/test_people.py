"""Issue 16 item 1: people's roles, force and sign-in are managed in the app, audited, and
told to the person; deactivation ends their sessions, reminders and calendar feed."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import people
from audit.models import AuditEvent, Event
from recommendations.models import Post, Role, User
from reminders import services as reminders
from reminders.models import CalendarFeed, DeliveryStatus, Digest, Reminder
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "unused-password-123"  # tests.factories.make_user's


def signed_in(user: User) -> Client:
    client = Client()
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert client.get(reverse("recommendations:home")).status_code == 200
    return client


@pytest.fixture
def staff(client, opcc):
    client.force_login(opcc)
    return client


@pytest.fixture
def person(force):
    return make_user(Role.VIEWER, force=force, username="pat", first_name="Pat", last_name="Person")


def change_access(client: Client, person: User, roles: list[Role], force=None):
    data = {"roles": [r.value for r in roles], "force": force.pk if force else ""}
    return client.post(reverse("accounts:person-detail", args=[person.pk]), data)


def test_the_list_filters_by_role_force_status_and_name(staff, person, lead, force, other_force):
    gone = make_user(Role.FORCE_LEAD, force=other_force, first_name="Gone", is_active=False)
    url = reverse("accounts:people")

    def names(**query: str) -> set[str]:
        return {p.username for p in staff.get(url, query).context["page"].object_list}

    assert {"pat", "lead", "opcc-officer"} <= names() and gone.username not in names()
    assert names(role=Role.VIEWER.value) == {"pat"}
    assert names(force=str(force.pk)) == {"pat", "lead"}
    assert "opcc-officer" in names(force="all") and "pat" not in names(force="all")
    assert names(status="deactivated") == {gone.username}
    assert gone.username in names(status="all")
    assert names(q="Person") == {"pat"}


def test_changing_roles_and_force_is_audited_told_and_signs_them_out(
    staff, opcc, person, force, other_force, mailoutbox, django_capture_on_commit_callbacks
):
    theirs = signed_in(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = change_access(staff, person, [Role.FORCE_LEAD, Role.VIEWER], other_force)
    assert response.status_code == 302

    person.refresh_from_db()
    assert sorted(person.groups.values_list("name", flat=True)) == ["Force lead", "Viewer"]
    assert person.force == other_force
    event = AuditEvent.objects.get(event=Event.ACCESS_CHANGED)
    assert (event.user, event.object_id) == (opcc, str(person.pk))
    assert event.detail["roles"] == {"before": ["Viewer"], "after": ["Force lead", "Viewer"]}
    assert event.detail["force"] == {"before": force.name, "after": other_force.name}
    assert event.detail["sessions_ended"] == 1
    (message,) = mailoutbox
    assert message.to == [person.email] and "your access has changed" in message.subject
    assert "Force lead, Viewer" in message.body and other_force.name in message.body
    assert str(opcc) in message.body
    # Signed out at once: the new access applies from their next sign-in.
    assert theirs.get(reverse("recommendations:home")).status_code == 302
    page = staff.get(reverse("accounts:person-detail", args=[person.pk])).content.decode()
    assert "Access changed" in page and "Viewer → Force lead, Viewer" in page


def test_saving_the_same_access_changes_nothing(staff, person, force, mailoutbox):
    response = change_access(staff, person, [Role.VIEWER], force)
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(event=Event.ACCESS_CHANGED).exists()
    assert mailoutbox == []


def test_bad_access_is_a_clear_message_and_changes_nothing(staff, person, force):
    no_role = change_access(staff, person, [], force)
    assert no_role.status_code == 400 and "Choose at least one role" in no_role.content.decode()
    no_force = change_access(staff, person, [Role.FORCE_LEAD])
    assert "A force lead works for one force" in no_force.content.decode()
    person.refresh_from_db()
    assert person.role_names == ["Viewer"] and person.force == force
    with pytest.raises(ValidationError):
        people.person_access_change(
            person=person, by=User.objects.get(username="opcc-officer"), roles=set(),
            force=force, now=timezone.now(),
        )  # fmt: skip


def test_deactivation_ends_sessions_reminders_and_the_calendar_at_once(
    staff, opcc, lead, force, mailoutbox, django_capture_on_commit_callbacks
):
    finding = make_finding(
        report=make_report(force=force, published_on=date(2025, 1, 10)),
        owner=lead,
        due_on=date(2026, 3, 31),
    )
    reminders.reminders_scan(today=date(2026, 3, 24))
    reminders.digests_compose(today=date(2026, 3, 24))
    digest = Digest.objects.get(recipient=lead)
    feed_token = CalendarFeed.issue(lead)[1]
    theirs = signed_in(lead)
    assert theirs.get(CalendarFeed.url_for(feed_token)).status_code == 200

    confirm = staff.get(reverse("accounts:person-deactivate", args=[lead.pk]))
    assert confirm.status_code == 200 and b"signed out everywhere" in confirm.content
    assert b"1</strong> open finding" in confirm.content
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("accounts:person-deactivate", args=[lead.pk]))
    assert response.status_code == 302

    lead.refresh_from_db()
    assert not lead.is_active
    home = theirs.get(reverse("recommendations:home"))
    assert home.status_code == 302 and home.url.startswith(reverse("login"))
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id")
                == str(lead.pk)]  # fmt: skip
    refused = Client().post(reverse("login"), {"username": lead.username, "password": PASSWORD})
    assert refused.status_code == 200 and b"did not match" in refused.content
    digest.refresh_from_db()
    assert digest.status == DeliveryStatus.CANCELLED
    assert theirs.get(CalendarFeed.url_for(feed_token)).status_code == 404
    # The next days' scans remind them of nothing.
    reminders.reminders_scan(today=date(2026, 4, 7))
    reminders.digests_compose(today=date(2026, 4, 7))
    assert not Reminder.objects.filter(recipient=lead, cancelled=False, digest__isnull=True)
    assert Digest.objects.filter(recipient=lead).count() == 1
    assert finding.pk  # their finding is still there, with them as owner
    event = AuditEvent.objects.get(event=Event.PERSON_DEACTIVATED)
    assert (event.user, event.object_id, event.detail["sessions_ended"]) == (opcc, str(lead.pk), 1)
    assert mailoutbox[-1].to == [lead.email] and "deactivated" in mailoutbox[-1].body


def test_reactivation_lets_them_sign_in_again(
    staff, opcc, person, mailoutbox, django_capture_on_commit_callbacks
):
    staff.post(reverse("accounts:person-deactivate", args=[person.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("accounts:person-reactivate", args=[person.pk]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_active and person.role_names == ["Viewer"]
    signed_in(person)
    assert AuditEvent.objects.filter(event=Event.PERSON_REACTIVATED, user=opcc).count() == 1
    assert "reactivated" in mailoutbox[-1].body


def test_nobody_changes_their_own_access(staff, opcc):
    page = staff.get(reverse("accounts:person-detail", args=[opcc.pk]))
    assert b"You cannot change your own access" in page.content
    assert change_access(staff, opcc, [Role.VIEWER]).status_code == 403
    assert staff.post(reverse("accounts:person-deactivate", args=[opcc.pk])).status_code == 403
    opcc.refresh_from_db()
    assert opcc.is_active and opcc.role_names == ["OPCC staff"]


def test_only_administrators_change_administrators_or_make_them(
    staff, opcc, administrator, person, force
):
    page = staff.get(reverse("accounts:person-detail", args=[administrator.pk]))
    assert b"Only an administrator can change an administrator" in page.content
    assert change_access(staff, administrator, [Role.VIEWER]).status_code == 403
    deactivate = reverse("accounts:person-deactivate", args=[administrator.pk])
    assert staff.post(deactivate).status_code == 403
    assert change_access(staff, person, [Role.ADMINISTRATOR]).status_code == 400
    with pytest.raises(PermissionDenied):
        people.person_access_change(
            person=person, by=opcc, roles={Role.ADMINISTRATOR}, force=None, now=timezone.now()
        )

    admin_client = Client()
    admin_client.force_login(administrator)
    assert change_access(admin_client, person, [Role.ADMINISTRATOR]).status_code == 302
    person.refresh_from_db()
    assert person.role_names == ["Administrator"] and person.is_staff  # opens the admin
    assert change_access(admin_client, person, [Role.VIEWER], force).status_code == 302
    person.refresh_from_db()
    assert not person.is_staff


def test_the_last_opcc_member_across_all_forces_stays(administrator, opcc, force):
    client = Client()
    client.force_login(administrator)
    refused = client.post(reverse("accounts:person-deactivate", args=[opcc.pk]))
    assert refused.status_code == 409
    assert "last active OPCC staff member who works across all forces" in refused.content.decode()
    assert change_access(client, opcc, [Role.OPCC_STAFF], force).status_code == 400
    assert change_access(client, opcc, [Role.VIEWER]).status_code == 400
    opcc.refresh_from_db()
    assert opcc.is_active and opcc.force is None and opcc.role_names == ["OPCC staff"]
    assert not AuditEvent.objects.filter(event=Event.PERSON_DEACTIVATED).exists()

    make_user(Role.OPCC_STAFF, username="colleague")
    assert client.post(reverse("accounts:person-deactivate", args=[opcc.pk])).status_code == 302


def test_the_last_administrator_stays(administrator):
    """Unreachable through the pages (nobody changes themselves, and only administrators
    change administrators), but the rule holds in the service all the same."""
    administrator.is_active = True
    with pytest.raises(ValidationError, match="last active administrator"):
        people._keeps_someone_in_charge(administrator, roles={Role.VIEWER}, force=None, active=True)
    make_user(Role.ADMINISTRATOR)
    people._keeps_someone_in_charge(administrator, roles={Role.VIEWER}, force=None, active=True)


def test_staff_deactivated_meanwhile_can_change_nobody(opcc, person, force):
    acting_as = User.objects.get(pk=opcc.pk)
    User.objects.filter(pk=opcc.pk).update(is_active=False)
    with pytest.raises(PermissionDenied):
        people.person_deactivate(person=person, by=acting_as, now=timezone.now())
    person.refresh_from_db()
    assert person.is_active


def test_the_person_page_links_the_posts_they_hold(staff, lead, force):
    post = Post.objects.create(title="ACC Crime", force=force, holder=lead)
    page = staff.get(reverse("accounts:person-detail", args=[lead.pk])).content.decode()
    assert reverse("recommendations:post-detail", args=[post.pk]) in page and "ACC Crime" in page
    confirm = staff.get(reverse("accounts:person-deactivate", args=[lead.pk])).content.decode()
    assert "They hold 1 post" in confirm and "ACC Crime" in confirm


def test_the_people_link_is_in_the_menu_only_for_those_who_manage_people(
    client, opcc, outsider, lead, administrator
):
    for user, shown in ((opcc, True), (administrator, True), (outsider, False), (lead, False)):
        client.force_login(user)
        page = client.get(reverse("recommendations:home")).content.decode()
        assert (f'href="{reverse("accounts:people")}"' in page) is shown, user


def test_the_list_costs_the_same_few_queries_however_many_people(
    staff, force, django_assert_max_num_queries
):
    def people_page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(reverse("accounts:people")).status_code == 200
        return len(queries)

    make_user(Role.VIEWER, force=force)
    few = people_page_queries()
    for n in range(30):
        make_user(Role.FORCE_LEAD if n % 2 else Role.VIEWER, force=force)
    assert people_page_queries() == few
    with django_assert_max_num_queries(12):
        staff.get(reverse("accounts:people"))
