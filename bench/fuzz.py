"""Fuzz every page, form field and query parameter of a running Oversight; count the 500s.

    python bench/fuzz.py postgres      # DATABASE_URL must name a throwaway database
    python bench/fuzz.py sqlite        # the embedded default, in a temporary directory
    python bench/fuzz.py both          # one after the other

For each backend it migrates and seeds the database (`seed_demo`, plus an OPCC member
scoped to the demo force), starts `manage.py runserver` on a free port (DEBUG off, as in
production), signs in over HTTP as each kind of user (administrator, OPCC staff across
all forces, OPCC staff scoped to a force, the PCC, a force lead, a viewer, and nobody),
and then, for every URL pattern resolved with real ids from the seeded data:

* GETs it, then again with each query parameter the page's GET forms name (and a few
  generic ones) set to each hostile value;
* for every POST form on the page (CSRF token kept), POSTs the form once per field per
  hostile value, the other fields as the page filled them in (the first user to see a
  form gets every value, the others a core set);
* posts each form twice at once from two threads (twin submits), its empty required
  fields filled in plausibly so that creating forms really create;
* sends a few requests with hostile headers over a raw socket (NUL, bytes that are not
  UTF-8, 10 KB values, a bad Host).

Hostile values: NUL, bidi controls (U+202E …), CR/LF, 1 MB strings, dates at and beyond
the bounds (0001-01-01, 1989-12-31, 9999-12-31, 10000-01-01, malformed), negative and
huge integers, unknown choices, repeated fields (arrays), bytes that are not UTF-8.

It prints the requests per role and per kind, the status codes, every 5xx (method, URL,
field, value) and the exceptions from the server's log, and writes them as JSON to
`var/fuzz/<backend>.json`. Exit status 1 if any 5xx was seen. The Django admin is
fetched (changelists with fuzzed parameters) but its forms are not posted.

Options: --quick (a handful of URLs, core values only: the smoke test uses it),
--only SUBSTRING (URL names containing it), --roles a,b (only these kinds of user, by
username: to finish a run that was cut short), --seed N.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "fuzz-only-password-9317"  # nosec: a throwaway database's demo users
MB = 1_000_000

# username -> what kind of user it is (the report's wording)
ROLES = {
    "admin": "administrator",
    "opcc": "OPCC staff, all forces",
    "opccscoped": "OPCC staff, scoped to one force",
    "pcc": "PCC",
    "forcelead": "force lead",
    "viewer": "viewer",
    "anonymous": "not signed in",
}
QUICK_URLS = (
    "recommendations:finding-list",
    "recommendations:report-edit",
    "recommendations:finding-due-date",
    "recommendations:force-monitoring",
    "login",
)

# ---------------------------------------------------------------- hostile values

# (label, value): a str, bytes (sent as they are: not UTF-8) or a list (an array).
TEXT = [
    ("empty", ""),
    ("NUL", "\x00"),
    ("NUL inside", "a\x00b"),
    ("bidi RLO", "\u202eevil.exe"),
    ("bidi isolates", "\u2066x\u2069\u200f"),
    ("CRLF", "one\r\ntwo\rthree\n"),
    ("1 MB", "A" * MB),
    ("201 chars", "s" * 201),
    ("markup", "<script>alert(1)</script>{{7*7}}{% now 'Y' %}"),
    ("SQL", "' OR 1=1 --"),
    ("formula", "=cmd|' /C calc'!A0"),
    ("not UTF-8", b"\xff\xfe\x00"),
    ("astral", "\U0001f600" * 50),
]
DATES = [
    ("date 0001-01-01", "0001-01-01"),
    ("date 1989-12-31", "1989-12-31"),
    ("date 1990-01-01", "1990-01-01"),
    ("date 9999-12-31", "9999-12-31"),
    ("date 10000-01-01", "10000-01-01"),
    ("date 2025-02-30", "2025-02-30"),
    ("date 31/12/2025", "31/12/2025"),
    ("date -1", "-1"),
]
NUMBERS = [
    ("int -1", "-1"),
    ("int 0", "0"),
    ("int 2**63", "9223372036854775808"),
    ("int -2**63-1", "-9223372036854775809"),
    ("int 10**30", "1" + "0" * 30),
    ("float 1e309", "1e309"),
    ("NaN", "NaN"),
    ("superscript digit", "\u00b2"),
    ("5,000 digits", "9" * 5_000),
]
CHOICES = [("unknown choice", "__no_such_choice__"), ("choice 999999999", "999999999")]
ARRAY = ("array", None)  # the field sent twice: its own value and a hostile one
CORE = {
    "NUL",
    "8 KB",
    "bidi RLO",
    "1 MB",
    "201 chars",
    "date 9999-12-31",
    "date 10000-01-01",
    "unknown choice",
    "superscript digit",
    "5,000 digits",
}
QUERY_TEXT = [
    (label, value) for label, value in TEXT if label not in {"1 MB", "1 MB of NUL and bidi"}
]
QUERY_TEXT += [("8 KB", "q" * 8_000)]
# Read by some views straight from the query string; fuzzed once per page.
GENERIC_PARAMS = ("page", "next", "sort")
ADMIN_PARAMS = ("q",)
HOSTILE_HEADERS = [
    ("User-Agent NUL", b"User-Agent: fuzz\x00agent"),
    ("User-Agent not UTF-8", b"User-Agent: \xff\xfe\xfd"),
    ("User-Agent 10 KB", b"User-Agent: " + b"u" * 10_000),
    ("Accept-Language junk", b"Accept-Language: \x00;q=zz, en-\xff"),
    ("Referer NUL", b"Referer: http://x/\x00"),
    ("X-Forwarded-For junk", b"X-Forwarded-For: \x00, 999.1.1.1, ::zz"),
    ("Cookie junk", b"Cookie: sessionid=\x00\xff; csrftoken=" + b"c" * 5_000),
    ("Host bad", b"Host: evil.example\x00"),
]


# The same through `requests`, which sends NUL and bytes that are not UTF-8 (as Latin-1).
HEADERS = [
    ("User-Agent NUL", {"User-Agent": "fuzz\x00agent"}),
    ("User-Agent 10 KB", {"User-Agent": "u" * 10_000}),
    ("User-Agent not UTF-8, bidi", {"User-Agent": b"\xff\xfe" + "\u202e".encode()}),
    ("Accept-Language junk", {"Accept-Language": "\x00;q=zz, en-\xff"}),
    ("Referer NUL", {"Referer": "http://127.0.0.1/\x00"}),
    ("X-Forwarded-For junk", {"X-Forwarded-For": "\x00, 999.1.1.1, ::zz"}),
]


def values_for(kind: str, *, full: bool) -> list[tuple[str, Any]]:
    values = list(TEXT)
    if kind == "date":
        values += DATES
    elif kind in {"number", "select", "hidden", "radio", "checkbox"}:
        values += NUMBERS + CHOICES
    values.append(ARRAY)
    if not full:
        values = [(label, value) for label, value in values if label in CORE or value is None]
    return values


# ---------------------------------------------------------------- results


@dataclass
class Finding:
    method: str
    url: str
    role: str
    status: int
    field: str = ""
    value: str = ""

    def line(self) -> str:
        where = f" field {self.field!r} = {self.value}" if self.field else ""
        return f"{self.status} {self.method} {self.url} as {self.role}{where}"


@dataclass
class Tally:
    backend: str
    per_role: Counter = field(default_factory=Counter)
    per_kind: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    errors: list[Finding] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, role: str, finding: Finding) -> None:
        with self.lock:
            self.per_role[role] += 1
            self.per_kind[kind] += 1
            self.statuses[finding.status] += 1
            if finding.status >= 500 and not _says_unhealthy(finding):
                self.errors.append(finding)
                print("  5xx:", finding.line(), flush=True)

    @property
    def total(self) -> int:
        return sum(self.per_kind.values())


def _says_unhealthy(finding: Finding) -> bool:
    """/healthz/reminders answers 503 by design until a reminder scan has run."""
    return finding.status == 503 and finding.url.startswith("/healthz")


def describe(value: Any) -> str:
    if value is None:
        return "array"
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}… ({len(value):,} chars)"


# ---------------------------------------------------------------- set-up


def prepare_environment(backend: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="oversight.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or "fuzz-only-secret-key-0123456789abcdef",
        OVERSIGHT_VAR_DIR=str(workdir),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # The fuzzer signs in many times from one address, with hostile usernames too.
        OVERSIGHT_SIGN_IN_SLOW_AFTER="1000000",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)  # a per-process cache: nothing shared with other users of Redis
    if backend == "sqlite":
        env.pop("DATABASE_URL", None)
    elif not env.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("postgres: set DATABASE_URL to a throwaway PostgreSQL database")
    else:
        _recreate_database(env["DATABASE_URL"])
    return env


def _recreate_database(url: str) -> None:
    """A fresh database each run: the last run's fuzzed writes would skew this one."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "fuzz" not in name:
        sys.exit(f"refusing to recreate {name!r}: its name must contain 'fuzz'")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("seed_demo", "--password", PASSWORD, verbosity=0)
    reset_users()


