"""A recorded HMICFRS letter is kept as the evidence for what it changed: readable from
each finding it touched, by whoever may see its report and force, and the read audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent, Event
from intake.models import Letter, LetterOutcome, OutcomeAction
from tests.factories import make_finding, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(force, opcc):
    report = make_report(force=force, published_on=date(2025, 3, 1))
    finding = make_finding(report=report, reference="CoC1", due_on=date(2025, 9, 1))
    letter = Letter.objects.create(
        report=report,
        force=force,
        kind="closure",
        sent_on=date(2025, 10, 2),
        reference="HMI/LTR/0001",
        text="Illustrative closure letter.\n\nWe are now assured <b>the cause</b> is addressed.",
        recorded_by=opcc,
    )
    LetterOutcome.objects.create(
        letter=letter, finding=finding, action=OutcomeAction.CLOSED, score=0.83
    )
    return letter


def test_the_letter_is_read_from_the_finding_it_closed(client, letter, lead):
    client.force_login(lead)
    finding = letter.outcomes.get().finding
    timeline = client.get(finding.get_absolute_url()).content.decode()
    url = reverse("intake:letter-detail", args=[letter.pk])
    assert url in timeline
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "We are now assured &lt;b&gt;the cause&lt;/b&gt; is addressed." in body
    assert "HMI/LTR/0001" in body and "CoC1" in body and "0.83" in body
    read = AuditEvent.objects.filter(event=Event.REPORT_VIEWED, user=lead).latest("pk")
    assert read.detail == {"page": "letter-detail"}


def test_another_forces_staff_get_404_and_the_probe_is_recorded(client, letter, outsider):
    client.force_login(outsider)
    assert client.get(reverse("intake:letter-detail", args=[letter.pk])).status_code == 404
    assert AuditEvent.objects.filter(event=Event.ACCESS_DENIED, user=outsider).exists()


def test_a_national_reports_letter_for_one_force_is_not_shown_to_another(
    client, force, other_force, opcc, outsider
):
    national = make_report(force=None, published_on=date(2025, 3, 1))
    letter = Letter.objects.create(
        report=national,
        force=force,
        kind="revisit",
        sent_on=date(2025, 10, 2),
        text="Illustrative revisit letter.",
        recorded_by=opcc,
    )
    client.force_login(outsider)
    assert client.get(reverse("intake:letter-detail", args=[letter.pk])).status_code == 404
    client.force_login(opcc)
    assert client.get(reverse("intake:letter-detail", args=[letter.pk])).status_code == 200
