"""Every reminders URL, for every kind of user (issue 16: the permission matrix covers every
new URL). The table must name every URL pattern of the reminders app, so a new view cannot
ship without saying who may use it; refused writes change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from reminders import services
from reminders import urls as reminder_urls
from reminders.models import CalendarFeed, Digest, ReminderKind, ReminderSchedule, TeamAddress
from tests.factories import make_finding, make_report
from tests.reminders.conftest import TODAY

pytestmark = pytest.mark.django_db

WHO = ("anonymous", "viewer", "lead", "other_lead", "outsider", "opcc", "administrator")

SIGNED_IN = dict.fromkeys(WHO[1:], 200) | {"anonymous": 302}
POST_ONLY = dict.fromkeys(WHO[1:], 405) | {"anonymous": 302}
OPCC_STAFF = SIGNED_IN | {"viewer": 403, "lead": 403, "other_lead": 403}
# One setting for every force: staff scoped to one force are refused too.
ALL_FORCES_OPCC = OPCC_STAFF | {"outsider": 403}
# A person's own digest: nobody else's, whatever their role (404, as for anything unseen).
OWN_DIGEST = dict.fromkeys(WHO[1:], 404) | {"anonymous": 302, "lead": 200}
# The team address's digest: OPCC staff read that mailbox, each within their scope.
TEAM_DIGEST = dict.fromkeys(WHO[1:], 404) | {
    "anonymous": 302,
    "outsider": 200,
    "opcc": 200,
    "administrator": 200,
}
# No sign-in: the secret token is the credential; the health check names no one (503: no
# scan has run in this world).
TOKEN = dict.fromkeys(WHO, 200)
HEALTH = dict.fromkeys(WHO, 503)

# URL name -> list of (which object it takes, expected GET status per user)
GET_MATRIX = {
    "preferences": [(None, SIGNED_IN)],
    "calendar-issue": [(None, POST_ONLY)],
    "calendar-revoke": [(None, POST_ONLY)],
    "sent": [(None, OPCC_STAFF)],
    "digest-retry": [("own_digest", POST_ONLY)],
    "digest-section": [("own_digest", OWN_DIGEST), ("team_digest", TEAM_DIGEST)],
    "schedule": [(None, ALL_FORCES_OPCC)],
    "team-address": [(None, ALL_FORCES_OPCC)],
    "calendar-feed": [("token", TOKEN)],
    "health": [(None, HEALTH)],
}
CASES = [
    (name, target, expected) for name, cases in GET_MATRIX.items() for target, expected in cases
]


@pytest.fixture
def world(settings, force, lead, opcc):
    settings.OVERSIGHT_TEAM_ADDRESS = "team@opcc.example"
    report = make_report(force=force)
    make_finding(report=report, owner=lead, due_on=TODAY + timedelta(days=7))
    make_finding(report=report, due_on=TODAY + timedelta(days=7))  # no owner: the team's
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    _feed, token = CalendarFeed.issue(lead)
    from reminders.models import ScanRecord

    ScanRecord.objects.all().delete()  # as if no scan had run: the health check says so
    return {
        "own_digest": Digest.objects.get(recipient=lead),
        "team_digest": Digest.objects.get(recipient__isnull=True),
        "token": token,
    }


def url_for(name: str, target: str | None, world: dict) -> str:
    qualified = f"reminders:{name}"
    if target is None:
        return reverse(qualified)
    if target == "token":
        return reverse(qualified, args=[world["token"]])
    if name == "digest-section":
        return reverse(qualified, args=[world[target].pk, ReminderKind.DUE_SOON])
    return reverse(qualified, args=[world[target].pk])


def client_for(request, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


def state() -> tuple:
    return (
        tuple(Digest.objects.order_by("pk").values_list("pk", "status", "to")),
        tuple(ReminderSchedule.objects.values_list("pk", "overdue_every_days")),
        tuple(TeamAddress.objects.values_list("pk", "address")),
        tuple(CalendarFeed.objects.values_list("pk", "token_hash")),
    )


def test_the_matrix_names_every_url_of_the_reminders_app():
    assert {pattern.name for pattern in reminder_urls.urlpatterns} == set(GET_MATRIX)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("name", "target", "expected"), CASES)
def test_get_status_by_user(request, world, name, target, expected, who):
    before = state()
    response = client_for(request, who).get(url_for(name, target, world))
    assert response.status_code == expected[who], response.content[:300]
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))
    assert state() == before, "a GET changed something"


SETTINGS_WRITES = {
    "team-address": {"address": "someone@else.example", "seen": ""},
    "schedule": {
        "before_days": "3",
        "overdue_every_days": 2,
        "escalate_after_days": 3,
        "s55_before_days": "1",
        "ppog_before_days": "1",
        "assurance_backlog_days": 3,
        "seen": "",
    },
}


@pytest.mark.parametrize("who", ["anonymous", "viewer", "lead", "other_lead", "outsider"])
@pytest.mark.parametrize("name", list(SETTINGS_WRITES))
def test_only_opcc_staff_across_all_forces_change_what_every_force_shares(
    request, world, name, who
):
    before = state()
    response = client_for(request, who).post(reverse(f"reminders:{name}"), SETTINGS_WRITES[name])
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert state() == before


@pytest.mark.parametrize("who", ["anonymous", "viewer", "lead", "other_lead"])
def test_a_failed_digest_is_sent_again_only_by_opcc_staff(request, world, who):
    Digest.objects.update(status="failed", failed_at="2026-03-24T08:00:00Z", last_error="550")
    before = state()
    response = client_for(request, who).post(
        reverse("reminders:digest-retry", args=[world["team_digest"].pk])
    )
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert state() == before


def test_staff_scoped_to_a_force_cannot_send_the_team_digest_again(client, world, outsider):
    Digest.objects.update(status="failed", failed_at="2026-03-24T08:00:00Z", last_error="550")
    before = state()
    client.force_login(outsider)
    response = client.post(reverse("reminders:digest-retry", args=[world["team_digest"].pk]))
    assert response.status_code == 404
    assert state() == before