def reset_users() -> None:
    """Put the fuzzing users back as they were: a fuzzed form may have deactivated,
    demoted or re-scoped one of them (the People pages), or required two-factor."""
    from axes.models import AccessAttempt, AccessFailureLog
    from django.contrib.auth.models import Group

    from accounts.models import TwoFactorPolicy
    from recommendations.choices import Role
    from recommendations.models import Force, User
    from recommendations.roles import PCC_GROUP

    demo_force = Force.objects.filter(name__contains="Northmoor").first()
    wanted = {
        "admin": ([Role.ADMINISTRATOR.value], None, True),
        "opcc": ([Role.OPCC_STAFF.value], None, False),
        "opccscoped": ([Role.OPCC_STAFF.value], demo_force, False),
        "pcc": ([Role.OPCC_STAFF.value, PCC_GROUP], None, False),
        "forcelead": ([Role.FORCE_LEAD.value], demo_force, False),
        "viewer": ([Role.VIEWER.value], demo_force, False),
    }
    for username, (groups, force, admin) in wanted.items():
        user, _ = User.objects.get_or_create(username=username)
        user.is_active = True
        user.force = force
        user.is_staff = user.is_superuser = admin
        user.first_name = user.first_name or "Fuzz"
        user.last_name = user.last_name or username
        user.email = user.email or f"{username}@fuzz.example"
        user.set_password(PASSWORD)
        user.save()
        user.groups.set(Group.objects.filter(name__in=groups))
    TwoFactorPolicy.objects.update(required=False)
    AccessAttempt.objects.all().delete()
    AccessFailureLog.objects.all().delete()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    import requests

    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                return server
        except requests.ConnectionError:
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"the server did not start; see {log}")


