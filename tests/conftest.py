import os

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from recommendations.models import Force, Role, User
from tests.factories import make_force, make_user


@pytest.fixture(scope="session", autouse=True)
def _collected_static() -> None:
    """The manifest static storage (used whenever DEBUG is off) needs a fresh collectstatic."""
    if "Manifest" in django_settings.STORAGES["staticfiles"]["BACKEND"]:
        call_command("collectstatic", "--noinput", verbosity=0)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache (filter choices are cached for a minute)."""
    from django.core.cache import cache

    from dashboards import tallies

    cache.clear()
    tallies.forget_all()


@pytest.fixture(autouse=True)
def _dashboard_uncached(settings) -> None:
    """Tests see figures computed afresh; tests of the cache switch it back on."""
    settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fast_hasher_and_private_media(settings, tmp_path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "evidence", "base_url": None},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "evidence"


@pytest.fixture
def reference_data(transactional_db) -> None:
    """Roles, forces and frameworks, for transactional tests.

    A transactional test flushes every table afterwards, migrations' data
    included, and Django's serialized restore does not reach connections made
    under Playwright's event loop, so such tests put the data back themselves.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group

    from recommendations.reference_data import load_reference_data
    from recommendations.roles import sync_role_groups

    if Group.objects.count() < len(Role) or not Force.objects.exists():
        load_reference_data(apps)
        sync_role_groups(apps)


@pytest.fixture
def force(db) -> Force:
    return make_force(name="Testshire Constabulary", slug="testshire")


@pytest.fixture
def other_force(db) -> Force:
    return make_force(name="Elsewhere Police", slug="elsewhere")


@pytest.fixture
def opcc(db) -> User:
    return make_user(Role.OPCC_STAFF, username="opcc-officer")


@pytest.fixture
def lead(force) -> User:
    """A force lead in the test force: the owner of findings in most tests."""
    return make_user(Role.FORCE_LEAD, force=force, username="lead")


@pytest.fixture
def other_lead(force) -> User:
    """A force lead in the same force who owns nothing."""
    return make_user(Role.FORCE_LEAD, force=force, username="other-lead")


@pytest.fixture
def viewer(force) -> User:
    return make_user(Role.VIEWER, force=force, username="cc-office")


@pytest.fixture
def outsider(other_force) -> User:
    """OPCC staff scoped to another force: must see nothing of the test force."""
    return make_user(Role.OPCC_STAFF, force=other_force, username="outsider")


@pytest.fixture
def administrator(db) -> User:
    return make_user(Role.ADMINISTRATOR, username="administrator", is_staff=True)


# ---------------------------------------------------------------- browser tests

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make alongside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, never a downloaded browser (`playwright install` cannot work here)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


# ---------------------------------------------------------------- email


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, and Django configured to send to it."""
    from tests.support.smtp import SmtpServer

    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        yield server


@pytest.fixture
def demo(settings, live_server, reference_data):
    """A live server with seed_demo's illustrative data, for browser tests."""
    from io import StringIO

    from tests.support.browser import PASSWORD

    # The live server's static handler finds files by their plain names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.DEMO_MODE = True
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    return live_server


@pytest.fixture
def console_errors(page) -> list[str]:
    """Console errors (a CSP violation is one), uncaught exceptions and 4xx/5xx responses."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return errors
