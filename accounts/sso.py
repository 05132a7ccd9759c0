"""Single sign-on with OpenID Connect (issue 18 item 3), through mozilla-django-oidc.

The rules, in one place:

- Off unless configured (settings' single sign-on block): the embedded default signs
  in by password only, and the SSO pages answer 404.
- The authorisation-code flow with PKCE (S256) and a nonce; the `state` is checked
  against the browser's session. The ID token's signature (the provider's JWKS), issuer,
  audience and expiry are checked; userinfo must name the same subject.
- People are matched by **verified** email only: `email_verified` must be true (or,
  where the operator allows it, Entra ID's `xms_edov`). Nobody is made by signing in:
  the address must be an Oversight person's, or have an open invitation, which the
  sign-in then accepts (the account gets the invitation's role and force). An unknown
  address, an unverified one, a deactivated person, or an address two people share is
  refused with a page saying why, and an audit event.
- People keep the roles and force scope set in Oversight, unless the operator maps an
  ID-token group claim to roles: then the mapped roles follow the claim at each sign-in.
- Local passwords can be switched off per role; named break-glass accounts keep them.
- Two-factor: an SSO sign-in satisfies the roles' TOTP requirement only when the
  operator says the identity provider enforces MFA (OVERSIGHT_OIDC_IDP_ENFORCES_MFA).
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts import people
from accounts.models import Invitation, SingleSignOnIdentity
from accounts.people import roles_of
from audit.services import Event, record
from recommendations.models import Role, User

log = logging.getLogger(__name__)

BACKEND = "accounts.sso.SingleSignOnBackend"
# Set on the request by the backend, read by the callback view to say why.
REFUSAL_ATTRIBUTE = "oversight_sso_refusal"
DISCOVERY_SECONDS = 3600


class Refusal(enum.Enum):
    """Why a single sign-on was refused: the code goes to the audit trail, the text to
    the person."""

    NO_EMAIL = "Your organisation's account did not give an email address, so we cannot tell who you are in Oversight."  # noqa: E501
    EMAIL_NOT_VERIFIED = "Your organisation's account did not confirm that its email address is verified, so Oversight cannot rely on it. Ask your IT service desk."  # noqa: E501
    UNKNOWN = "There is no Oversight account or open invitation for this email address. Ask the OPCC staff who manage Oversight's users to invite you."  # noqa: E501
    DEACTIVATED = "Your Oversight account is switched off. Ask the OPCC staff who manage Oversight's users if you need it again."  # noqa: E501
    AMBIGUOUS = "More than one Oversight account has this email address, so we cannot tell which is yours. Ask the OPCC staff who manage Oversight's users."  # noqa: E501
    LINKED_ELSEWHERE = "This email address's Oversight account is linked to a different account at your organisation, so it was not used. Ask the OPCC staff who manage Oversight's users."  # noqa: E501
    NO_ROLE = "Your organisation's groups leave you no role in Oversight. Ask the OPCC staff who manage Oversight's users."  # noqa: E501
    STATE = "This sign-in could not be checked: it was started in another browser or window, took too long, or was altered. Please start again."  # noqa: E501
    PROVIDER_ERROR = "Your organisation's sign-in did not complete (it was cancelled or refused there). Please try again."  # noqa: E501
    PROVIDER_DOWN = "Your organisation's sign-in service could not be reached just now. Please try again in a few minutes, or sign in with your password if you have one."  # noqa: E501
    BAD_ANSWER = "Your organisation's sign-in answer could not be checked, so it was not accepted. Please start again."  # noqa: E501

    @property
    def code(self) -> str:
        return self.name.lower()


class SignInRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.name)
        self.refusal = refusal


def enabled() -> bool:
    return bool(settings.OVERSIGHT_OIDC_ENABLED)


def provider_name() -> str:
    return settings.OVERSIGHT_OIDC_PROVIDER_NAME


# ---------------------------------------------------------------- the provider's endpoints


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str


_discovered: dict[str, tuple[float, dict[str, Any]]] = {}


def _discover(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document, kept an hour per process (it rarely changes)."""
    kept = _discovered.get(issuer)
    if kept and time.monotonic() - kept[0] < DISCOVERY_SECONDS:
        return kept[1]
    response = requests.get(
        f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
    )
    response.raise_for_status()
    document = response.json()
    # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer asked.
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ImproperlyConfigured(
            f"The discovery document of {issuer} names another issuer: {document.get('issuer')}"
        )
    _discovered[issuer] = (time.monotonic(), document)
    return document


