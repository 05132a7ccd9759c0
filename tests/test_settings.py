"""Settings come from the environment; the embedded default needs no services."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.subprocesses import run_python

PRINT_SETTINGS = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'broker': settings.CELERY_BROKER_URL, 'email': settings.EMAIL_BACKEND, "
    "'debug': settings.DEBUG, 'tz': settings.TIME_ZONE, 'lang': settings.LANGUAGE_CODE, "
    "'db_options': settings.DATABASES['default'].get('OPTIONS', {}).get('options', '')}))"
)


def run_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return run_python(PRINT_SETTINGS, {"OVERSIGHT_VAR_DIR": str(tmp_path), **env}, timeout=60)


def test_the_secret_key_is_required_with_a_real_database_unless_debug_is_on(tmp_path):
    result = run_settings(tmp_path, DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_the_embedded_default_makes_and_keeps_its_own_key_without_debug(tmp_path):
    """So the README's `manage.py send_reminders` works there with no set-up."""
    key_code = "import django; from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_python(key_code, {"OVERSIGHT_VAR_DIR": str(tmp_path)}, timeout=60)
    second = run_python(key_code, {"OVERSIGHT_VAR_DIR": str(tmp_path)}, timeout=60)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and second.stdout.strip() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://localhost:8000"),
        ({"DJANGO_ALLOWED_HOSTS": "oversight.opcc.example"}, "http://oversight.opcc.example"),
        (
            {
                "DJANGO_ALLOWED_HOSTS": ".opcc.example,oversight.opcc.example",
                "OVERSIGHT_HTTPS": "1",
            },
            "https://oversight.opcc.example",
        ),
        ({"SITE_URL": "https://tracker.example/"}, "https://tracker.example"),
    ],
)
def test_links_in_emails_follow_the_sites_address(tmp_path, env, expected):
    code = "import django; from django.conf import settings; print(settings.SITE_URL)"
    result = run_python(code, {"OVERSIGHT_VAR_DIR": str(tmp_path), "DJANGO_DEBUG": "1", **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_the_embedded_default_uses_sqlite_files_and_no_broker(tmp_path):
    import json

    result = run_settings(tmp_path, DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["broker"] == "memory://"
    assert values["email"] == "django.core.mail.backends.filebased.EmailBackend"
    assert (values["debug"], values["tz"], values["lang"]) == (True, "Europe/London", "en-gb")


def test_database_url_and_redis_url_switch_on_postgresql_and_redis(tmp_path):
    import json

    result = run_settings(
        tmp_path,
        DJANGO_SECRET_KEY="s" * 50,
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/3",
        EMAIL_HOST="smtp.example",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["broker"] == "redis://127.0.0.1:6379/3"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["debug"] is False


@pytest.mark.parametrize("bad", ["maybe", "2"])
def test_a_malformed_boolean_is_refused_with_its_name(tmp_path, bad):
    result = run_settings(tmp_path, DJANGO_DEBUG=bad)
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_tests_run_against_postgresql():
    from django.db import connection

    if os.environ.get("CI") == "true":
        assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_postgresql_connections_give_hash_tables_more_memory(settings):
    """The dashboard's grouped counts hash in memory instead of sorting on disk."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW hash_mem_multiplier")
        assert float(cursor.fetchone()[0]) == 8


def test_the_hash_memory_option_can_be_switched_off_for_a_pooler(tmp_path):
    import json

    url = {"DJANGO_SECRET_KEY": "s" * 50, "DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}
    standard = json.loads(run_settings(tmp_path, **url).stdout)
    assert standard["db_options"] == "-c hash_mem_multiplier=8"
    off = run_settings(tmp_path, **url, DATABASE_HASH_MEM_MULTIPLIER="0")
    assert json.loads(off.stdout)["db_options"] == ""
    # Options given in the URL are kept.
    url["DATABASE_URL"] += "?options=-c%20statement_timeout%3D5000"
    both = json.loads(run_settings(tmp_path, **url).stdout)
    assert both["db_options"] == "-c statement_timeout=5000 -c hash_mem_multiplier=8"


def test_every_variable_the_settings_read_is_in_the_env_example():
    """An operator learns the variables from `.env.example`: none may be missing."""
    import re

    root = Path(__file__).resolve().parents[1]
    settings_source = (root / "oversight" / "settings.py").read_text()
    read = set(re.findall(r"env_(?:str|int|bool)\(\s*\"([A-Z_]+)\"", settings_source))
    read |= set(re.findall(r"environ\.get\(\"([A-Z_]+)\"", settings_source))
    documented = set(re.findall(r"^#? ?([A-Z_]+)=", (root / ".env.example").read_text(), re.M))
    assert {"OVERSIGHT_EMAIL_LINK_MINUTES", "OVERSIGHT_SIGN_IN_SLOW_AFTER"} <= read
    assert read - documented == set()
