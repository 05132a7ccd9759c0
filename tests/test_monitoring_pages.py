"""The Engage and PPOG pages: OPCC staff record through them, everyone else reads, and
bad input is answered on the form with nothing written (issue 16, item 4)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from recommendations.models import FindingKind, MonitoringPeriod, MonitoringPhase, PpogMeeting
from tests.factories import make_finding, make_report, make_user
from tests.test_concurrent_submits import _post_together

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def on_a_known_day():
    with time_machine.travel(datetime(2026, 5, 20, 12, tzinfo=ZoneInfo("Europe/London"))):
        yield


def url(name: str, pk: int | None = None) -> str:
    return reverse(f"recommendations:{name}", args=[pk] if pk is not None else [])


@pytest.fixture
def cause(force):
    return make_finding(
        report=make_report(force=force, published_on=date(2026, 1, 10)),
        kind=FindingKind.CAUSE_OF_CONCERN,
        reference="CoC1",
        text="The force does not protect children well enough.",
    )


def test_opcc_staff_record_entry_a_meeting_and_exit_through_the_pages(client, opcc, force, cause):
    client.force_login(opcc)
    page = client.get(url("force-monitoring", force.pk))
    assert b"Record a move into Engage" in page.content

    response = client.post(
        url("engage-enter", force.pk),
        {"started_on": "2026-02-01", "causes": [cause.pk], "first_ppog_on": "2026-04-14"},
    )
    assert response.status_code == 302
    period = MonitoringPeriod.objects.current_engage().get(force=force)
    assert list(period.causes_of_concern.all()) == [cause]

    response = client.post(
        url("ppog-record", force.pk),
        {
            "meets_on": "2026-04-14",
            "outcome": "Improvement plan accepted.",
            "next_meets_on": "2026-07-14",
        },
    )
    assert response.status_code == 302
    page = client.get(url("force-monitoring", force.pk))
    assert "Improvement plan accepted." in page.text
    assert "14 July 2026" in page.text and "Planned" in page.text

    response = client.post(
        url("engage-exit", force.pk), {"ended_on": "2026-05-19", "decided_by_hmicfrs": "on"}
    )
    assert response.status_code == 302
    assert force.current_monitoring().phase == MonitoringPhase.SCAN
    page = client.get(url("monitoring-list"))
    assert "Earlier Engage periods" in page.text
    assert "19 May 2026" in page.text


def test_exit_needs_the_confirmation_that_hmicfrs_decided(client, opcc, force):
    MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 2, 1)
    )
    client.force_login(opcc)
    response = client.post(url("engage-exit", force.pk), {"ended_on": "2026-05-19"})
    assert response.status_code == 400
    assert "only HMICFRS moves a force out of Engage" in response.text
    assert force.current_monitoring().phase == MonitoringPhase.ENGAGE


def test_a_refused_meeting_is_explained_on_its_field_and_writes_nothing(client, opcc, force):
    MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 2, 1)
    )
    client.force_login(opcc)
    response = client.post(url("ppog-record", force.pk), {"meets_on": "2026-04-14"})
    assert response.status_code == 400
    assert response.context["form"].errors["outcome"] == [
        "Give the outcome: what the PPOG decided or asked of the force."
    ]
    assert not PpogMeeting.objects.exists()


def test_a_tampered_cause_of_another_force_is_refused(client, opcc, force, other_force):
    elsewhere = make_finding(
        report=make_report(force=other_force), kind=FindingKind.CAUSE_OF_CONCERN
    )
    client.force_login(opcc)
    response = client.post(
        url("engage-enter", force.pk), {"started_on": "2026-02-01", "causes": [elsewhere.pk]}
    )
    assert response.status_code == 400
    assert "causes" in response.context["form"].errors
    assert not MonitoringPeriod.objects.exists()


def test_a_step_that_does_not_fit_the_forces_state_says_why(client, opcc, force):
    client.force_login(opcc)
    for name in ("engage-exit", "ppog-record", "engage-causes"):
        response = client.get(url(name, force.pk))
        assert response.status_code == 409
        assert "is not in Engage. Record its move into Engage first." in response.text
    MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 2, 1)
    )
    response = client.get(url("engage-enter", force.pk))
    assert response.status_code == 409
    assert "has been in Engage since 1 February 2026" in response.text


@pytest.mark.parametrize("who", ["viewer", "lead"])
def test_viewers_and_force_leads_read_the_record_without_controls(
    request, client, force, cause, who
):
    period = MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 2, 1)
    )
    period.causes_of_concern.set([cause])
    PpogMeeting.objects.create(monitoring_period=period, meets_on=date(2026, 7, 14))
    client.force_login(request.getfixturevalue(who))
    page = client.get(url("force-monitoring", force.pk))
    assert page.status_code == 200
    assert "CoC1" in page.text
    for control in ("Record a PPOG meeting", "Record the exit", "Cancel the meeting"):
        assert control not in page.text
    assert client.post(url("engage-exit", force.pk), {"ended_on": "2026-05-19"}).status_code == 403
    assert force.current_monitoring() == period


def test_the_list_shows_a_scoped_user_only_their_own_force(client, force, other_force, outsider):
    MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 2, 1)
    )
    client.force_login(outsider)
    page = client.get(url("monitoring-list"))
    assert str(force) not in page.text
    assert client.get(url("force-monitoring", force.pk)).status_code == 404


def test_a_planned_meeting_is_cancelled_from_the_force_page(client, opcc, force):
    period = MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 2, 1)
    )
    meeting = PpogMeeting.objects.create(monitoring_period=period, meets_on=date(2026, 7, 14))
    client.force_login(opcc)
    assert (
        "Cancel the meeting of 14 July 2026" in client.get(url("force-monitoring", force.pk)).text
    )
    response = client.post(url("ppog-cancel", meeting.pk))
    assert response.status_code == 302
    assert not PpogMeeting.objects.exists()


def test_the_dashboard_links_opcc_staff_to_the_pages_and_no_longer_to_the_admin(
    client, opcc, viewer, force, cause
):
    client.force_login(opcc)
    dashboard = client.get(reverse("dashboards:dashboard"), {"force": force.pk}).text
    assert "administration pages" not in dashboard
    assert url("engage-enter", force.pk) in dashboard
    client.force_login(viewer)
    dashboard = client.get(reverse("dashboards:dashboard")).text
    assert "administration pages" not in dashboard
    assert url("engage-enter", force.pk) not in dashboard


def test_the_dashboard_offers_linking_causes_when_none_are_linked(client, opcc, viewer, force):
    make_report(force=force)
    MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 2, 1)
    )
    client.force_login(opcc)
    dashboard = client.get(reverse("dashboards:dashboard"), {"force": force.pk}).text
    assert url("engage-causes", force.pk) in dashboard
    assert url("force-monitoring", force.pk) in dashboard
    client.force_login(viewer)
    dashboard = client.get(reverse("dashboards:dashboard")).text
    assert url("engage-causes", force.pk) not in dashboard
    assert url("force-monitoring", force.pk) in dashboard


def test_causes_of_concern_are_linked_after_entry_from_their_page(client, opcc, force, cause):
    period = MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 2, 1)
    )
    client.force_login(opcc)
    page = client.get(url("engage-causes", force.pk))
    assert "CoC1: The force does not protect children well enough." in page.text
    response = client.post(url("engage-causes", force.pk), {"causes": [cause.pk]})
    assert response.status_code == 302, response.context["form"].errors
    assert list(period.causes_of_concern.all()) == [cause]
    response = client.post(url("engage-causes", force.pk), {})
    assert response.status_code == 302
    assert not period.causes_of_concern.exists()


@pytest.mark.django_db(transaction=True)
def test_twin_submits_record_one_entry_and_tell_the_rest_why(reference_data, opcc, force):
    """Four clicks at once, with real threads on PostgreSQL: the force's row lock takes them
    in turn, so one entry is recorded and the others are told the force is in Engage."""
    results = _post_together(opcc, url("engage-enter", force.pk), {"started_on": "2026-02-01"})
    assert sorted(status for status, _ in results) == [302, 409, 409, 409]
    for status, page in results:
        if status == 409:
            assert "has been in Engage since 1 February 2026" in page
    assert MonitoringPeriod.objects.filter(force=force).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twin_submits_of_a_meeting_record_it_once(reference_data, opcc, force):
    MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2026, 2, 1)
    )
    data = {"meets_on": "2026-04-14", "outcome": "Held.", "next_meets_on": "2026-07-14"}
    results = _post_together(opcc, url("ppog-record", force.pk), data)
    assert sorted(status for status, _ in results) == [302] * 4
    assert list(PpogMeeting.objects.values_list("meets_on", "outcome")) == [
        (date(2026, 4, 14), "Held."),
        (date(2026, 7, 14), ""),
    ]


def test_someone_without_a_role_is_refused_every_page(client, force):
    client.force_login(make_user(None, force=force))
    for page in (
        url("monitoring-list"),
        url("force-monitoring", force.pk),
        url("engage-enter", force.pk),
        reverse("recommendations:framework-list"),
        reverse("recommendations:framework-create"),
    ):
        assert client.get(page).status_code == 403, page