def provider() -> Provider:
    """Endpoints set explicitly win; the rest come from the issuer's discovery document.
    Raises requests.RequestException when the provider cannot be reached."""
    issuer = settings.OVERSIGHT_OIDC_ISSUER.rstrip("/")
    explicit = {
        "authorization_endpoint": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token_endpoint": settings.OIDC_OP_TOKEN_ENDPOINT,
        "userinfo_endpoint": settings.OIDC_OP_USER_ENDPOINT,
        "jwks_uri": settings.OIDC_OP_JWKS_ENDPOINT,
    }
    found = _discover(issuer) if issuer and not all(explicit.values()) else {}
    return Provider(
        issuer=issuer,
        **{key: value or str(found.get(key, "")) for key, value in explicit.items()},
    )


# ---------------------------------------------------------------- who the claims name


def email_verified(claims: dict[str, Any]) -> bool:
    """True only for an explicit yes. Entra ID sends no `email_verified` for work accounts;
    its `xms_edov` (the email's domain is verified by the tenant) counts where allowed."""
    verified = claims.get("email_verified")
    if verified is None and settings.OVERSIGHT_OIDC_ACCEPT_XMS_EDOV:
        verified = claims.get("xms_edov")
    # Some providers send JSON strings for booleans.
    return verified is True or (isinstance(verified, str) and verified.lower() == "true")


def claimed_email(claims: dict[str, Any]) -> str:
    """The verified email the claims give. Raises SignInRefused."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email.strip():
        raise SignInRefused(Refusal.NO_EMAIL)
    if not email_verified(claims):
        raise SignInRefused(Refusal.EMAIL_NOT_VERIFIED)
    return email.strip()


def roles_from_groups(claims: dict[str, Any]) -> set[Role] | None:
    """The roles the ID token's groups give, or None when no mapping is configured.

    Only the roles named in the mapping are decided by the claim: see `sign_in_roles`.
    """
    mapping = settings.OVERSIGHT_OIDC_GROUP_ROLES
    if not mapping:
        return None
    groups = claims.get(settings.OVERSIGHT_OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    return {Role(mapping[g]) for g in groups if isinstance(g, str) and g in mapping}


def sign_in_roles(current: set[Role], claims: dict[str, Any]) -> set[Role]:
    """The person's roles after this sign-in: unchanged without a mapping; with one, the
    mapped roles follow the claim and the roles the mapping does not name stay."""
    granted = roles_from_groups(claims)
    if granted is None:
        return current
    managed = {Role(role) for role in settings.OVERSIGHT_OIDC_GROUP_ROLES.values()}
    return (current - managed) | granted


def person_for_claims(
    claims: dict[str, Any], *, now: datetime, request: HttpRequest | None = None
) -> User:
    """The active Oversight person these claims name, accepting their open invitation if
    they have no account yet; their roles as `sign_in_roles` says. Raises SignInRefused.

    The first sign-in matches by verified email and links the provider's subject to the
    account; later ones find the account by that link (the email must still be verified),
    so an address the provider later gives to someone else cannot reach it.
    """
    email = claimed_email(claims)
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused(Refusal.BAD_ANSWER)
    link = (
        SingleSignOnIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if link is not None:
        person = link.user
    else:
        found = list(User.objects.filter(email__iexact=email)[:2])
        if len(found) > 1:
            raise SignInRefused(Refusal.AMBIGUOUS)
        if not found:
            invitation = (
                Invitation.objects.pending().filter(email__iexact=email, expires_at__gt=now).first()
            )
            if invitation is None:
                raise SignInRefused(Refusal.UNKNOWN)
            person = _account_from_invitation(invitation, now=now, request=request)
        else:
            person = found[0]
        if person.is_active:
            _link(person, issuer=issuer, subject=subject, now=now)
    if not person.is_active:
        raise SignInRefused(Refusal.DEACTIVATED)
    _apply_group_roles(person, claims, request=request)
    return person


def _link(person: User, *, issuer: str, subject: str, now: datetime) -> None:
    """Tie the provider's subject to the account, once. Raises SignInRefused when the
    account is already tied to another subject of this provider."""
    try:
        with transaction.atomic():
            SingleSignOnIdentity.objects.create(
                user=person, issuer=issuer, subject=subject, created_at=now
            )
    except IntegrityError:
        # Either this subject was linked a moment ago (two tabs), or the account belongs
        # to another subject: then this is someone else with the address.
        if not SingleSignOnIdentity.objects.filter(
            user=person, issuer=issuer, subject=subject
        ).exists():
            raise SignInRefused(Refusal.LINKED_ELSEWHERE) from None


def _apply_group_roles(
    person: User, claims: dict[str, Any], *, request: HttpRequest | None
) -> None:
    before = roles_of(person)
    after = sign_in_roles(before, claims)
    if after == before:
        return
    if Role.FORCE_LEAD in after and person.force is None:
        after.discard(Role.FORCE_LEAD)  # a force lead needs a force, set in Oversight
    if not after:
        raise SignInRefused(Refusal.NO_ROLE)
    with transaction.atomic():
        people._lock_roles()
        try:
            # The provider's groups never remove the last administrator or the last OPCC
            # staff member across all forces: then the roles stay as set in Oversight.
            people._keeps_someone_in_charge(person, roles=after, force=person.force, active=True)
        except ValidationError as exc:
            log.warning("Single sign-on groups not applied to %s: %s", person, exc.messages[0])
            return
        groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
        person.groups.remove(*(groups[r.value] for r in before - after))
        person.groups.add(*(groups[r.value] for r in after - before))
        person.is_staff = person.is_superuser or Role.ADMINISTRATOR in after
        person.save(update_fields=["is_staff"])
        record(
            Event.ACCESS_CHANGED,
            request=request,
            user=person,
            obj=person,
            detail={
                "person": person.get_username(),
                "by": "single sign-on groups",
                "roles": {
                    "before": sorted(r.value for r in before),
                    "after": sorted(r.value for r in after),
                },
            },
        )
    person.__dict__.pop("role_names", None)


def _free_username(email: str) -> str:
    base = email[:140]
    for n in range(1, 50):
        candidate = base if n == 1 else f"{base}-{n}"
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    raise SignInRefused(Refusal.AMBIGUOUS)


def _account_from_invitation(
    invitation: Invitation,
    *,
    now: datetime,
    request: HttpRequest | None,
) -> User:
    """Accept the invitation for someone arriving by single sign-on: the account gets the
    invitation's role and force, the email as username, and no usable password."""
    with transaction.atomic():
        role = Role(invitation.role)
        person = User(
            username=_free_username(invitation.email),
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
            force=invitation.force,
            is_staff=role == Role.ADMINISTRATOR,
            password=make_password(None),
        )
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            raise SignInRefused(Refusal.AMBIGUOUS) from None
        person.groups.add(Group.objects.get(name=role.value))
        spent = Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            withdrawn_at__isnull=True,
            expires_at__gt=now,
        ).update(accepted_at=now, user=person)
        if spent != 1:
            # Accepted or withdrawn a moment ago: undo, and say so as for no invitation.
            transaction.set_rollback(True)
            raise SignInRefused(Refusal.UNKNOWN)
        record(
            Event.INVITATION_ACCEPTED,
            request=request,
            user=person,
            obj=person,
            detail={
                "invitation": invitation.pk,
                "email": invitation.email,
                "role": role.value,
                "by": "single sign-on",
            },
        )
    return person