# ---------------------------------------------------------------- URLs


def url_targets(quick: bool, only: str) -> list[tuple[str, str]]:
    """Every URL pattern's name, resolved with real ids (one URL per pattern, or several
    where one id is not enough: each kind of finding, every stage of a response)."""
    from django.urls import URLPattern, URLResolver, get_resolver, reverse

    ids = _ids()
    urls: list[tuple[str, str]] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern, namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = prefix + pattern.name
                if only and only not in name:
                    continue
                if quick and name not in QUICK_URLS:
                    continue
                for kwargs in _kwargs_for(name, pattern, ids):
                    try:
                        urls.append((name, reverse(name, kwargs=kwargs)))
                    except Exception:
                        continue

    walk(get_resolver(), "")
    return list(dict.fromkeys(urls))


def _ids() -> dict[str, list[Any]]:
    from accounts.models import Invitation
    from api.models import ApiToken
    from publishing.models import ResponseDocument, S55Response
    from recommendations.models import (
        Evidence,
        Finding,
        Force,
        Framework,
        Post,
        PpogMeeting,
        Report,
        User,
    )
    from reminders.models import Digest

    def some(queryset: Any, n: int = 3, column: str = "pk") -> list[Any]:
        return list(queryset.order_by("pk").values_list(column, flat=True)[:n])

    findings = []
    for kind in Finding.objects.values_list("kind", flat=True).distinct():
        findings += some(Finding.objects.filter(kind=kind), 1)
    return {
        "report": some(Report.objects.filter(force__isnull=False), 2)
        + some(Report.objects.filter(force__isnull=True), 1),
        "finding": findings,
        "evidence": some(Evidence.objects),
        "post": some(Post.objects, 2),
        "force": some(Force.objects.filter(name__contains="Northmoor"), 1) + some(Force.objects, 1),
        "meeting": some(PpogMeeting.objects, 4),
        "framework": some(Framework.objects, 2),
        "user": some(User.objects, 3),
        "invitation": some(Invitation.objects, 2) or [1],
        "token": some(ApiToken.objects, 2) or [1],
        "digest": some(Digest.objects, 2) or [1],
        "response": some(S55Response.objects, 3),
        "document": some(ResponseDocument.objects, 2) or [1],
        "slug": [
            *some(Force.objects.filter(name__contains="Northmoor"), 1, "slug"),
            "no-such-force",
        ],
    }


