"""Every page that shows a finding's text is a read on record; a probe for another force's
finding is a denied read on record (but cannot flood the trail); an export with an invalid
filter exports nothing, and an export's record holds the filters actually applied."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent, Event
from recommendations.views.common import DENIED_READS_PER_MINUTE
from tests.factories import make_finding, make_report

pytestmark = pytest.mark.django_db

STEP_PAGES = [
    "finding-edit",
    "update-create",
    "finding-assign",
    "finding-due-date",
    "finding-no-further-action",
    "finding-supersede",
]


@pytest.fixture
def finding(force, lead):
    return make_finding(report=make_report(force=force), owner=lead, due_on=date(2026, 6, 1))


@pytest.mark.parametrize("name", STEP_PAGES)
def test_a_page_showing_the_findings_text_records_the_read(client, opcc, finding, name):
    client.force_login(opcc)
    response = client.get(reverse(f"recommendations:{name}", args=[finding.pk]))
    assert response.status_code == 200
    assert finding.text in response.content.decode()
    read = AuditEvent.objects.get(event=Event.FINDING_VIEWED)
    assert (read.user, read.object_id, read.detail) == (opcc, str(finding.pk), {"page": name})


def test_a_post_is_not_recorded_again_as_a_read(client, opcc, finding):
    client.force_login(opcc)
    client.post(reverse("recommendations:finding-assign", args=[finding.pk]), {"version": 1})
    assert not AuditEvent.objects.filter(event=Event.FINDING_VIEWED).exists()


def test_a_probe_for_another_forces_finding_is_a_denied_read(client, outsider, finding):
    client.force_login(outsider)
    for name in ("finding-detail", "finding-edit"):
        response = client.get(reverse(f"recommendations:{name}", args=[finding.pk]))
        assert response.status_code == 404
    denied = AuditEvent.objects.filter(event=Event.ACCESS_DENIED).order_by("id")
    assert [e.detail for e in denied] == [
        {"status": 404, "read": "recommendations.Finding", "id": finding.pk}
    ] * 2
    assert {e.user for e in denied} == {outsider}
    assert not AuditEvent.objects.filter(event=Event.FINDING_VIEWED).exists()


def test_a_number_that_does_not_exist_is_a_plain_404(client, outsider, finding):
    client.force_login(outsider)
    assert client.get(reverse("recommendations:finding-detail", args=[999_999])).status_code == 404
    assert not AuditEvent.objects.filter(event=Event.ACCESS_DENIED).exists()


def test_denied_reads_are_recorded_at_most_so_many_a_minute(client, outsider, finding):
    client.force_login(outsider)
    url = reverse("recommendations:finding-detail", args=[finding.pk])
    for _ in range(DENIED_READS_PER_MINUTE + 5):
        assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(event=Event.ACCESS_DENIED).count() <= (
        DENIED_READS_PER_MINUTE * 2  # the minute may turn during the loop
    )
    assert AuditEvent.objects.filter(event=Event.ACCESS_DENIED).count() >= DENIED_READS_PER_MINUTE


@pytest.mark.parametrize("name", ["finding-export-csv", "finding-export-xlsx"])
@pytest.mark.parametrize(
    "query", [{"kind": "no-such-kind"}, {"q": "a\x00b"}, {"due_within": "-4"}, {"force": "x"}]
)
def test_an_export_with_an_invalid_filter_exports_nothing(client, opcc, finding, name, query):
    client.force_login(opcc)
    response = client.get(reverse(f"recommendations:{name}"), query)
    assert response.status_code == 302
    assert response.url.startswith(reverse("recommendations:finding-list"))
    assert not AuditEvent.objects.filter(event=Event.FINDINGS_EXPORTED).exists()
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Nothing was exported" in page.content.decode()


def test_an_export_records_the_filters_applied_not_as_typed(client, opcc, finding):
    client.force_login(opcc)
    # A repeated parameter: the form applies the last value, and so does the record.
    response = client.get(
        reverse("recommendations:finding-export-csv") + "?status=closed&status=not_started"
    )
    assert response.status_code == 200
    exported = AuditEvent.objects.get(event=Event.FINDINGS_EXPORTED)
    assert exported.detail == {"format": "csv", "filters": {"status": "not_started"}}
    assert finding.reference in response.content.decode()