# ---------------------------------------------------------------- the authentication backend


class SingleSignOnBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with Oversight's rules: endpoints by discovery, the ID
    token's issuer and audience checked, people matched (never made) by verified email.

    It answers only the callback's call (code, state, nonce): a password sign-in passes
    it by. Permissions are left to accounts.backends.ModelBackendOneQuery.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Endpoints are looked up when a sign-in arrives, not when the backend is loaded
        # (Django loads every backend for every sign-in, password ones included).
        self.UserModel = User
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or not enabled() or "nonce" not in kwargs or "password" in kwargs:
            return None
        try:
            found = provider()
        except (requests.RequestException, ValueError, ImproperlyConfigured):
            log.exception("Single sign-on: the provider's discovery document failed")
            return self._refuse(request, Refusal.PROVIDER_DOWN)
        self.issuer = found.issuer
        self.OIDC_OP_TOKEN_ENDPOINT = found.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = found.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = found.jwks_uri
        try:
            return super().authenticate(request, **kwargs)
        except SignInRefused as exc:
            return self._refuse(request, exc.refusal)
        except requests.RequestException:
            log.exception("Single sign-on: the provider did not answer")
            return self._refuse(request, Refusal.PROVIDER_DOWN)
        except (SuspiciousOperation, jwt.PyJWTError) as exc:
            log.warning("Single sign-on: the provider's tokens were not accepted: %s", exc)
            return self._refuse(request, Refusal.BAD_ANSWER)

    @staticmethod
    def _refuse(request: HttpRequest, refusal: Refusal) -> None:
        setattr(request, REFUSAL_ATTRIBUTE, refusal)
        return None

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        """The library leaves the audience (and issuer) unchecked: a token minted for
        another application of the same provider must not sign anyone in here."""
        claims = super()._verify_jws(payload, key)
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is for another client.")
        if self.issuer and str(claims.get("iss", "")).rstrip("/") != self.issuer:
            raise SuspiciousOperation("The ID token is from another issuer.")
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> User:
        """Match, never create: `payload` is the checked ID token; userinfo adds to it."""
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            # OpenID Connect Core §5.3.2: the answer is for someone else; ignore it all.
            raise SignInRefused(Refusal.BAD_ANSWER)
        # The signed ID token wins where both speak.
        claims = {**userinfo, **payload}
        return person_for_claims(claims, now=timezone.now(), request=self.request)

    def get_user(self, user_id: Any) -> User | None:
        from accounts.backends import ModelBackendOneQuery

        return ModelBackendOneQuery().get_user(user_id)

    # Permissions come from ModelBackendOneQuery alone (one query per page).
    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False


