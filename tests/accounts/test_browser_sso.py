"""Single sign-on end to end: the authorisation-code flow with PKCE, in headless Chromium,
against a real OpenID provider (django-oauth-toolkit in its own process, RS256 key made at
start; tests/support/oidc.py). Who gets in, who is refused and why, a tampered state, and a
password refused for a role that must use single sign-on."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import invitations, sso
from audit.models import AuditEvent, Event
from recommendations.models import Force, Role, User
from tests.factories import make_force, make_user
from tests.support.browser import PASSWORD, shot
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, PROVIDER_PASSWORD, OidcProvider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVIDER_NAME = "Testshire ID"
LEAD_EMAIL = "pat.lead@testshire.example"

PEOPLE = {
    "pat": {"email": LEAD_EMAIL, "email_verified": True, "given_name": "Pat"},
    "ina": {"email": "Ina.Invitee@testshire.example", "email_verified": True},
    "stranger": {"email": "nobody@elsewhere.example", "email_verified": True},
    # The lead's address, but the provider does not vouch for it.
    "unsure": {"email": LEAD_EMAIL, "email_verified": False},
    "leaver": {"email": "leaver@testshire.example", "email_verified": True},
}


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    started = OidcProvider(
        tmp_path_factory.mktemp("oidc"),
        people=PEOPLE,
        redirect_uri=f"{live_server.url}/accounts/sso/callback/",
    ).start()
    yield started
    started.stop()


@pytest.fixture
def site(settings, live_server, reference_data, provider):
    """Oversight's live server with single sign-on pointed at the test provider."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.OVERSIGHT_OIDC_ENABLED = True
    settings.OVERSIGHT_OIDC_ISSUER = provider.issuer
    settings.OVERSIGHT_OIDC_PROVIDER_NAME = PROVIDER_NAME
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, sso.BACKEND]
    sso._discovered.clear()
    force = make_force(name="Testshire Constabulary", slug="testshire")
    make_user(Role.FORCE_LEAD, force=force, username="pat", email=LEAD_EMAIL, first_name="Pat")
    make_user(Role.VIEWER, force=force, username="leaver", email="leaver@testshire.example")
    User.objects.filter(username="leaver").update(is_active=False)
    return live_server.url


def provider_sign_in(page: Page, base: str, who: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    page.get_by_label("Provider username").fill(who)
    page.get_by_label("Provider password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Continue").click()


def refusals() -> list[str]:
    return [
        e.detail.get("refused")
        for e in AuditEvent.objects.filter(event=Event.SIGN_IN_FAILED).order_by("pk")
    ]


def test_an_existing_person_signs_in_with_pkce_and_keeps_roles_and_force(
    page: Page, site, provider
):
    earlier = len(provider.requests_seen())
    page.goto(f"{site}/accounts/login/")
    shot(page, "sign-in-sso")
    provider_sign_in(page, site, "pat")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    menu = page.locator("#signed-in-as")
    expect(menu).to_contain_text("Force lead")
    expect(menu).to_contain_text("Testshire Constabulary")

    # PKCE was used: the provider saw an S256 challenge, then the verifier that fits it.
    seen = provider.requests_seen()[earlier:]
    authorize = next(r for r in seen if r["endpoint"] == "authorize")
    token = next(r for r in seen if r["endpoint"] == "token")
    assert authorize["code_challenge_method"] == "S256"
    assert token["status"] == 200
    digest = hashlib.sha256(token["code_verifier"].encode()).digest()
    assert authorize["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    event = AuditEvent.objects.filter(event=Event.SIGN_IN).latest("pk")
    assert event.username == "pat"
    assert event.detail == {"method": "single sign-on", "provider": PROVIDER_NAME}


def test_an_invited_person_signs_in_and_their_invitation_is_accepted(page: Page, site):
    force = Force.objects.get(slug="testshire")
    opcc = make_user(Role.OPCC_STAFF, username="opcc-inviter")
    invitations.invitation_create(
        by=opcc,
        email="ina.invitee@testshire.example",
        first_name="Ina",
        last_name="Invitee",
        role=Role.VIEWER,
        force=force,
        now=timezone.now(),
    )
    provider_sign_in(page, site, "ina")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.locator("#signed-in-as")).to_contain_text("Viewer")
    person = User.objects.get(email__iexact="ina.invitee@testshire.example")
    assert person.force == force and not person.has_usable_password()
    assert person.invitation.accepted_at is not None


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("stranger", sso.Refusal.UNKNOWN),
        ("unsure", sso.Refusal.EMAIL_NOT_VERIFIED),
        ("leaver", sso.Refusal.DEACTIVATED),
    ],
)
def test_refused_people_see_why_and_are_not_signed_in(page: Page, site, who, refusal):
    provider_sign_in(page, site, who)
    expect(page.get_by_role("heading", name="Sign-in not accepted")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(refusal.value)
    if who == "stranger":
        shot(page, "sign-in-sso-refused")
    page.goto(f"{site}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert refusals() == [refusal.code]
    assert not User.objects.filter(email="nobody@elsewhere.example").exists()


def test_a_tampered_state_is_refused(page: Page, site, provider):
    """The provider's answer is caught on its way back (the code still unspent), and
    brought to the callback with its state altered."""
    held: list[str] = []
    earlier = len(provider.requests_seen())
    provider_login = provider.issuer.removesuffix("/o") + "/accounts/login/"

    def hold(route):
        # Redirects are not routed, so the provider's sign-in POST is, and its redirects
        # (to authorise, then back to Oversight) are followed here by hand.
        authorize = route.fetch(max_redirects=0).headers["location"]
        answer = page.request.get(urljoin(provider_login, authorize), max_redirects=0)
        held.append(answer.headers["location"])
        route.fulfill(status=200, content_type="text/plain", body="held by the test")

    page.route(lambda url: url.startswith(provider_login), hold)
    provider_sign_in(page, site, "pat")
    expect(page.get_by_text("held by the test")).to_be_visible()
    (callback,) = held
    parts = urlsplit(callback)
    query = dict(parse_qsl(parts.query))
    assert query["code"] and query["state"]
    query["state"] = query["state"][:-4] + "AAAA"
    page.goto(urlunsplit(parts._replace(query=urlencode(query))))
    expect(page.get_by_role("alert")).to_have_text(sso.Refusal.STATE.value)
    page.goto(f"{site}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert refusals() == ["state"]
    # The forged state never reached the provider's token endpoint.
    assert not [r for r in provider.requests_seen()[earlier:] if r["endpoint"] == "token"]


def test_a_password_is_refused_for_a_role_that_must_use_single_sign_on(page: Page, site, settings):
    settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES = [Role.FORCE_LEAD.value]
    pat = User.objects.get(username="pat")
    pat.set_password(PASSWORD)
    pat.save()
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"People with the Force lead role sign in through {PROVIDER_NAME}"
    )
    page.goto(f"{site}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    # The same person still gets in through the provider.
    provider_sign_in(page, site, "pat")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
