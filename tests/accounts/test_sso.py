"""Single sign-on's rules without a browser: which claims name whom, the roles a group
claim gives, local passwords per role, two-factor after SSO, the ID token's audience,
the pages when off or misused, and the settings. The whole flow, with a real provider,
is in test_browser_sso.py."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts import invitations, sso
from accounts.models import SingleSignOnIdentity, TwoFactorPolicy
from accounts.signals import SESSION_NEEDS_TWO_FACTOR
from accounts.sso import Refusal, SignInRefused
from audit.models import AuditEvent, Event
from recommendations.models import Role, User
from tests.factories import make_user
from tests.support.subprocesses import run_python

NOW = timezone.now()
VERIFIED = {"email_verified": True}


def claims(email: str = "pat@testshire.example", **more: object) -> dict:
    return {"sub": "abc", "email": email, **VERIFIED, **more}


# ---------------------------------------------------------------- claims (no database)


@pytest.mark.parametrize(
    ("given", "verified"),
    [
        ({"email_verified": True}, True),
        ({"email_verified": "true"}, True),
        ({"email_verified": "TRUE"}, True),
        ({"email_verified": False}, False),
        ({"email_verified": "false"}, False),
        ({"email_verified": 1}, False),
        ({}, False),
        ({"xms_edov": True}, False),  # Entra's claim counts only when the operator allows it
    ],
)
def test_only_an_explicit_yes_counts_as_a_verified_email(settings, given, verified):
    settings.OVERSIGHT_OIDC_ACCEPT_XMS_EDOV = False
    assert sso.email_verified(given) is verified


def test_entra_xms_edov_counts_when_allowed_and_email_verified_is_absent(settings):
    settings.OVERSIGHT_OIDC_ACCEPT_XMS_EDOV = True
    assert sso.email_verified({"xms_edov": True})
    assert not sso.email_verified({"xms_edov": False})
    # An explicit "not verified" is never overridden.
    assert not sso.email_verified({"email_verified": False, "xms_edov": True})


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ({"email_verified": True}, Refusal.NO_EMAIL),
        ({"email": "", "email_verified": True}, Refusal.NO_EMAIL),
        ({"email": "not-an-address", "email_verified": True}, Refusal.NO_EMAIL),
        ({"email": ["a@b.example"], "email_verified": True}, Refusal.NO_EMAIL),
        ({"email": "a@b.example"}, Refusal.EMAIL_NOT_VERIFIED),
        ({"email": "a@b.example", "email_verified": False}, Refusal.EMAIL_NOT_VERIFIED),
    ],
)
def test_claims_without_a_verified_email_are_refused(given, refusal):
    with pytest.raises(SignInRefused) as refused:
        sso.claimed_email(given)
    assert refused.value.refusal is refusal


def test_the_claimed_email_is_trimmed():
    assert sso.claimed_email(claims(" pat@testshire.example ")) == "pat@testshire.example"


def test_without_a_group_mapping_roles_are_left_as_set_in_oversight(settings):
    settings.OVERSIGHT_OIDC_GROUP_ROLES = {}
    assert sso.roles_from_groups(claims(groups=["g-admin"])) is None
    assert sso.sign_in_roles({Role.VIEWER}, claims(groups=["g-admin"])) == {Role.VIEWER}


def test_mapped_roles_follow_the_group_claim_and_unmapped_roles_stay(settings):
    settings.OVERSIGHT_OIDC_GROUP_ROLES = {"g-opcc": "OPCC staff", "g-view": "Viewer"}
    settings.OVERSIGHT_OIDC_GROUPS_CLAIM = "groups"
    assert sso.roles_from_groups(claims(groups=["g-opcc", "other"])) == {Role.OPCC_STAFF}
    assert sso.roles_from_groups(claims(groups="g-view")) == {Role.VIEWER}
    assert sso.roles_from_groups(claims()) == set()
    current = {Role.VIEWER, Role.FORCE_LEAD}
    # Viewer is mapped and no longer claimed: gone; Force lead is not mapped: kept.
    assert sso.sign_in_roles(current, claims(groups=["g-opcc"])) == {
        Role.OPCC_STAFF,
        Role.FORCE_LEAD,
    }


# ---------------------------------------------------------------- matching people


@pytest.mark.django_db
def test_an_active_person_is_matched_by_email_whatever_its_case(force):
    pat = make_user(Role.FORCE_LEAD, force=force, email="Pat@Testshire.example")
    assert sso.person_for_claims(claims("pat@TESTSHIRE.example"), now=NOW) == pat


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "refusal"),
    [
        ("nobody", Refusal.UNKNOWN),
        ("deactivated", Refusal.DEACTIVATED),
        ("two_accounts", Refusal.AMBIGUOUS),
        ("expired_invitation", Refusal.UNKNOWN),
        ("withdrawn_invitation", Refusal.UNKNOWN),
    ],
)
def test_people_who_are_not_one_active_oversight_person_are_refused(
    force, opcc, setup, refusal, mailoutbox
):
    email = "pat@testshire.example"
    if setup == "deactivated":
        make_user(Role.VIEWER, force=force, email=email, is_active=False)
    if setup == "two_accounts":
        make_user(Role.VIEWER, force=force, email=email)
        make_user(Role.VIEWER, force=force, email=email.upper())
    if setup.endswith("invitation"):
        invitation = invitations.invitation_create(
            by=opcc,
            email=email,
            first_name="Pat",
            last_name="Lead",
            role=Role.VIEWER,
            force=force,
            now=NOW - timedelta(days=30),
        )
        if setup == "withdrawn_invitation":
            invitation.expires_at = NOW + timedelta(days=1)
            invitation.save()
            invitations.invitation_withdraw(invitation=invitation, by=opcc, now=NOW)
    users_before = User.objects.count()
    with pytest.raises(SignInRefused) as refused:
        sso.person_for_claims(claims(email), now=NOW)
    assert refused.value.refusal is refusal
    assert User.objects.count() == users_before


@pytest.mark.django_db
def test_an_invited_person_gets_the_invitations_role_and_force_and_no_password(
    force, opcc, mailoutbox
):
    invitations.invitation_create(
        by=opcc,
        email="new.person@testshire.example",
        first_name="New",
        last_name="Person",
        role=Role.FORCE_LEAD,
        force=force,
        now=NOW,
    )
    person = sso.person_for_claims(claims("New.Person@testshire.example"), now=NOW)
    assert person.username == "new.person@testshire.example"
    assert person.email == "new.person@testshire.example"
    assert person.get_full_name() == "New Person"
    assert person.force == force and not person.has_usable_password()
    assert set(person.groups.values_list("name", flat=True)) == {Role.FORCE_LEAD.value}
    assert person.invitation.accepted_at == NOW
    event = AuditEvent.objects.get(event=Event.INVITATION_ACCEPTED)
    assert event.detail["by"] == "single sign-on"
    # The second sign-in finds the account.
    assert sso.person_for_claims(claims("new.person@testshire.example"), now=NOW) == person


@pytest.mark.django_db
def test_the_first_sign_in_links_the_subject_and_later_ones_follow_it(force):
    pat = make_user(Role.VIEWER, force=force, email="pat@testshire.example")
    first = claims(iss="https://idp.example/t", sub="subject-1")
    assert sso.person_for_claims(first, now=NOW) == pat
    link = SingleSignOnIdentity.objects.get()
    assert (link.user, link.issuer, link.subject) == (pat, "https://idp.example/t", "subject-1")
    # The provider now gives another (verified) address: the link still finds Pat.
    moved = claims("pat.lead@new.example", iss="https://idp.example/t", sub="subject-1")
    assert sso.person_for_claims(moved, now=NOW) == pat
    assert SingleSignOnIdentity.objects.count() == 1


@pytest.mark.django_db
def test_a_reused_address_with_another_subject_cannot_reach_a_linked_account(force):
    pat = make_user(Role.VIEWER, force=force, email="pat@testshire.example")
    sso.person_for_claims(claims(iss="https://idp.example/t", sub="leaver"), now=NOW)
    with pytest.raises(SignInRefused) as refused:
        sso.person_for_claims(claims(iss="https://idp.example/t", sub="newcomer"), now=NOW)
    assert refused.value.refusal is Refusal.LINKED_ELSEWHERE
    assert list(SingleSignOnIdentity.objects.values_list("user", "subject")) == [(pat.pk, "leaver")]


@pytest.mark.django_db
def test_claims_without_a_subject_are_refused_and_a_deactivated_person_is_not_linked(force):
    make_user(Role.VIEWER, force=force, email="pat@testshire.example", is_active=False)
    with pytest.raises(SignInRefused) as refused:
        sso.person_for_claims(claims(sub=""), now=NOW)
    assert refused.value.refusal is Refusal.BAD_ANSWER
    with pytest.raises(SignInRefused) as refused:
        sso.person_for_claims(claims(), now=NOW)
    assert refused.value.refusal is Refusal.DEACTIVATED
    assert not SingleSignOnIdentity.objects.exists()


@pytest.mark.django_db
def test_a_group_claim_changes_mapped_roles_and_is_audited(settings, force):
    settings.OVERSIGHT_OIDC_GROUP_ROLES = {"g-opcc": "OPCC staff", "g-view": "Viewer"}
    pat = make_user(Role.VIEWER, force=force, email="pat@testshire.example")
    person = sso.person_for_claims(claims(groups=["g-opcc"]), now=NOW)
    assert set(person.groups.values_list("name", flat=True)) == {"OPCC staff"}
    event = AuditEvent.objects.get(event=Event.ACCESS_CHANGED, object_id=str(pat.pk))
    assert event.detail["roles"] == {"before": ["Viewer"], "after": ["OPCC staff"]}
    assert event.detail["by"] == "single sign-on groups"


@pytest.mark.django_db
def test_a_group_claim_that_leaves_no_role_refuses_and_changes_nothing(settings, force):
    settings.OVERSIGHT_OIDC_GROUP_ROLES = {"g-view": "Viewer"}
    make_user(Role.VIEWER, force=force, email="pat@testshire.example")
    with pytest.raises(SignInRefused) as refused:
        sso.person_for_claims(claims(groups=[]), now=NOW)
    assert refused.value.refusal is Refusal.NO_ROLE
    assert User.objects.get(email="pat@testshire.example").groups.get().name == "Viewer"


@pytest.mark.django_db
def test_a_group_claim_never_removes_the_last_administrator(settings):
    settings.OVERSIGHT_OIDC_GROUP_ROLES = {"g-admin": "Administrator", "g-view": "Viewer"}
    make_user(Role.ADMINISTRATOR, email="root@opcc.example", is_staff=True)
    person = sso.person_for_claims(claims("root@opcc.example", groups=["g-view"]), now=NOW)
    assert set(person.groups.values_list("name", flat=True)) == {"Administrator"}
    assert not AuditEvent.objects.filter(event=Event.ACCESS_CHANGED).exists()


@pytest.mark.django_db
def test_a_force_lead_group_is_not_given_to_someone_without_a_force(settings):
    settings.OVERSIGHT_OIDC_GROUP_ROLES = {"g-lead": "Force lead", "g-view": "Viewer"}
    make_user(Role.OPCC_STAFF, email="pat@testshire.example")
    person = sso.person_for_claims(claims(groups=["g-lead", "g-view"]), now=NOW)
    assert set(person.groups.values_list("name", flat=True)) == {"OPCC staff", "Viewer"}


# ---------------------------------------------------------------- the backend


def _token(key, **payload: object) -> str:
    body = {"iss": "https://idp.example/t", "aud": "oversight", "sub": "abc"}
    body |= {"exp": int(time.time()) + 300, **payload}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
def backend(settings):
    settings.OIDC_RP_CLIENT_ID = "oversight"
    backend = sso.SingleSignOnBackend()
    backend.issuer = "https://idp.example/t"
    return backend


def test_an_id_token_for_our_client_from_our_issuer_is_accepted(backend):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    checked = backend._verify_jws(_token(key), key.public_key())
    assert checked["sub"] == "abc"
    listed = backend._verify_jws(_token(key, aud=["other", "oversight"]), key.public_key())
    assert listed["sub"] == "abc"


@pytest.mark.parametrize(
    "wrong", [{"aud": "another-app"}, {"aud": ["another-app"]}, {"iss": "https://evil.example"}]
)
def test_an_id_token_for_another_client_or_from_another_issuer_is_refused(backend, wrong):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(SuspiciousOperation):
        backend._verify_jws(_token(key, **wrong), key.public_key())


def test_an_expired_id_token_is_refused(backend):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(jwt.ExpiredSignatureError):
        backend._verify_jws(_token(key, exp=int(time.time()) - 60), key.public_key())


def test_the_backend_ignores_password_sign_ins(settings, rf):
    settings.OVERSIGHT_OIDC_ENABLED = True
    request = rf.get("/accounts/login/?code=x&state=y")
    backend = sso.SingleSignOnBackend()
    assert backend.authenticate(request, username="pat", password="secret") is None
    assert backend.authenticate(request, nonce="n", password="secret") is None
    settings.OVERSIGHT_OIDC_ENABLED = False
    assert backend.authenticate(request, nonce="n", code_verifier="v") is None


@pytest.mark.django_db
def test_the_backend_grants_no_permissions_of_its_own(opcc):
    backend = sso.SingleSignOnBackend()
    assert backend.get_all_permissions(opcc) == set()
    assert not backend.has_perm(opcc, "recommendations.view_finding")


# ---------------------------------------------------------------- passwords per role


@pytest.mark.django_db
def test_a_role_with_passwords_off_is_refused_after_the_password_with_a_clear_message(
    client, settings, force
):
    settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES = ["Force lead"]
    make_user(Role.FORCE_LEAD, force=force, username="pat")
    response = client.post(reverse("login"), {"username": "pat", "password": "unused-password-123"})
    assert response.status_code == 200
    assert "cannot sign in with a password here" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(event=Event.SIGN_IN_FAILED).latest("pk")
    assert event.username == "pat" and event.detail["refused"] == "password_sign_in_off"
    # A wrong password says nothing about the rule.
    wrong = client.post(reverse("login"), {"username": "pat", "password": "wrong-password"})
    assert "did not match" in wrong.content.decode()
    assert "cannot sign in with a password" not in wrong.content.decode()


@pytest.mark.django_db
def test_other_roles_and_break_glass_accounts_keep_their_passwords(client, settings, force):
    settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES = ["Force lead", "Administrator"]
    settings.OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES = ["root-admin"]
    make_user(Role.VIEWER, force=force, username="viewer")
    make_user(Role.ADMINISTRATOR, username="root-admin", is_staff=True)
    for username in ("viewer", "root-admin"):
        response = client.post(
            reverse("login"), {"username": username, "password": "unused-password-123"}
        )
        assert response.status_code == 302, username
        client.logout()
    event = AuditEvent.objects.filter(event=Event.SIGN_IN, username="root-admin").get()
    assert event.detail == {"method": "password", "break_glass": True}
    assert AuditEvent.objects.get(event=Event.SIGN_IN, username="viewer").detail == {}


@pytest.mark.django_db
def test_the_admin_sign_in_page_keeps_the_rule(client, settings):
    settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES = ["Administrator"]
    make_user(Role.ADMINISTRATOR, username="admin2", is_staff=True)
    response = client.post(
        reverse("admin:login"), {"username": "admin2", "password": "unused-password-123"}
    )
    assert response.status_code == 200
    assert "cannot sign in with a password here" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_message_names_the_provider_when_single_sign_on_is_on(settings, force):
    settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES = ["Force lead"]
    settings.OVERSIGHT_OIDC_ENABLED = True
    settings.OVERSIGHT_OIDC_PROVIDER_NAME = "Testshire ID"
    pat = make_user(Role.FORCE_LEAD, force=force)
    assert sso.password_refusal(pat) == sso.LOCAL_SIGN_IN_OFF.format(
        role="Force lead", provider="Testshire ID"
    )


# ---------------------------------------------------------------- two-factor after SSO


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("backend_path", "provider_mfa", "needs_code"),
    [
        (sso.BACKEND, True, False),
        (sso.BACKEND, False, True),
        ("accounts.backends.ModelBackendOneQuery", True, True),
    ],
)
def test_sso_satisfies_two_factor_only_when_the_provider_enforces_mfa(
    settings, force, backend_path, provider_mfa, needs_code
):
    from django.contrib.auth import login
    from django.contrib.sessions.backends.db import SessionStore

    settings.OVERSIGHT_OIDC_IDP_ENFORCES_MFA = provider_mfa
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, sso.BACKEND]
    TwoFactorPolicy.objects.create(group=Group.objects.get(name="Force lead"), required=True)
    pat = make_user(Role.FORCE_LEAD, force=force)
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = pat
    pat.backend = backend_path
    login(request, pat, backend=backend_path)
    assert request.session[SESSION_NEEDS_TWO_FACTOR] is needs_code


# ---------------------------------------------------------------- the pages


@pytest.mark.django_db
def test_the_pages_are_not_found_and_no_button_shows_when_single_sign_on_is_off(client, settings):
    settings.OVERSIGHT_OIDC_ENABLED = False
    assert client.get(reverse("accounts:sso-start")).status_code == 404
    assert client.get(reverse("accounts:sso-callback") + "?code=a&state=b").status_code == 404
    assert "Sign in with" not in client.get(reverse("login")).content.decode()


@pytest.fixture
def sso_on(settings):
    settings.OVERSIGHT_OIDC_ENABLED = True
    settings.OVERSIGHT_OIDC_ISSUER = ""
    settings.OVERSIGHT_OIDC_PROVIDER_NAME = "Testshire ID"
    settings.OIDC_RP_CLIENT_ID = "oversight"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.example/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://idp.example/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://idp.example/jwks"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, sso.BACKEND]


@pytest.mark.django_db
def test_start_sends_anyone_to_the_provider_with_pkce_state_and_nonce(client, sso_on):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Testshire ID" in page
    response = client.get(reverse("accounts:sso-start") + "?next=/findings/")
    assert response.status_code == 302
    assert response.url.startswith("https://idp.example/authorize?")
    for part in ("code_challenge=", "code_challenge_method=S256", "state=", "nonce="):
        assert part in response.url
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Faccounts%2Fsso%2Fcallback%2F" in response.url
    assert client.session["oidc_login_next"] == "/findings/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["", "?code=abc", "?state=nothing-started", "?code=abc&state=nothing-started"]
)
def test_a_callback_without_a_state_this_session_began_is_refused_and_audited(
    client, sso_on, query
):
    client.get(reverse("accounts:sso-start"))  # a real state in the session, not the one sent
    response = client.get(reverse("accounts:sso-callback") + query)
    assert response.status_code == 400
    assert escape(Refusal.STATE.value) in response.content.decode()
    event = AuditEvent.objects.get(event=Event.SIGN_IN_FAILED)
    assert event.detail == {
        "method": "single sign-on",
        "provider": "Testshire ID",
        "refused": "state",
    }


@pytest.mark.django_db
def test_an_error_from_the_provider_is_explained(client, sso_on):
    client.get(reverse("accounts:sso-start"))
    (state,) = client.session["oidc_states"]
    response = client.get(reverse("accounts:sso-callback") + f"?error=access_denied&state={state}")
    assert response.status_code == 403
    assert escape(Refusal.PROVIDER_ERROR.value) in response.content.decode()
    assert state not in client.session.get("oidc_states", {})


@pytest.mark.django_db
def test_a_provider_that_cannot_be_reached_gives_a_clear_page_not_an_error(
    client, sso_on, settings
):
    from tests.support.smtp import free_port

    settings.OVERSIGHT_OIDC_ISSUER = f"http://127.0.0.1:{free_port()}/nothing-here"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = ""
    settings.OIDC_TIMEOUT = 2
    sso._discovered.clear()
    response = client.get(reverse("accounts:sso-start"))
    assert response.status_code == 503
    assert escape(Refusal.PROVIDER_DOWN.value) in response.content.decode()


# ---------------------------------------------------------------- settings

PRINT = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'on': settings.OVERSIGHT_OIDC_ENABLED, "
    "'backends': settings.AUTHENTICATION_BACKENDS, 'pkce': settings.OIDC_USE_PKCE, "
    "'create': settings.OIDC_CREATE_USER, 'groups': settings.OVERSIGHT_OIDC_GROUP_ROLES, "
    "'off': settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES}))"
)


def _settings(tmp_path, **env: str) -> dict:
    result = run_python(PRINT, {"OVERSIGHT_VAR_DIR": str(tmp_path), **env}, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_single_sign_on_is_off_by_default_and_on_with_a_client_and_an_issuer(tmp_path):
    off = _settings(tmp_path)
    assert off["on"] is False and sso.BACKEND not in off["backends"]
    assert off["off"] == [] and off["groups"] == {}
    on = _settings(
        tmp_path,
        OVERSIGHT_OIDC_ISSUER="https://login.microsoftonline.com/tenant-id/v2.0",
        OVERSIGHT_OIDC_CLIENT_ID="client",
        OVERSIGHT_OIDC_CLIENT_SECRET="secret",
        OVERSIGHT_OIDC_GROUP_ROLES='{"g1": "Viewer"}',
        OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES="Force lead, Viewer",
    )
    assert on["on"] is True and on["backends"][-1] == sso.BACKEND
    assert on["pkce"] is True and on["create"] is False
    assert on["groups"] == {"g1": "Viewer"} and on["off"] == ["Force lead", "Viewer"]
    # A client id alone is not enough.
    assert _settings(tmp_path, OVERSIGHT_OIDC_CLIENT_ID="client")["on"] is False


def test_a_group_mapping_that_is_not_json_stops_start_up(tmp_path):
    result = run_python(
        PRINT, {"OVERSIGHT_VAR_DIR": str(tmp_path), "OVERSIGHT_OIDC_GROUP_ROLES": "g1=Viewer"}
    )
    assert result.returncode != 0
    assert "OVERSIGHT_OIDC_GROUP_ROLES must be a JSON object" in result.stderr


def test_the_checks_catch_unknown_role_names_and_no_way_in_for_administrators(settings):
    settings.OVERSIGHT_OIDC_GROUP_ROLES = {"g1": "Superhero"}
    settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES = ["Administrator", "Boss"]
    settings.OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES = []
    found = {message.id for message in sso.check_settings(None)}
    assert found == {"accounts.E101", "accounts.E102", "accounts.W103"}
    settings.OVERSIGHT_OIDC_GROUP_ROLES = {"g1": "Viewer"}
    settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES = ["Administrator"]
    settings.OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES = ["root-admin"]
    assert sso.check_settings(None) == []


@pytest.mark.django_db
def test_administrators_see_and_remove_links_in_the_admin_but_cannot_make_them(
    client, administrator, force
):
    pat = make_user(Role.VIEWER, force=force, email="pat@testshire.example")
    sso.person_for_claims(claims(iss="https://idp.example/t", sub="s1"), now=NOW)
    link = SingleSignOnIdentity.objects.get(user=pat)
    assert AuditEvent.objects.filter(
        event=Event.CREATED, object_type="accounts.SingleSignOnIdentity"
    ).exists()
    client.force_login(administrator)
    changelist = reverse("admin:accounts_singlesignonidentity_changelist")
    assert client.get(changelist, {"q": "pat"}).status_code == 200
    assert client.get(reverse("admin:accounts_singlesignonidentity_add")).status_code == 403
    delete = reverse("admin:accounts_singlesignonidentity_delete", args=[link.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not SingleSignOnIdentity.objects.exists()
