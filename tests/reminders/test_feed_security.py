"""The calendar feed's address is a credential: it stops working when its person loses
access, and it never reaches a log in full."""

import json
import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

from oversight.logging import JsonFormatter, mask_secrets
from reminders.models import CalendarFeed

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_a_feed_stops_at_once_when_its_person_loses_every_role(client, owner):
    _feed, token = CalendarFeed.issue(owner)
    url = reverse("reminders:calendar-feed", args=[token])
    assert client.get(url).status_code == 200
    owner.groups.clear()
    assert client.get(url).status_code == 404


def test_a_superuser_without_groups_keeps_the_feed(client, owner):
    owner.groups.clear()
    owner.is_superuser = True
    owner.save()
    _feed, token = CalendarFeed.issue(owner)
    assert client.get(reverse("reminders:calendar-feed", args=[token])).status_code == 200


def test_the_token_is_masked_in_what_django_logs_about_a_feed_request(client, owner, caplog):
    _feed, token = CalendarFeed.issue(owner)
    owner.groups.clear()
    with caplog.at_level(logging.INFO):
        assert client.get(reverse("reminders:calendar-feed", args=[token])).status_code == 404
    assert caplog.records, "Django logs a refused feed request"
    assert token not in caplog.text
    assert "/calendar/" in caplog.text


def test_json_logs_mask_the_token_in_every_field():
    token = "s3cr3t-T0ken_value"
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/calendar/{token}.ics",),
        None,
    )
    record.request = f"<WSGIRequest: GET '/calendar/{token}.ics'>"
    line = JsonFormatter().format(record)
    assert token not in line
    assert json.loads(line)["message"] == "Not Found: /calendar/[masked].ics"


def test_gunicorns_access_log_masks_the_token():
    token = "s3cr3t-T0ken_value"
    config = runpy.run_path(str(ROOT / "oversight" / "gunicorn.conf.py"))
    logger = config["logger_class"](SimpleNamespace(**_gunicorn_defaults()))
    path = f"/calendar/{token}.ics"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://oversight.example{path}",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, [], environ, timedelta(milliseconds=5))
    assert token not in repr(atoms)
    assert atoms["r"] == "GET /calendar/[masked].ics HTTP/1.1"


def _gunicorn_defaults() -> dict:
    from gunicorn.config import Config

    settings = Config().settings
    return {name: setting.get() for name, setting in settings.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /calendar/abc_-123.ics HTTP/1.1", "GET /calendar/[masked].ics HTTP/1.1"),
        ("https://x.example/calendar/abc.ics?x=1", "https://x.example/calendar/[masked].ics?x=1"),
        ("/reminders/calendar/new/", "/reminders/calendar/new/"),
    ],
)
def test_only_feed_addresses_are_masked(text, expected):
    assert mask_secrets(text) == expected
