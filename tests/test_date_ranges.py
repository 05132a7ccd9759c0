"""Every date a person enters lies from 1990 to ten years ahead, and the database refuses
what no form would accept: one far-future date once took every page down for everyone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from recommendations import dates
from recommendations.models import Finding, ProgressUpdate, Report, ReportKind
from tests.factories import make_finding, make_report

pytestmark = pytest.mark.django_db

FAR_FUTURE = "9999-12-20"
TOO_EARLY = "1899-01-01"


@pytest.mark.parametrize("value", [FAR_FUTURE, TOO_EARLY])
def test_a_report_dated_outside_the_range_is_refused_with_a_message(client, opcc, force, value):
    client.force_login(opcc)
    response = client.post(
        reverse("recommendations:report-create"),
        {
            "kind": ReportKind.PEEL,
            "title": "Typed wrongly",
            "force": force.pk,
            "published_on": value,
        },
    )
    assert response.status_code == 200
    assert "Enter a date from 1 January 1990" in str(response.context["form"].errors)
    assert not Report.objects.filter(title="Typed wrongly").exists()


def test_the_range_the_browser_is_told_follows_the_day_the_page_is_drawn(
    client, opcc, force, monkeypatch
):
    # The form class was built when the process started; a server still running next week
    # must offer next week's latest date, or the browser refuses what the server accepts.
    next_week = timezone.localdate() + timedelta(days=7)
    monkeypatch.setattr("recommendations.forms.timezone.localdate", lambda: next_week)
    client.force_login(opcc)
    page = client.get(reverse("recommendations:report-create")).content.decode()
    assert f'max="{dates.latest_enterable(next_week).isoformat()}"' in page


def test_the_latest_date_accepted_is_ten_years_ahead(client, opcc, force):
    client.force_login(opcc)
    latest = dates.latest_enterable(timezone.localdate())
    fields = {"kind": ReportKind.PEEL, "force": force.pk}
    ok = client.post(
        reverse("recommendations:report-create"),
        {**fields, "title": "Latest", "published_on": latest.isoformat()},
    )
    assert ok.status_code == 302
    refused = client.post(
        reverse("recommendations:report-create"),
        {**fields, "title": "A day late", "published_on": (latest + timedelta(days=1)).isoformat()},
    )
    assert refused.status_code == 200
    assert not Report.objects.filter(title="A day late").exists()


@pytest.mark.parametrize(
    ("url_name", "fields"),
    [
        ("finding-due-date", {"new_due_on": FAR_FUTURE, "reason": "Slipped"}),
        ("finding-close", {"closed_on": FAR_FUTURE, "basis": "letter", "reference": "L1"}),
        (
            "update-create",
            {"narrative": "Progress", "rag": "green", "as_at": FAR_FUTURE},
        ),
    ],
)
def test_each_step_refuses_a_far_future_date_and_changes_nothing(
    client, opcc, force, url_name, fields
):
    # A cause of concern can be closed by letter from any open status; it has no deadline.
    closing = url_name == "finding-close"
    finding = make_finding(
        report=make_report(force=force),
        kind="cause_of_concern" if closing else "recommendation",
        due_on=None if closing else date(2026, 6, 1),
    )
    client.force_login(opcc)
    response = client.post(
        reverse(f"recommendations:{url_name}", args=[finding.pk]),
        {"version": finding.version, **fields},
    )
    assert response.status_code == 400
    assert "Enter a date from 1 January 1990" in response.content.decode()
    finding.refresh_from_db()
    assert (finding.version, finding.closed_on) == (1, None)
    assert finding.due_on == (None if closing else date(2026, 6, 1))
    assert not ProgressUpdate.objects.exists()


def test_the_form_tells_the_browser_the_range(client, opcc, force):
    client.force_login(opcc)
    page = client.get(reverse("recommendations:report-create")).content.decode()
    latest = dates.latest_enterable(timezone.localdate())
    assert 'min="1990-01-01"' in page
    assert f'max="{latest.isoformat()}"' in page


@pytest.mark.parametrize(
    ("model", "field"),
    [(Report, "published_on"), (Finding, "due_on"), (Finding, "closed_on")],
)
def test_the_database_refuses_a_date_no_form_would_accept(force, model, field):
    finding = make_finding(report=make_report(force=force), due_on=date(2026, 6, 1))
    row = finding.report if model is Report else finding
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{field: date(9999, 12, 20)})