PK_SOURCE = {
    "accounts:person": "user",
    "accounts:invitation": "invitation",
    "api:report": "report",
    "api:finding": "finding",
    "api:token": "token",
    "reminders:digest": "digest",
    "publishing:document-download": "document",
    "publishing:public-document": "response",
    "publishing:": "response",
    "intake:": "report",
    "recommendations:report": "report",
    "recommendations:finding": "finding",
    "recommendations:update": "finding",
    "recommendations:evidence": "evidence",
    "recommendations:post": "post",
    "recommendations:force-monitoring": "force",
    "recommendations:engage": "force",
    "recommendations:ppog-record": "force",
    "recommendations:ppog-cancel": "meeting",
    "recommendations:framework": "framework",
}


def _kwargs_for(name: str, pattern: Any, ids: dict[str, list[Any]]) -> list[dict[str, Any]]:
    converters = pattern.pattern.converters
    if not converters:
        return [{}]
    if name.startswith("admin:"):
        return []  # the admin's object pages: its changelists and add pages are enough
    source = next((ids[v] for k, v in PK_SOURCE.items() if name.startswith(k)), [1])
    variants: list[dict[str, Any]] = []
    for pk in source or [1]:
        kwargs: dict[str, Any] = {}
        for key, converter in converters.items():
            kind = type(converter).__name__
            if key == "report_pk":
                kwargs[key] = ids["report"][0]
            elif key == "pk":
                kwargs[key] = pk
            elif key == "slug":
                kwargs[key] = ids["slug"][0]
            elif key == "stage":
                kwargs[key] = "draft"
            elif key == "kind":
                kwargs[key] = "overdue"
            elif kind == "IntConverter":
                kwargs[key] = pk
            else:
                kwargs[key] = "not-a-real-token"
        variants.append(kwargs)
    if name == "publishing:response-stage":
        stages = ("draft", "approved", "sent", "published", "no-such-stage")
        variants = [dict(variants[0], stage=stage) for stage in stages]
    return variants


# ---------------------------------------------------------------- HTTP


