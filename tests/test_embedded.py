"""The embedded default: SQLite, mail to files, no Redis. What `scripts/run` serves on a
fresh machine must work there too, not only on PostgreSQL."""

from __future__ import annotations

import json

from tests.support.subprocesses import run_python

# Run in a child process: these tests' own Django is set up for PostgreSQL.
SCRIPT = r"""
import json, os, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from recommendations.models import Finding, User

assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
call_command("migrate", verbosity=0)
call_command("seed_demo", "--password", "embedded-pass-12345", verbosity=0)
call_command("send_reminders", verbosity=0)
settings.ALLOWED_HOSTS = ["testserver"]
statuses = {}
client = Client()
for username in ("opcc", "viewer", "forcelead"):
    client.force_login(User.objects.get(username=username))
    for url in (
        "/", "/dashboard/", "/dashboard/?kind=recommendation", "/dashboard/pack/",
        "/findings/", "/findings/?q=force", "/findings/?theme=1", "/reports/",
        "/reminders/schedule/", "/reminders/sent/",
    ):
        statuses[f"{username} {url}"] = client.get(url).status_code
    Finding.objects.first().save()  # a write: the next dashboard recounts
    statuses[f"{username} /dashboard/ after a write"] = client.get("/dashboard/").status_code
mail = list((settings.VAR_DIR / "mail").glob("*"))
print(json.dumps({"statuses": statuses, "mail_files": len(mail)}))
"""


def test_the_demo_serves_every_main_page_on_sqlite_with_no_services(tmp_path):
    # Digests are composed from the digest hour: from midnight, so the test holds at any hour.
    env = {"DJANGO_DEBUG": "true", "OVERSIGHT_VAR_DIR": str(tmp_path), "OVERSIGHT_DIGEST_HOUR": "0"}
    result = run_python(SCRIPT, env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    refused = {"viewer /reminders/schedule/", "viewer /reminders/sent/"}
    refused |= {"forcelead /reminders/schedule/", "forcelead /reminders/sent/"}
    for page, status in report["statuses"].items():
        assert status == (403 if page in refused else 200), page
    assert (tmp_path / "oversight.sqlite3").exists()
    assert report["mail_files"] > 0  # the reminders went to files, not to a server
