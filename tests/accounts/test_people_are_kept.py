"""Issue 12 item 9: people are deactivated, never deleted, and the trail keeps them."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from audit.models import AuditEvent, Event
from audit.services import record
from recommendations.models import Role, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_trail_names_people_as_they_were_when_it_was_written(client):
    person = make_user(Role.OPCC_STAFF, first_name="Pat", last_name="Example")
    client.force_login(person)
    person.first_name = "Patricia"
    person.save()
    signed_in = AuditEvent.objects.get(event=Event.SIGN_IN)
    assert (signed_in.user_id, signed_in.display_name) == (person.pk, "Pat Example")
    failed = record(Event.SIGN_IN_FAILED, username="nobody")
    assert failed.display_name == ""


def test_removing_a_person_row_anyway_leaves_their_audit_rows_untouched():
    """Not through the app (it only deactivates), but a script or a DBA might."""
    person = make_user(Role.VIEWER, first_name="Sam", last_name="Gone")
    record(Event.SIGN_IN, user=person)
    record(Event.FINDING_VIEWED, user=person)
    pk = person.pk

    User.objects.filter(pk=pk).delete()  # was a 500 on PostgreSQL: the trigger refused SET_NULL

    rows = AuditEvent.objects.filter(username=person.username)
    assert rows.count() == 2
    assert {(row.user_id, row.display_name) for row in rows} == {(pk, "Sam Gone")}


def test_the_audit_export_has_the_frozen_name(client):
    person = make_user(Role.OPCC_STAFF, first_name="Pat", last_name="Example")
    record(Event.SIGN_IN, user=person)
    client.force_login(make_user(Role.ADMINISTRATOR))
    exported = client.get(reverse("audit:export"), {"q": "Pat Ex"}).content.decode("utf-8-sig")
    assert "display_name" in exported.splitlines()[0] and "Pat Example" in exported


def test_the_admin_offers_no_way_to_delete_a_person(client, administrator):
    person = make_user(Role.VIEWER)
    record(Event.SIGN_IN, user=person)
    client.force_login(administrator)
    delete_url = reverse("admin:recommendations_user_delete", args=[person.pk])

    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:recommendations_user_changelist"))
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and "deactivate" in actions
    client.post(
        reverse("admin:recommendations_user_changelist"),
        {"action": "delete_selected", "_selected_action": [person.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=person.pk).exists()


def test_the_admin_deactivates_people_and_the_trail_records_it(client, administrator):
    people = [make_user(Role.VIEWER), make_user(Role.FORCE_LEAD)]
    client.force_login(administrator)
    response = client.post(
        reverse("admin:recommendations_user_changelist"),
        {"action": "deactivate", "_selected_action": [p.pk for p in [*people, administrator]]},
        follow=True,
    )
    assert b"2 people deactivated" in response.content
    assert not User.objects.filter(pk__in=[p.pk for p in people], is_active=True).exists()
    administrator.refresh_from_db()
    assert administrator.is_active  # nobody deactivates themselves
    changes = AuditEvent.objects.filter(
        event=Event.CHANGED, object_type="recommendations.User", user=administrator
    )
    assert {(c.object_id, tuple(c.detail["fields"])) for c in changes} == {
        (str(p.pk), ("is_active",)) for p in people
    }


def test_the_audit_trail_page_shows_the_name_as_it_was_with_the_username(client):
    person = make_user(Role.OPCC_STAFF, username="pexample", first_name="Pat", last_name="Example")
    record(Event.SIGN_IN, user=person)
    person.first_name = "Patricia"
    person.save()
    client.force_login(make_user(Role.ADMINISTRATOR))
    page = client.get(reverse("audit:log"), {"event": Event.SIGN_IN}).content.decode()
    assert "Pat Example" in page and "pexample" in page
    assert "Patricia" not in page


def test_deactivating_in_the_admin_ends_their_sessions_too(client, administrator):
    person = make_user(Role.VIEWER)
    theirs = type(client)()
    theirs.force_login(person)
    assert theirs.get(reverse("recommendations:home")).status_code == 200
    client.force_login(administrator)
    client.post(
        reverse("admin:recommendations_user_changelist"),
        {"action": "deactivate", "_selected_action": [person.pk]},
    )
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(person.pk)
    ]
    assert theirs.get(reverse("recommendations:home")).status_code == 302