def signed_in_by_sso(user: Any) -> bool:
    return getattr(user, "backend", "") == BACKEND


def two_factor_satisfied_by_provider(user: Any) -> bool:
    """Whether this sign-in needs no TOTP code from Oversight: an SSO sign-in, when the
    operator says the identity provider enforces MFA itself."""
    return signed_in_by_sso(user) and settings.OVERSIGHT_OIDC_IDP_ENFORCES_MFA


def refusal_record(request: HttpRequest, refusal: Refusal, *, username: str = "") -> None:
    record(
        Event.SIGN_IN_FAILED,
        request=request,
        username=username,
        detail={"method": "single sign-on", "provider": provider_name(), "refused": refusal.code},
    )


# ---------------------------------------------------------------- local passwords per role

LOCAL_SIGN_IN_OFF = (
    "People with the {role} role sign in through {provider}, not with a password here. "
    "Use the “Sign in with {provider}” button."
)
LOCAL_SIGN_IN_OFF_NO_SSO = (
    "People with the {role} role cannot sign in with a password here. Ask the OPCC staff "
    "who manage Oversight's users."
)


def password_roles_refused(user: Any) -> list[Role]:
    """The person's roles that may not sign in with a password; none for break-glass
    accounts (named by OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES)."""
    off = set(settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES)
    if not off or user.get_username() in settings.OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES:
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in Role if role.value in off and role.value in names]


def break_glass(user: Any) -> bool:
    """A password sign-in that the role rule would refuse but the break-glass list lets in."""
    off = set(settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES)
    return bool(
        off
        and user.get_username() in settings.OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES
        and off & set(user.groups.values_list("name", flat=True))
    )


def password_refusal(user: Any) -> str | None:
    refused = password_roles_refused(user)
    if not refused:
        return None
    template = LOCAL_SIGN_IN_OFF if enabled() else LOCAL_SIGN_IN_OFF_NO_SSO
    return template.format(role=refused[0].value, provider=provider_name())


class _PasswordRule:
    """Checked after the password is (so the message tells nothing to someone guessing)."""

    request: HttpRequest | None

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)  # type: ignore[misc]
        if message := password_refusal(user):
            record(
                Event.SIGN_IN_FAILED,
                request=self.request,
                username=user.get_username(),
                detail={"method": "password", "refused": "password_sign_in_off"},
            )
            raise ValidationError(message, code="password_sign_in_off")


class SignInForm(_PasswordRule, AuthenticationForm):
    @property
    def password_sign_in_off(self) -> bool:
        return any(e.code == "password_sign_in_off" for e in self.non_field_errors().as_data())


class AdminSignInForm(_PasswordRule, AdminAuthenticationForm):
    pass


@register(Tags.security)
def check_settings(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Role names in the SSO settings must be Oversight's; and an administrator must keep
    some way in: by SSO, or a break-glass password."""
    problems: list[CheckMessage] = []
    unknown = set(settings.OVERSIGHT_OIDC_GROUP_ROLES.values()) - set(Role.values)
    if unknown:
        problems.append(
            Error(
                f"OVERSIGHT_OIDC_GROUP_ROLES names roles Oversight does not have: "
                f"{', '.join(sorted(unknown))}. Roles: {', '.join(Role.values)}.",
                id="accounts.E101",
            )
        )
    disabled = set(settings.OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES)
    if unknown := disabled - set(Role.values):
        problems.append(
            Error(
                f"OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES names roles Oversight does not "
                f"have: {', '.join(sorted(unknown))}. Roles: {', '.join(Role.values)}.",
                id="accounts.E102",
            )
        )
    if Role.ADMINISTRATOR.value in disabled and not (
        settings.OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES
    ):
        problems.append(
            Warning(
                "Administrators may not sign in with a password and no break-glass account "
                "is named: if the identity provider is down, nobody can administer Oversight.",
                hint="Name one in OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES.",
                id="accounts.W103",
            )
        )
    return problems


def sign_in_detail(user: Any) -> dict[str, Any]:
    """What the audit trail's sign-in event says about how they signed in."""
    if signed_in_by_sso(user):
        return {"method": "single sign-on", "provider": provider_name()}
    if break_glass(user):
        return {"method": "password", "break_glass": True}
    return {}


__all__ = [
    "AdminSignInForm",
    "Refusal",
    "SignInForm",
    "SignInRefused",
    "SingleSignOnBackend",
]
