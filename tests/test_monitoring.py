"""Engage and PPOG recorded by OPCC staff: the services' rules, the history and audit they
leave, and that a refusal writes nothing (issue 16, item 4)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from recommendations import monitoring
from recommendations.models import (
    FindingKind,
    MonitoringPeriod,
    MonitoringPhase,
    PpogMeeting,
    Role,
)
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)


@pytest.fixture
def causes(force):
    report = make_report(force=force, published_on=date(2026, 1, 10))
    return [
        make_finding(report=report, kind=FindingKind.CAUSE_OF_CONCERN, reference=f"CoC{n}")
        for n in (1, 2)
    ]


@pytest.fixture
def in_scan(force):
    return MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.SCAN, started_on=date(2020, 1, 1)
    )


@pytest.fixture
def engaged(force, opcc, causes, in_scan):
    return monitoring.engage_enter(
        force=force, started_on=date(2026, 2, 1), causes=causes, by=opcc, today=TODAY
    )


def record(force) -> tuple:
    """Everything the services write for a force."""
    periods = MonitoringPeriod.objects.filter(force=force).order_by("pk")
    return (
        tuple(periods.values_list("pk", "phase", "started_on", "ended_on")),
        tuple(
            PpogMeeting.objects.filter(monitoring_period__force=force)
            .order_by("pk")
            .values_list("pk", "meets_on", "outcome")
        ),
        tuple(
            MonitoringPeriod.causes_of_concern.through.objects.filter(
                monitoringperiod__force=force
            ).values_list("monitoringperiod_id", "finding_id")
        ),
    )


def refused(call, message_part: str, **kwargs) -> None:
    with pytest.raises(ValidationError) as refusal:
        call(**kwargs)
    assert message_part in " ".join(refusal.value.messages)


# ---------------------------------------------------------------- entry


def test_entry_ends_the_scan_period_and_opens_engage_with_its_causes(force, opcc, causes, in_scan):
    period = monitoring.engage_enter(
        force=force,
        started_on=date(2026, 2, 1),
        causes=causes,
        first_ppog_on=date(2026, 6, 15),
        by=opcc,
        today=TODAY,
    )
    in_scan.refresh_from_db()
    assert in_scan.ended_on == date(2026, 2, 1)
    assert MonitoringPeriod.objects.current_engage().get() == period
    assert set(period.causes_of_concern.all()) == set(causes)
    assert list(period.ppog_meetings.values_list("meets_on", flat=True)) == [date(2026, 6, 15)]


def test_entry_is_in_the_history_and_the_audit_trail_with_who_recorded_it(
    force, opcc, causes, in_scan
):
    period = monitoring.engage_enter(
        force=force, started_on=date(2026, 2, 1), causes=causes, by=opcc, today=TODAY
    )
    versions = period.history.all()
    assert {v.history_user for v in versions} == {opcc}
    # The causes of concern are kept with the period's latest version.
    latest = versions.first()
    assert {row.finding_id for row in latest.causes_of_concern.all()} == {c.pk for c in causes}
    audited = AuditEvent.objects.filter(object_type="recommendations.MonitoringPeriod")
    assert audited.filter(event="created", object_id=str(period.pk)).exists()
    assert audited.filter(event="changed", object_id=str(in_scan.pk)).exists()
    linked = audited.get(event="changed", object_id=str(period.pk))
    assert linked.detail["causes"] == sorted(c.pk for c in causes)
    assert linked.user == opcc


def test_a_force_with_no_record_enters_engage_without_a_scan_period(force, opcc):
    period = monitoring.engage_enter(
        force=force, started_on=date(2026, 2, 1), causes=[], by=opcc, today=TODAY
    )
    assert list(MonitoringPeriod.objects.filter(force=force)) == [period]


def test_a_second_entry_is_refused_and_changes_nothing(force, opcc, engaged):
    before = record(force)
    refused(
        monitoring.engage_enter,
        "has been in Engage since 1 February 2026",
        force=force,
        started_on=date(2026, 3, 1),
        causes=[],
        by=opcc,
        today=TODAY,
    )
    assert record(force) == before


@pytest.mark.parametrize(
    ("started_on", "message"),
    [
        (date(2026, 5, 21), "cannot be after today"),
        (date(2019, 12, 31), "in Scan since 1 January 2020"),
    ],
)
def test_an_entry_date_out_of_order_is_refused(force, opcc, in_scan, started_on, message):
    before = record(force)
    refused(
        monitoring.engage_enter,
        message,
        force=force,
        started_on=started_on,
        causes=[],
        by=opcc,
        today=TODAY,
    )
    assert record(force) == before


def test_a_new_entry_cannot_start_before_the_last_exit(force, opcc, engaged):
    monitoring.engage_exit(force=force, ended_on=date(2026, 4, 1), by=opcc, today=TODAY)
    # The Scan period from 1 April is current; a move dated before it is refused.
    refused(
        monitoring.engage_enter,
        "in Scan since 1 April 2026",
        force=force,
        started_on=date(2026, 3, 15),
        causes=[],
        by=opcc,
        today=TODAY,
    )
    again = monitoring.engage_enter(
        force=force, started_on=date(2026, 5, 1), causes=[], by=opcc, today=TODAY
    )
    assert list(
        force.monitoring_periods.order_by("started_on").values_list("phase", flat=True)
    ) == [
        "scan",
        "engage",
        "scan",
        "engage",
    ]
    assert again.is_current


def test_causes_must_be_the_forces_own_causes_of_concern(force, other_force, opcc, in_scan):
    elsewhere = make_finding(
        report=make_report(force=other_force), kind=FindingKind.CAUSE_OF_CONCERN
    )
    own_recommendation = make_finding(report=make_report(force=force))
    before = record(force)
    for wrong in (elsewhere, own_recommendation):
        refused(
            monitoring.engage_enter,
            "Choose causes of concern from Testshire Constabulary's own reports",
            force=force,
            started_on=date(2026, 2, 1),
            causes=[wrong],
            by=opcc,
            today=TODAY,
        )
    assert record(force) == before


@pytest.mark.parametrize("who", ["viewer", "lead", "outsider"])
def test_only_opcc_staff_of_the_force_or_all_forces_record_entry(request, force, in_scan, who):
    before = record(force)
    with pytest.raises(PermissionDenied):
        monitoring.engage_enter(
            force=force,
            started_on=date(2026, 2, 1),
            causes=[],
            by=request.getfixturevalue(who),
            today=TODAY,
        )
    assert record(force) == before


def test_opcc_staff_scoped_to_the_force_record_it(force, in_scan):
    scoped = make_user(Role.OPCC_STAFF, force=force)
    period = monitoring.engage_enter(
        force=force, started_on=date(2026, 2, 1), causes=[], by=scoped, today=TODAY
    )
    assert period.history.first().history_user == scoped


def test_the_causes_can_be_changed_after_entry(force, opcc, engaged, causes):
    monitoring.engage_causes_set(period=engaged, causes=causes[:1], by=opcc)
    assert list(engaged.causes_of_concern.all()) == causes[:1]
    assert engaged.history.count() >= 2
    assert AuditEvent.objects.filter(
        object_type="recommendations.MonitoringPeriod",
        object_id=str(engaged.pk),
        detail__causes=[causes[0].pk],
    ).exists()


# ---------------------------------------------------------------- PPOG


def test_a_meeting_held_is_recorded_with_its_outcome_and_the_next_one_planned(force, opcc, engaged):
    meeting = monitoring.ppog_meeting_record(
        force=force,
        meets_on=date(2026, 4, 14),
        outcome="Plan accepted; progress on CoC1 to be evidenced by June.",
        next_meets_on=date(2026, 7, 14),
        by=opcc,
        today=TODAY,
    )
    assert meeting.outcome.startswith("Plan accepted")
    assert list(engaged.ppog_meetings.values_list("meets_on", "outcome")) == [
        (date(2026, 4, 14), "Plan accepted; progress on CoC1 to be evidenced by June."),
        (date(2026, 7, 14), ""),
    ]
    # The planned meeting is the next one, and is still counted for reminders.
    assert PpogMeeting.objects.still_counting().upcoming(today=TODAY).get().meets_on == date(
        2026, 7, 14
    )
    assert meeting.history.first().history_user == opcc


def test_the_outcome_of_a_planned_meeting_updates_that_meeting_and_keeps_its_history(
    force, opcc, engaged
):
    monitoring.ppog_meeting_record(force=force, meets_on=date(2026, 6, 1), by=opcc, today=TODAY)
    meeting = monitoring.ppog_meeting_record(
        force=force,
        meets_on=date(2026, 6, 1),
        outcome="Met; no change.",
        by=opcc,
        today=TODAY.replace(month=6, day=2),
    )
    assert engaged.ppog_meetings.count() == 1
    assert [v.outcome for v in meeting.history.order_by("history_id")] == ["", "Met; no change."]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"meets_on": date(2026, 4, 14)}, "Give the outcome"),
        ({"meets_on": date(2026, 6, 1), "outcome": "Went well"}, "has no outcome yet"),
        ({"meets_on": date(2026, 1, 5), "outcome": "Early"}, "from 1 February 2026"),
        (
            {"meets_on": date(2026, 4, 14), "outcome": "X", "next_meets_on": date(2026, 4, 1)},
            "must come after this one",
        ),
        (
            {"meets_on": date(2026, 3, 1), "outcome": "X", "next_meets_on": date(2026, 4, 1)},
            "give a date after today",
        ),
    ],
)
def test_a_meeting_that_does_not_add_up_is_refused_and_changes_nothing(
    force, opcc, engaged, fields, message
):
    before = record(force)
    refused(monitoring.ppog_meeting_record, message, force=force, by=opcc, today=TODAY, **fields)
    assert record(force) == before


def test_no_ppog_meeting_for_a_force_not_in_engage(force, opcc, in_scan):
    refused(
        monitoring.ppog_meeting_record,
        "is not in Engage",
        force=force,
        meets_on=date(2026, 4, 14),
        outcome="X",
        by=opcc,
        today=TODAY,
    )
    assert not PpogMeeting.objects.exists()


def test_a_planned_meeting_can_be_cancelled_but_not_one_held(force, opcc, engaged):
    held = monitoring.ppog_meeting_record(
        force=force,
        meets_on=date(2026, 4, 14),
        outcome="Held.",
        next_meets_on=date(2026, 7, 14),
        by=opcc,
        today=TODAY,
    )
    planned = engaged.ppog_meetings.get(meets_on=date(2026, 7, 14))
    refused(
        monitoring.ppog_meeting_cancel,
        "Only a planned meeting",
        meeting=held,
        by=opcc,
        today=TODAY,
    )
    monitoring.ppog_meeting_cancel(meeting=planned, by=opcc, today=TODAY)
    assert list(engaged.ppog_meetings.all()) == [held]
    assert AuditEvent.objects.filter(
        event="deleted", object_type="recommendations.PpogMeeting", object_id=str(planned.pk)
    ).exists()


# ---------------------------------------------------------------- exit


def test_exit_closes_engage_opens_scan_and_lapses_planned_meetings(force, opcc, engaged):
    monitoring.ppog_meeting_record(
        force=force,
        meets_on=date(2026, 4, 14),
        outcome="HMICFRS to consider exit.",
        next_meets_on=date(2026, 7, 14),
        by=opcc,
        today=TODAY,
    )
    scan = monitoring.engage_exit(force=force, ended_on=date(2026, 5, 1), by=opcc, today=TODAY)
    engaged.refresh_from_db()
    assert engaged.ended_on == date(2026, 5, 1)
    assert (scan.phase, scan.started_on, scan.ended_on) == ("scan", date(2026, 5, 1), None)
    assert force.current_monitoring() == scan
    assert not MonitoringPeriod.objects.current_engage().exists()
    # The held meeting stays on record; the planned one will not take place.
    assert list(engaged.ppog_meetings.values_list("meets_on", flat=True)) == [date(2026, 4, 14)]
    assert not PpogMeeting.objects.still_counting().exists()
    assert engaged.history.first().history_user == opcc


@pytest.mark.parametrize(
    ("ended_on", "message"),
    [
        (date(2026, 5, 21), "cannot be after today"),
        (date(2026, 1, 31), "entered Engage on 1 February 2026"),
        (date(2026, 4, 1), "A PPOG meeting on 14 April 2026 is recorded as held"),
    ],
)
def test_an_exit_that_does_not_add_up_is_refused_and_changes_nothing(
    force, opcc, engaged, ended_on, message
):
    monitoring.ppog_meeting_record(
        force=force, meets_on=date(2026, 4, 14), outcome="Held.", by=opcc, today=TODAY
    )
    before = record(force)
    refused(monitoring.engage_exit, message, force=force, ended_on=ended_on, by=opcc, today=TODAY)
    assert record(force) == before


def test_exit_of_a_force_not_in_engage_is_refused(force, opcc, in_scan):
    before = record(force)
    refused(
        monitoring.engage_exit,
        "is not in Engage",
        force=force,
        ended_on=date(2026, 5, 1),
        by=opcc,
        today=TODAY,
    )
    assert record(force) == before


@pytest.mark.parametrize("who", ["viewer", "lead", "outsider"])
def test_only_opcc_staff_record_meetings_and_exit(request, force, engaged, who):
    user = request.getfixturevalue(who)
    before = record(force)
    with pytest.raises(PermissionDenied):
        monitoring.ppog_meeting_record(
            force=force, meets_on=date(2026, 4, 14), outcome="X", by=user, today=TODAY
        )
    with pytest.raises(PermissionDenied):
        monitoring.engage_exit(force=force, ended_on=date(2026, 5, 1), by=user, today=TODAY)
    assert record(force) == before
