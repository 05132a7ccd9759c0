"""URLs, claims and the PKCE record of the test OpenID provider."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from oauth2_provider.oauth2_validators import OAuth2Validator

USERS = Path(os.environ["OIDC_TEST_USERS"])
RECORD = Path(os.environ["OIDC_TEST_RECORD"])


def people() -> dict[str, dict[str, Any]]:
    return json.loads(USERS.read_text())


class Validator(OAuth2Validator):
    """Each test person's claims (email, email_verified, groups …) from the users file."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "profile"}

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        return people()[request.user.username]["claims"]


class RecordPkceMiddleware:
    """Writes what the client sent for PKCE (one JSON line per request) for the tests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        entry = None
        if request.path == "/o/authorize/" and "client_id" in request.GET:
            entry = {
                "endpoint": "authorize",
                "code_challenge": request.GET.get("code_challenge"),
                "code_challenge_method": request.GET.get("code_challenge_method"),
            }
        elif request.path == "/o/token/" and request.method == "POST":
            entry = {"endpoint": "token", "code_verifier": request.POST.get("code_verifier")}
        response = self.get_response(request)
        if entry is not None:
            entry["status"] = response.status_code
            with RECORD.open("a") as record:
                record.write(json.dumps(entry) + "\n")
        return response


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
