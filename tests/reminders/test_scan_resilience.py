"""One bad row never stops the reminders of everyone else (issue 12, item 1): the scan
skips it, logs it and counts it, the health check reports it, and a digest leaves out
a line it cannot write."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from recommendations.models import Finding
from reminders import emails, items, services
from reminders.models import Digest, Reminder, ScanRecord
from tests.factories import make_finding
from tests.reminders.conftest import TODAY, owners_due_in_a_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def bad_finding(report, monkeypatch):
    """Three owners' findings, one of which makes the scan's reminder code raise."""
    owners = owners_due_in_a_week(report, 3)
    bad = Finding.objects.get(owner=owners[1])
    remind = items.Deadline.remind

    def remind_or_raise(self, found, row, **kwargs):
        if row.item_id == bad.pk and row.item_type == "finding":
            raise OverflowError("date value out of range")
        return remind(self, found, row, **kwargs)

    monkeypatch.setattr(items.Deadline, "remind", remind_or_raise)
    return owners, bad


def test_a_row_that_cannot_be_read_is_skipped_logged_and_counted(bad_finding, caplog):
    owners, bad = bad_finding
    scan = services.reminders_scan(today=TODAY)
    assert (scan.created, scan.skipped) == (2, 1)
    assert set(Reminder.objects.values_list("recipient", flat=True)) == {
        owners[0].pk,
        owners[2].pk,
    }
    assert ScanRecord.objects.get().skipped == 1
    assert f"skipped finding {bad.pk}" in caplog.text


def test_health_reports_the_skipped_row(client, bad_finding):
    services.reminders_scan(today=TODAY)
    response = client.get(reverse("reminders:health"))
    assert response.status_code == 503
    assert response.json()["skipped"] == 1
    assert "skipped 1 item(s)" in " ".join(response.json()["problems"])


def test_send_reminders_says_it_skipped_rows(bad_finding, smtp_server):
    out, err = StringIO(), StringIO()
    call_command("send_reminders", "--today", TODAY.isoformat(), stdout=out, stderr=err)
    assert "sent 2" in out.getvalue()
    assert "skipped 1 item(s) it could not read" in err.getvalue()


def test_a_line_that_cannot_be_described_is_left_out_and_the_digest_still_goes(
    report, owner, monkeypatch, smtp_server
):
    good = make_finding(report=report, owner=owner, due_on=TODAY, reference="R1")
    bad = make_finding(report=report, owner=owner, due_on=TODAY, reference="R2")
    describe = items.Deadline.describe

    def describe_or_raise(self, keys):
        if ("finding", bad.pk) in keys:
            raise ValueError("cannot be described")
        return describe(self, keys)

    monkeypatch.setattr(items.Deadline, "describe", describe_or_raise)
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    [digest] = Digest.objects.all()
    assert [line.reference for line in emails.digest_lines(digest, today=TODAY)] == ["R1"]
    assert services.digests_send(today=TODAY) == {"sent": 1}
    assert good.reference in smtp_server.sink.to(owner.email)[0].text()


def test_a_report_whose_date_cannot_be_worked_out_is_skipped_and_counted(force, opcc, monkeypatch):
    from datetime import timedelta

    from tests.factories import make_report

    # Two reports whose s.55 last day is a week away; one's arithmetic fails.
    published = TODAY - timedelta(days=55 - 7)
    good, bad = (
        make_report(force=force, published_on=published),
        make_report(force=force, published_on=published),
    )
    last_day = items.s55_last_day

    def last_day_or_raise(published_on):
        if published_on == published and not getattr(last_day_or_raise, "raised", False):
            last_day_or_raise.raised = True  # the first report read
            raise OverflowError("date value out of range")
        return last_day(published_on)

    monkeypatch.setattr(items, "s55_last_day", last_day_or_raise)
    scan = services.reminders_scan(today=TODAY)
    assert (scan.created, scan.skipped) == (1, 1)
    assert Reminder.objects.get().item_id in {good.pk, bad.pk}


def test_a_digest_that_cannot_be_written_fails_alone(report, monkeypatch, smtp_server):
    owners = owners_due_in_a_week(report, 3)
    services.reminders_scan(today=TODAY)
    services.digests_compose(today=TODAY)
    broken = Digest.objects.get(recipient=owners[1])
    write = emails.digest_message

    def write_or_raise(digest, **kwargs):
        if digest.pk == broken.pk:
            raise ValueError("a template error")
        return write(digest, **kwargs)

    monkeypatch.setattr(emails, "digest_message", write_or_raise)
    assert services.digests_send(today=TODAY) == {"sent": 2, "failed": 1}
    broken.refresh_from_db()
    assert "ValueError: a template error" in broken.last_error