class Browser:
    """One signed-in person's session against the server."""

    def __init__(self, base: str, username: str, tally: Tally) -> None:
        import requests

        self.base = base
        self.username = username
        self.tally = tally
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "oversight-fuzz"
        self.sign_ins = 0
        if username != "anonymous":
            self.sign_in()

    def sign_in(self) -> None:
        login = f"{self.base}/accounts/login/"
        page = self.session.get(login, timeout=60)
        token = _csrf(page.text)
        response = self.session.post(
            login,
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=60,
        )
        if response.status_code != 302:
            reset_users()
            response = self.session.post(
                login,
                data={
                    "username": self.username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": _csrf(self.session.get(login, timeout=60).text),
                },
                allow_redirects=False,
                timeout=60,
            )
        if response.status_code != 302:
            raise RuntimeError(f"cannot sign in as {self.username}: {response.status_code}")
        self.sign_ins += 1

    def request(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        note: tuple[str, str] = ("", ""),
        session: Any = None,
        **kwargs: Any,
    ) -> Any:
        import requests

        try:
            response = (session or self.session).request(
                method, url, allow_redirects=False, timeout=180, **kwargs
            )
        except (requests.RequestException, UnicodeError) as exc:
            self.tally.transport_errors.append(f"{method} {url} {note}: {exc.__class__.__name__}")
            return None
        path = urlsplit(url).path
        self.tally.record(
            kind, self.username, Finding(method, path, self.username, response.status_code, *note)
        )
        if (
            self.username != "anonymous"
            and response.status_code == 302
            and "/accounts/login/" in response.headers.get("Location", "")
        ):
            # A fuzzed form signed this person out (a People page, a password): again.
            self.sign_in()
        return response


def _view_name(url: str) -> str:
    from django.urls import Resolver404, resolve

    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return urlsplit(url).path


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else ""


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str]]  # (name, kind, value as the page filled it in)
    options: dict[str, list[str]]
    files: list[str]

    def data(self) -> list[tuple[str, Any]]:
        return [(name, value) for name, _, value in self.fields]


SKIP_ACTIONS = ("/accounts/logout/", "/admin/")


def parse_forms(page_url: str, html: str) -> list[Form]:
    import lxml.html

    try:
        document = lxml.html.document_fromstring(html)
    except Exception:
        return []
    forms = []
    for element in document.forms:
        action = urljoin(page_url, element.get("action") or page_url)
        method = (element.get("method") or "get").lower()
        fields: list[tuple[str, str, str]] = []
        options: dict[str, list[str]] = {}
        files: list[str] = []
        submit_seen = False
        for control in element.iter("input", "select", "textarea", "button"):
            name = control.get("name")
            if not name:
                continue
            tag = control.tag
            kind = (control.get("type") or ("submit" if tag == "button" else "text")).lower()
            if tag == "select":
                values = [o.get("value", o.text_content()) for o in control.iter("option")]
                options[name] = values
                chosen = [
                    o.get("value", o.text_content())
                    for o in control.iter("option")
                    if o.get("selected") is not None
                ]
                if control.get("multiple") is not None:
                    fields += [(name, "select", v) for v in chosen] or [(name, "select", "")]
                else:
                    fields.append((name, "select", chosen[0] if chosen else (values or [""])[0]))
            elif tag == "textarea":
                fields.append((name, "textarea", control.text or ""))
            elif kind in {"submit", "image"}:
                if not submit_seen:  # the first button is the one pressed
                    fields.append((name, "submit", control.get("value", "")))
                    submit_seen = True
            elif kind == "file":
                files.append(name)
            elif kind in {"checkbox", "radio"}:
                options.setdefault(name, []).append(control.get("value", "on"))
                if control.get("checked") is not None:
                    fields.append((name, kind, control.get("value", "on")))
            elif kind in {"reset", "button"}:
                continue
            else:
                fields.append((name, kind, control.get("value", "")))
        for name, values in options.items():
            if not any(f[0] == name for f in fields) and values:
                # An unchecked radio group or checkbox still gets fuzzed.
                fields.append((name, "radio", ""))
        forms.append(Form(action, method, fields, options, files))
    return forms


