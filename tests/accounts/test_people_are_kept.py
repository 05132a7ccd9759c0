"""Issue 12 item 9: people are deactivated, never deleted, and the trail keeps them."""

from __future__ import annotations

import pytest
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
