"""Production settings, error pages and security headers (RELIABILITY.md §B4 items 1, 2, 9,
23, 24, 25)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.subprocesses import run_python

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "p" * 30 + "ro-duction-Secret-key-with-enough-entropy-" + "x" * 20,
    "DJANGO_ALLOWED_HOSTS": "oversight.opcc.example",
    "OVERSIGHT_HTTPS": "true",
    "SITE_URL": "https://oversight.opcc.example",
}


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    return run_python(code, env, drop=("DJANGO_", "OVERSIGHT_"))


def test_check_deploy_passes_with_the_documented_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            **PRODUCTION_ENV,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_are_secure_host_only_and_not_readable_by_script():
    code = (
        "import django, json; from django.conf import settings as s; django.setup(); "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_SECURE, "
        "s.CSRF_COOKIE_NAME, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_AGE]))"
    )
    result = run(code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    secure, httponly, samesite, name, csrf_secure, csrf_name, hsts, subdomains, redirect, age = (
        json.loads(result.stdout)
    )
    assert secure and httponly and csrf_secure and redirect and subdomains
    assert samesite in {"Lax", "Strict"}
    assert name.startswith("__Host-") and csrf_name.startswith("__Host-")
    assert hsts >= 31_536_000
    assert age <= 12 * 3600


@pytest.mark.django_db
def test_a_server_error_shows_a_generic_page_without_details(settings):
    settings.ROOT_URLCONF = "tests.support.urls_boom"
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    from recommendations.models import Role
    from tests.factories import make_user

    client.force_login(make_user(Role.OPCC_STAFF))
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    for leak in ("Traceback", "hunter2", "SECRET_KEY", "RuntimeError", "settings"):
        assert leak not in body


@pytest.mark.django_db
def test_every_html_page_has_a_strict_content_security_policy(client, opcc):
    client.force_login(opcc)
    for url in (reverse("login"), reverse("recommendations:home")):
        policy = client.get(url)["Content-Security-Policy"]
        directives = {}
        for part in filter(None, (p.strip() for p in policy.split(";"))):
            name, _, value = part.partition(" ")
            directives[name] = value
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["base-uri"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["form-action"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert "unsafe-inline" not in policy and "http" not in policy


def test_no_template_contains_inline_script_or_a_cdn():
    templates = list((ROOT / "templates").rglob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text()
        for line in text.splitlines():
            if "<script" in line:
                # Only external files, or data blocks that browsers do not run.
                assert "src=" in line or 'type="application/json"' in line, (template, line)
            assert " on" + "click=" not in line and "javascript:" not in line, (template, line)
        assert "cdn." not in text and "unpkg" not in text and "jsdelivr" not in text, template


@pytest.mark.django_db
def test_security_headers_on_a_secure_request(settings, client):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_pages_seen_signed_in_are_never_cached(client, opcc):
    client.force_login(opcc)
    for name in ("recommendations:home", "recommendations:finding-list", "reminders:preferences"):
        cache_control = client.get(reverse(name))["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control


@pytest.mark.django_db
def test_debug_pages_are_not_there(client):
    for path in ("/__debug__/", "/.git/config", "/silk/"):
        assert client.get(path).status_code in {302, 404}