def plausible(form: Form, serial: int) -> list[tuple[str, Any]]:
    """The form as a person would fill it in: empty fields given a value of their kind."""
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    data = []
    for name, kind, value in form.fields:
        if not value:
            if kind == "date" or name.endswith(("_on", "date")):
                value = today
            elif kind == "number":
                value = "1"
            elif kind in {"select", "radio"}:
                value = next((v for v in form.options.get(name, []) if v), "")
            elif kind == "email":
                value = f"twin{serial}@fuzz.example"
            elif kind == "url":
                value = "https://fuzz.example/"
            elif kind not in {"checkbox", "hidden"}:
                value = f"Twin submit {serial}"
        data.append((name, value))
    return data


# ---------------------------------------------------------------- the run


def fuzz_get(browser: Browser, url: str, forms: list[Form], *, full: bool, html: bool) -> None:
    """Each parameter the page's GET forms name, every value the first time a page is
    fuzzed and the core values after; the generic ones (read by some views straight from
    the query string) the first time only."""
    admin = urlsplit(url).path.startswith("/admin/")
    values = QUERY_TEXT + DATES + NUMBERS + CHOICES
    core = [(label, value) for label, value in values if label in CORE]
    params = {
        name: values if full and not admin else core
        for form in forms
        if form.method == "get"
        for name, _, _ in form.fields
    }
    if full and html:
        for name in ADMIN_PARAMS if admin else GENERIC_PARAMS:
            params.setdefault(name, core)
    for param, chosen in sorted(params.items()):
        for label, value in chosen:
            browser.request("query", "GET", url, params=[(param, value)], note=(param, label))
        browser.request(
            "query", "GET", url, params=[(param, "1"), (param, "\x00")], note=(param, "array")
        )


def fuzz_post(browser: Browser, form: Form, *, full: bool) -> None:
    # The other fields filled in as a person would, so that the hostile value gets past
    # "this field is required" into the code behind (a sign-in with a password, say).
    base = plausible(form, 0)
    kinds = {name: kind for name, kind, _ in form.fields}
    for name, kind in kinds.items():
        if name == "csrfmiddlewaretoken":
            continue
        for label, value in values_for(kind, full=full):
            if value is None:
                data = [*base, (name, "\x00")]
            else:
                data = [(n, v) for n, v in base if n != name] + [(name, value)]
            csrf = _csrf_value(browser, base)
            data = [(n, csrf if n == "csrfmiddlewaretoken" else v) for n, v in data]
            browser.request(
                "form", "POST", form.action, data=data, note=(name, label), files=_no_files(form)
            )
        browser.request(
            "form",
            "POST",
            form.action,
            data=[(n, v) for n, v in base if n != name],
            note=(name, "missing"),
            files=_no_files(form),
        )
    for name in form.files:
        for label, upload in _hostile_files(full):
            browser.request(
                "form", "POST", form.action, data=base, files=[(name, upload)], note=(name, label)
            )


def _csrf_value(browser: Browser, base: list[tuple[str, Any]]) -> str:
    # After a re-sign-in the session's token changed: use the cookie's.
    return browser.session.cookies.get("csrftoken") or dict(base).get("csrfmiddlewaretoken", "")


def _no_files(form: Form) -> list | None:
    # Multipart forms are posted as multipart, as the browser would.
    return [(name, ("", b"", "application/octet-stream")) for name in form.files] or None


def _hostile_files(full: bool) -> list[tuple[str, tuple]]:
    files = [
        ("file name NUL", ("a\x00b.pdf", b"%PDF-1.4\n", "application/pdf")),
        ("file name bidi", ("\u202efdp.exe", b"%PDF-1.4\n", "application/pdf")),
        ("content type NUL", ("x.txt", b"hello\n", "text/plain\x00; x=\u202e")),
    ]
    if full:
        files += [
            ("1 MB random", ("r.pdf", random.Random(1).randbytes(MB), "application/pdf")),
            ("file name 1 KB", ("n" * 1000 + ".txt", b"hello\n", "text/plain")),
        ]
    return files


