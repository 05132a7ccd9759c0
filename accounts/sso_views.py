"""The single sign-on pages: start (off to the provider) and callback (back from it), and
the sign-in page that offers the "Sign in with …" button. Rules are in accounts/sso.py."""

from __future__ import annotations

from typing import Any

import requests
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts import sso
from accounts.sso import Refusal

STATES_KEY = "oidc_states"  # where mozilla-django-oidc keeps state -> nonce, verifier


def _refused(request: HttpRequest, refusal: Refusal, *, status: int = 403) -> HttpResponse:
    sso.refusal_record(request, refusal)
    context = {"message": refusal.value, "provider_name": sso.provider_name()}
    return render(request, "registration/sso_refused.html", context, status=status)


@method_decorator(login_not_required, name="dispatch")
class SignInStart(OIDCAuthenticationRequestView):
    """Off to the provider, with a fresh state, nonce and PKCE verifier in the session."""

    def __init__(self, **kwargs: Any) -> None:
        # The endpoints are found when someone signs in (discovery), not at start-up.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso.enabled():
            raise Http404("Single sign-on is not set up.")
        try:
            found = sso.provider()
        except (requests.RequestException, ValueError, ImproperlyConfigured):
            return _refused(request, Refusal.PROVIDER_DOWN, status=503)
        self.OIDC_OP_AUTH_ENDPOINT = found.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SignInCallback(OIDCAuthenticationCallbackView):
    """Back from the provider: the state must be one this browser's session started."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso.enabled():
            raise Http404("Single sign-on is not set up.")
        if request.GET.get("error"):
            # The library forgets the state and signs out anyone signed in; then says why.
            setattr(request, sso.REFUSAL_ATTRIBUTE, Refusal.PROVIDER_ERROR)
            return super().get(request)
        state = request.GET.get("state", "")
        if not request.GET.get("code") or state not in request.session.get(STATES_KEY, {}):
            # Forged, replayed, or from another browser: nothing is sent to the provider.
            return _refused(request, Refusal.STATE, status=400)
        return super().get(request)

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, sso.REFUSAL_ATTRIBUTE, None) or Refusal.BAD_ANSWER
        status = 503 if refusal is Refusal.PROVIDER_DOWN else 403
        return _refused(self.request, refusal, status=status)


sign_in_start = SignInStart.as_view()
sign_in_callback = SignInCallback.as_view()


class SignInView(auth_views.LoginView):
    """Django's sign-in page, with the per-role password rule and the SSO button."""

    authentication_form = sso.SignInForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = sso.enabled()
        context["sso_provider_name"] = sso.provider_name()
        return context
