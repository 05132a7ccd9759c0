"""Every URL of the accounts app, for every kind of user: who gets in, who is refused, and
that refusals change nothing. As tests/test_permission_matrix.py does for the domain's
URLs, the table must name every URL pattern, so a new page cannot ship without saying
who may use it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.models import EmailLink, Invitation
from accounts.urls import urlpatterns
from audit.models import AuditEvent
from recommendations.models import Role, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

WHO = ("anonymous", "viewer", "lead", "outsider", "opcc", "administrator")

SIGNED_IN = dict.fromkeys(WHO[1:], 200)
MANAGERS_ONLY = {
    "anonymous": 302,
    "viewer": 403,
    "lead": 403,
    "outsider": 403,  # OPCC staff scoped to one force do not manage people
    "opcc": 200,
    "administrator": 200,
}
ADMINISTRATORS_ONLY = MANAGERS_ONLY | {"opcc": 403}
# POST-only pages: a GET is refused before anything else is looked at.
POST_ONLY = dict.fromkeys(WHO[1:], 405) | {"anonymous": 302}
OPEN = dict.fromkeys(WHO, 200)

# URL name -> (what it takes, expected GET status per user)
GET_MATRIX = {
    "people": (None, MANAGERS_ONLY),
    "person-invite": (None, MANAGERS_ONLY),
    "person-detail": ("person", MANAGERS_ONLY),
    "person-deactivate": ("person", MANAGERS_ONLY),
    "person-reactivate": ("person", POST_ONLY),
    "invitation-resend": ("invitation", POST_ONLY),
    "invitation-withdraw": ("invitation", POST_ONLY),
    # The invitee has no account: the token is the credential. Signed in, the page
    # asks them to sign out first.
    "invitation-accept": ("token", OPEN),
    "password-link": ("bad_token", dict.fromkeys(WHO, 404)),
    "person-password-link": ("person", POST_ONLY),
    # Sign-in security (issue 12), with their own tests in this folder.
    "sign-in-link-request": (None, OPEN),
    "sign-in-link": ("bad_token", dict.fromkeys(WHO, 404)),
    "two-factor": (None, SIGNED_IN | {"anonymous": 302}),
    # Without an opened set-up link, back to the two-factor page.
    "two-factor-setup": (None, dict.fromkeys(WHO, 302)),
    "two-factor-setup-send": (None, POST_ONLY),
    "two-factor-setup-link": ("bad_token", dict.fromkeys(WHO, 302)),
    # Single sign-on: public by necessity (nobody is signed in yet), 404 unless configured.
    # Configured, they are tested in test_sso.py (start: off to the provider for anyone;
    # callback: 400 without the state this browser's session began).
    "sso-start": (None, dict.fromkeys(WHO, 404)),
    "sso-callback": (None, dict.fromkeys(WHO, 404)),
}

# URL name -> (what it takes, what to post, expected POST status per user)
POST_MATRIX = {
    "person-invite": (
        None,
        {"first_name": "N", "last_name": "P", "email": "n@p.example", "role": "Viewer"},
        MANAGERS_ONLY | {"opcc": 302, "administrator": 302},
    ),
    "person-detail": (
        "person",
        {"roles": ["Force lead"], "force": "FORCE"},
        MANAGERS_ONLY | {"opcc": 302, "administrator": 302},
    ),
    "person-deactivate": ("person", {}, MANAGERS_ONLY | {"opcc": 302, "administrator": 302}),
    "person-reactivate": ("person", {}, MANAGERS_ONLY | {"opcc": 302, "administrator": 302}),
    "person-password-link": (
        "person",
        {},
        MANAGERS_ONLY | {"opcc": 302, "administrator": 302},
    ),
    "invitation-resend": ("invitation", {}, MANAGERS_ONLY | {"opcc": 302, "administrator": 302}),
    "invitation-withdraw": (
        "invitation",
        {},
        MANAGERS_ONLY | {"opcc": 302, "administrator": 302},
    ),
}
# An administrator's page and invitation: OPCC staff may look, not change.
ADMIN_TARGET_MATRIX = {
    ("person-detail", "GET"): MANAGERS_ONLY,
    ("person-detail", "POST"): ADMINISTRATORS_ONLY | {"administrator": 302},
    ("person-deactivate", "GET"): ADMINISTRATORS_ONLY,
    ("person-deactivate", "POST"): ADMINISTRATORS_ONLY | {"administrator": 302},
    ("person-reactivate", "POST"): ADMINISTRATORS_ONLY | {"administrator": 302},
    ("person-password-link", "POST"): ADMINISTRATORS_ONLY | {"administrator": 302},
    ("invitation-resend", "POST"): ADMINISTRATORS_ONLY | {"administrator": 302},
    ("invitation-withdraw", "POST"): ADMINISTRATORS_ONLY | {"administrator": 302},
}


@pytest.fixture
def world(force, opcc, administrator, mailoutbox):
    earlier = timezone.now() - timezone.timedelta(minutes=5)
    person = make_user(Role.VIEWER, force=force, username="pat")
    other_admin = make_user(Role.ADMINISTRATOR, username="second-admin", is_staff=True)
    invitation = invitations.invitation_create(
        by=opcc,
        email="invitee@force.example",
        first_name="In",
        last_name="Vitee",
        role=Role.VIEWER,
        force=force,
        now=earlier,
    )
    admin_invitation = invitations.invitation_create(
        by=administrator,
        email="admin-invitee@opcc.example",
        first_name="Ad",
        last_name="Min",
        role=Role.ADMINISTRATOR,
        force=None,
        now=earlier,
    )
    token = mailoutbox[0].body.split("/accounts/invitation/")[1].split("/")[0]
    mailoutbox.clear()
    return {
        "person": person,
        "invitation": invitation,
        "token": token,
        "bad_token": "not-a-token",
        "admin_person": other_admin,
        "admin_invitation": admin_invitation,
        "force": force,
    }


def url_for(name: str, target: str | None, world: dict) -> str:
    if target is None:
        return reverse(f"accounts:{name}")
    if target in ("token", "bad_token"):
        return reverse(f"accounts:{name}", args=[world[target]])
    return reverse(f"accounts:{name}", args=[world[target].pk])


def client_for(request, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    return client


def state() -> tuple:
    """Everything a write here could change."""
    return (
        tuple(
            Invitation.objects.order_by("pk").values_list(
                "pk", "token_hash", "withdrawn_at", "accepted_at"
            )
        ),
        tuple(
            User.objects.order_by("pk").values_list(
                "pk", "is_active", "force_id", "is_staff", "password"
            )
        ),
        EmailLink.objects.count(),
        tuple(User.groups.through.objects.order_by("pk").values_list("user_id", "group_id")),
        AuditEvent.objects.exclude(event__in=["sign_in", "access_denied"]).count(),
    )


def post_data(data: dict, world: dict) -> dict:
    return {k: (world["force"].pk if v == "FORCE" else v) for k, v in data.items()}


def test_the_matrix_names_every_url_of_the_accounts_app():
    assert {pattern.name for pattern in urlpatterns} == set(GET_MATRIX)
    assert set(POST_MATRIX) <= set(GET_MATRIX)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(GET_MATRIX))
def test_get_status_by_user(request, world, name, who):
    target, expected = GET_MATRIX[name]
    client = client_for(request, who)
    before = state()
    response = client.get(url_for(name, target, world))
    assert response.status_code == expected[who], response.content[:300]
    if who == "anonymous" and expected[who] == 302 and not name.startswith("two-factor"):
        assert response.url.startswith(reverse("login"))
    assert state() == before, "a GET changed something"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(POST_MATRIX))
def test_post_status_by_user_and_refusals_change_nothing(request, world, name, who):
    target, data, expected = POST_MATRIX[name]
    client = client_for(request, who)
    before = state()
    response = client.post(url_for(name, target, world), post_data(data, world))
    assert response.status_code == expected[who], response.content[:300]
    if expected[who] != 302 or who == "anonymous":
        assert state() == before, "a refused POST changed something"
    if who == "anonymous":
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("name", "method"), list(ADMIN_TARGET_MATRIX))
def test_only_administrators_change_an_administrator(request, world, name, method, who):
    target = "admin_invitation" if name.startswith("invitation") else "admin_person"
    expected = ADMIN_TARGET_MATRIX[(name, method)][who]
    client = client_for(request, who)
    url = url_for(name, target, world)
    before = state()
    data = {"roles": ["Administrator", "Viewer"], "force": ""}
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert response.status_code == expected, response.content[:300]
    if expected != 302 or who == "anonymous":
        assert state() == before


def test_csrf_is_enforced_on_the_people_pages(world, opcc):
    client = Client(enforce_csrf_checks=True)
    client.force_login(opcc)
    url = reverse("accounts:person-deactivate", args=[world["person"].pk])
    before = state()
    assert client.post(url).status_code == 403
    assert state() == before
    token = client.get(url).cookies["csrftoken"].value
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not User.objects.get(pk=world["person"].pk).is_active