def twins(browser: Browser, form: Form, serial: int) -> None:
    """The same submission twice at the same moment, from two connections."""
    import requests

    data = plausible(form, serial)
    csrf = browser.session.cookies.get("csrftoken")
    data = [(n, csrf if n == "csrfmiddlewaretoken" else v) for n, v in data]
    barrier = threading.Barrier(2)

    def submit() -> None:
        session = requests.Session()
        session.cookies.update(browser.session.cookies)
        session.headers.update(browser.session.headers)
        barrier.wait()
        browser.request(
            "twin",
            "POST",
            form.action,
            data=data,
            session=session,
            note=("(twin submit)", "plausible values"),
            files=_no_files(form),
        )

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def sign_in_with_hostile_headers(base: str, tally: Tally) -> None:
    """Signing in, right and wrong, is recorded with the browser's headers: each hostile."""
    for label, headers in HEADERS:
        for password in (PASSWORD, "wrong-password-123"):
            browser = Browser(base, "anonymous", tally)
            login = f"{base}/accounts/login/"
            page = browser.request("header", "GET", login, headers=headers)
            data = {
                "username": "opcc",
                "password": password,
                "csrfmiddlewaretoken": _csrf(page.text if page is not None else ""),
            }
            browser.request(
                "header", "POST", login, data=data, headers=headers, note=("(header)", label)
            )
    reset_users()


def raw_headers(base: str, tally: Tally, cookies: str) -> None:
    """Headers that `requests` refuses to send: over a socket, as an attacker would."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    for path in ("/accounts/login/", "/findings/", "/"):
        for label, header in HOSTILE_HEADERS:
            lines = [f"GET {path} HTTP/1.1".encode()]
            if not header.startswith(b"Host:"):
                lines.append(f"Host: {host}:{port}".encode())
            lines += [
                header,
                f"Cookie: {cookies}".encode()
                if cookies and b"Cookie" not in header
                else b"X-Fuzz: 1",
                b"Connection: close",
                b"",
                b"",
            ]
            status = _send_raw(host, port, b"\r\n".join(lines))
            tally.record(
                "header",
                "admin" if cookies else "anonymous",
                Finding(
                    "GET", path, "admin" if cookies else "anonymous", status, "(header)", label
                ),
            )


def _send_raw(host: str, port: int, payload: bytes) -> int:
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.sendall(payload)
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    match = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    return int(match.group(1)) if match else 0


def run(
    backend: str, *, quick: bool, only: str, seed_value: int, roles: tuple[str, ...] = ()
) -> Tally:
    random.seed(seed_value)
    workdir = Path(tempfile.mkdtemp(prefix=f"oversight-fuzz-{backend}-"))
    env = prepare_environment(backend, workdir)
    django_setup(env)
    print(f"[{backend}] seeding {workdir} …", flush=True)
    seed()
    port = free_port()
    log = ROOT / "var" / "fuzz" / f"{backend}-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server = start_server(env, port, log)
    base = f"http://127.0.0.1:{port}"
    tally = Tally(backend)
    started = time.monotonic()
    try:
        urls = url_targets(quick, only)
        usernames = [name for name in ROLES if not roles or name in roles]
        print(f"[{backend}] {len(urls)} URLs, {len(usernames)} kinds of user", flush=True)
        # Every value the first time a URL pattern or a form is fuzzed (by whoever sees it
        # first), the core values after: other users and other ids of the same pattern.
        fully_fuzzed: set[Any] = set()
        serial = 0
        for username in usernames:
            reset_users()
            browser = Browser(base, username, tally)
            for name, url in urls:
                if username != "admin" and url.startswith("/admin/"):
                    continue
                if url.startswith("/accounts/logout/"):
                    continue
                page = browser.request("page", "GET", base + url)
                if page is None or page.status_code != 200:
                    continue  # refused (403, 404, 405, sign-in): the view reads nothing more
                html = "html" in page.headers.get("Content-Type", "")
                forms = parse_forms(base + url, page.text) if html else []
                full = not quick and name not in fully_fuzzed
                fully_fuzzed.add(name)
                fuzz_get(browser, base + url, forms, full=full, html=html)
                if full:
                    for label, headers in HEADERS:
                        browser.request(
                            "header", "GET", base + url, headers=headers, note=("(header)", label)
                        )
                for form in forms:
                    if form.method != "post" or any(s in form.action for s in SKIP_ACTIONS):
                        continue
                    key = (_view_name(form.action), tuple(sorted(f for f, _, _ in form.fields)))
                    if (username, key) in fully_fuzzed:
                        continue  # the same form on another page, or for another id
                    full_form = not quick and key not in fully_fuzzed
                    fully_fuzzed |= {key, (username, key)}
                    fuzz_post(browser, form, full=full_form)
                    serial += 1
                    twins(browser, form, serial)
            print(
                f"[{backend}] {ROLES[username]}: {tally.per_role[username]:,} requests, "
                f"{len(tally.errors)} 5xx so far, {time.monotonic() - started:.0f} s",
                flush=True,
            )
        admin_cookie = "; ".join(
            f"{k}={v}" for k, v in Browser(base, "admin", tally).session.cookies.items()
        )
        sign_in_with_hostile_headers(base, tally)
        raw_headers(base, tally, "")
        raw_headers(base, tally, admin_cookie)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report(tally, log, time.monotonic() - started)
    if backend == "sqlite" or os.environ.get("FUZZ_KEEP") != "1":
        shutil.rmtree(workdir, ignore_errors=True)
    return tally


def server_exceptions(log: Path) -> Counter:
    """The last line of each traceback in the server's log: what raised."""
    exceptions: Counter = Counter()
    expected = ("PermissionDenied", "DisallowedHost", "Http404")
    lines = log.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                j += 1
            if j < len(lines) and not any(e in lines[j] for e in expected):
                exceptions[lines[j][:200]] += 1
    return exceptions


def report(tally: Tally, log: Path, seconds: float) -> None:
    exceptions = server_exceptions(log)
    summary = {
        "backend": tally.backend,
        "requests": tally.total,
        "seconds": round(seconds),
        "per_role": {ROLES[r]: n for r, n in tally.per_role.items()},
        "per_kind": dict(tally.per_kind),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "server_errors": [e.line() for e in tally.errors],
        "server_error_kinds": Counter(
            f"{e.method} {e.url} {e.field}" for e in tally.errors
        ).most_common(),
        "exceptions_in_server_log": exceptions.most_common(),
        "transport_errors": tally.transport_errors[:50],
    }
    out = ROOT / "var" / "fuzz" / f"{tally.backend}.json"
    out.write_text(json.dumps(summary, indent=1, ensure_ascii=True))
    print(
        f"\n[{tally.backend}] {tally.total:,} requests in {seconds:.0f} s; "
        f"5xx: {len(tally.errors)}; statuses {summary['statuses']}"
    )
    for role, count in summary["per_role"].items():
        print(f"  {role}: {count:,}")
    for kind, count in summary["per_kind"].items():
        print(f"  {kind}: {count:,}")
    for line, count in summary["server_error_kinds"]:
        print(f"  5xx ×{count}: {line}")
    for line, count in exceptions.most_common():
        print(f"  raised ×{count}: {line}")
    print(f"  written to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("backend", choices=("postgres", "sqlite", "both"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--roles", default="", help="usernames, comma-separated")
    parser.add_argument("--seed", type=int, default=12)
    options = parser.parse_args()
    if options.backend == "both":
        codes = [
            subprocess.call([sys.executable, __file__, backend, *sys.argv[3:]])
            for backend in ("postgres", "sqlite")
        ]
        sys.exit(max(codes))
    roles = tuple(name for name in options.roles.split(",") if name)
    unknown = set(roles) - set(ROLES)
    if unknown:
        parser.error(f"unknown --roles: {', '.join(sorted(unknown))} (known: {', '.join(ROLES)})")
    tally = run(
        options.backend,
        quick=options.quick,
        only=options.only,
        seed_value=options.seed,
        roles=roles,
    )
    sys.exit(1 if tally.errors else 0)


if __name__ == "__main__":
    main()
