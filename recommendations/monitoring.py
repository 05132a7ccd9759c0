"""Writes to a force's monitoring record: its move into Engage, PPOG meetings, and its exit.

HMICFRS decides both moves; OPCC staff record them here. Each service locks the
force's row first, so two people recording for one force at once are taken in
turn (the second then sees what the first recorded and is refused if it no longer
makes sense), and each either writes everything it should or nothing. Rule
violations raise ValidationError keyed by the form field they concern.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max

from audit import services as audit
from recommendations import permissions
from recommendations.models import (
    Finding,
    FindingKind,
    Force,
    MonitoringPeriod,
    MonitoringPhase,
    PpogMeeting,
    User,
)

NOT_ALLOWED = "You do not have permission to record monitoring for this force."
ALREADY_IN_ENGAGE = "{force} has been in Engage since {day}. Record its exit before a new entry."
NOT_IN_ENGAGE = "{force} is not in Engage. Record its move into Engage first."
NOT_YET = "{what} cannot be after today: record it once it has happened."
ENTRY_BEFORE_CURRENT = (
    "{force} has been in {phase} since {day}, so its move into Engage cannot be earlier."
)
ENTRY_BEFORE_PREVIOUS_END = (
    "{force}'s record runs to {day}, so its move into Engage cannot be earlier."
)
CAUSE_OF_ANOTHER_FORCE = "Choose causes of concern from {force}'s own reports."
PPOG_BEFORE_ENTRY = "PPOG meetings are held while the force is in Engage, from {day}."
OUTCOME_REQUIRED = "Give the outcome: what the PPOG decided or asked of the force."
OUTCOME_OF_FUTURE_MEETING = (
    "A meeting after today has no outcome yet. Leave the outcome empty to plan the meeting."
)
NEXT_MEETING_NOT_AFTER = "The next meeting must come after this one."
NEXT_MEETING_NOT_AHEAD = (
    "The next meeting is one still to come: give a date after today. Record a meeting "
    "already held with its own outcome."
)
EXIT_BEFORE_ENTRY = "{force} entered Engage on {day}: its exit cannot be earlier."
MEETING_HELD_AFTER_EXIT = (
    "A PPOG meeting on {day} is recorded as held while the force was in Engage, "
    "so its exit cannot be earlier."
)
ONLY_PLANNED_MEETINGS_CANCELLED = (
    "Only a planned meeting, still to come and without an outcome, can be cancelled."
)
ALREADY_CANCELLED = "That PPOG meeting was already cancelled (perhaps by a second click)."
RECORDED_MEANWHILE = (
    "Someone recorded a change to {force}'s monitoring at the same moment. Nothing was "
    "saved: reload the page to see it, then try again."
)


def _require(user: User, force: Force) -> None:
    if not permissions.can_record_monitoring_of(user, force):
        raise PermissionDenied(NOT_ALLOWED)


def _attribute(obj: models.Model, by: User) -> None:
    """Tell django-simple-history who made the change, for writes outside a request."""
    obj._history_user = by  # type: ignore[attr-defined]


def _save(obj: models.Model, by: User) -> None:
    _attribute(obj, by)
    obj.full_clean()
    obj.save()


def _lock(force: Force) -> Force:
    """Take the force's row for the rest of the transaction: writes for one force queue."""
    return Force.objects.select_for_update().get(pk=force.pk)


def _day(day: date) -> str:
    return f"{day:%-d %B %Y}"


def _not_after_today(field: str, what: str, day: date, today: date) -> None:
    if day > today:
        raise ValidationError({field: NOT_YET.format(what=what)})


def _current_engage(force: Force) -> MonitoringPeriod:
    period = MonitoringPeriod.objects.current_engage().filter(force=force).first()
    if period is None:
        raise ValidationError(NOT_IN_ENGAGE.format(force=force))
    return period


def _check_causes(force: Force, causes: Iterable[Finding]) -> list[Finding]:
    causes = list(causes)
    wrong = [c for c in causes if c.kind != FindingKind.CAUSE_OF_CONCERN or c.force_id != force.pk]
    if wrong:
        raise ValidationError({"causes": CAUSE_OF_ANOTHER_FORCE.format(force=force)})
    return causes


def _link_causes(period: MonitoringPeriod, causes: list[Finding], by: User) -> None:
    """Link the causes of concern. simple_history keeps them with the period's history;
    the audit trail hears of saves only, so the link is recorded there in so many words."""
    _attribute(period, by)
    period.causes_of_concern.set(causes)
    audit.record(
        audit.Event.CHANGED,
        user=by,
        obj=period,
        detail={"fields": ["causes_of_concern"], "causes": sorted(c.pk for c in causes)},
    )


@transaction.atomic
def engage_enter(
    *,
    force: Force,
    started_on: date,
    causes: Iterable[Finding],
    by: User,
    today: date,
    first_ppog_on: date | None = None,
    notes: str = "",
) -> MonitoringPeriod:
    """Record that HMICFRS moved the force into Engage on `started_on`, for these causes of
    concern: its Scan period (if recorded) ends that day, and an Engage period begins."""
    _require(by, force)
    force = _lock(force)
    _not_after_today("started_on", "The move into Engage", started_on, today)
    current = force.monitoring_periods.current().first()
    if current is not None and current.is_engage:
        raise ValidationError(ALREADY_IN_ENGAGE.format(force=force, day=_day(current.started_on)))
    if current is not None and current.started_on > started_on:
        raise ValidationError(
            {
                "started_on": ENTRY_BEFORE_CURRENT.format(
                    force=force, phase=current.get_phase_display(), day=_day(current.started_on)
                )
            }
        )
    last_end = force.monitoring_periods.aggregate(last=Max("ended_on"))["last"]
    if last_end is not None and started_on < last_end:
        raise ValidationError(
            {"started_on": ENTRY_BEFORE_PREVIOUS_END.format(force=force, day=_day(last_end))}
        )
    causes = _check_causes(force, causes)
    if first_ppog_on is not None and first_ppog_on < started_on:
        raise ValidationError({"first_ppog_on": PPOG_BEFORE_ENTRY.format(day=_day(started_on))})
    try:
        with transaction.atomic():
            if current is not None:
                current.ended_on = started_on
                _save(current, by)
            period = MonitoringPeriod(
                force=force, phase=MonitoringPhase.ENGAGE, started_on=started_on, notes=notes
            )
            _save(period, by)
    except IntegrityError as exc:
        raise ValidationError(RECORDED_MEANWHILE.format(force=force)) from exc
    _link_causes(period, causes, by)
    if first_ppog_on is not None:
        _save(PpogMeeting(monitoring_period=period, meets_on=first_ppog_on), by)
    return period


@transaction.atomic
def engage_causes_set(
    *, period: MonitoringPeriod, causes: Iterable[Finding], by: User
) -> MonitoringPeriod:
    """Change which causes of concern an Engage period is for (some are often recorded
    after the force's entry, once the report is in Oversight)."""
    force = period.force
    _require(by, force)
    _lock(force)
    if not period.is_engage:
        raise ValidationError(NOT_IN_ENGAGE.format(force=force))
    _link_causes(period, _check_causes(force, causes), by)
    return period


@transaction.atomic
def ppog_meeting_record(
    *,
    force: Force,
    meets_on: date,
    by: User,
    today: date,
    outcome: str = "",
    next_meets_on: date | None = None,
) -> PpogMeeting:
    """Record a PPOG meeting of a force in Engage: one held (with its outcome), or one
    planned (a date after today, no outcome). The date of the next meeting, if given,
    is planned too. Recording a planned meeting's outcome, or a corrected outcome,
    updates that meeting; its history keeps what it said before."""
    _require(by, force)
    force = _lock(force)
    period = _current_engage(force)
    outcome = outcome.strip()
    if meets_on < period.started_on:
        raise ValidationError({"meets_on": PPOG_BEFORE_ENTRY.format(day=_day(period.started_on))})
    if meets_on > today and outcome:
        raise ValidationError({"outcome": OUTCOME_OF_FUTURE_MEETING})
    if meets_on <= today and not outcome:
        raise ValidationError({"outcome": OUTCOME_REQUIRED})
    if next_meets_on is not None:
        if next_meets_on <= meets_on:
            raise ValidationError({"next_meets_on": NEXT_MEETING_NOT_AFTER})
        if next_meets_on <= today:
            raise ValidationError({"next_meets_on": NEXT_MEETING_NOT_AHEAD})
    meeting = PpogMeeting.objects.filter(monitoring_period=period, meets_on=meets_on).first()
    if meeting is None:
        meeting = PpogMeeting(monitoring_period=period, meets_on=meets_on)
    if outcome:
        meeting.outcome = outcome
    if meeting.pk is None or outcome:
        _save(meeting, by)
    if (
        next_meets_on is not None
        and not period.ppog_meetings.filter(meets_on=next_meets_on).exists()
    ):
        _save(PpogMeeting(monitoring_period=period, meets_on=next_meets_on), by)
    return meeting


@transaction.atomic
def ppog_meeting_cancel(*, meeting: PpogMeeting, by: User, today: date) -> None:
    """Remove a planned meeting that will not take place (HMICFRS moved or cancelled it)."""
    force = meeting.monitoring_period.force
    _require(by, force)
    _lock(force)
    # Read again under the force's lock: a second click (or a colleague) may have
    # cancelled it since the page was read, and then there is nothing left to delete.
    meeting = PpogMeeting.objects.select_related("monitoring_period").filter(pk=meeting.pk).first()
    if meeting is None:
        raise ValidationError(ALREADY_CANCELLED)
    if meeting.outcome or meeting.meets_on < today or not meeting.monitoring_period.is_current:
        raise ValidationError(ONLY_PLANNED_MEETINGS_CANCELLED)
    _attribute(meeting, by)
    meeting.delete()


@transaction.atomic
def engage_exit(*, force: Force, ended_on: date, by: User, today: date) -> MonitoringPeriod:
    """Record HMICFRS's decision that the force leaves Engage on `ended_on`: the Engage
    period ends, a Scan period begins that day, and PPOG meetings planned for after it
    are removed (they will not be held). Returns the Scan period."""
    _require(by, force)
    force = _lock(force)
    period = _current_engage(force)
    _not_after_today("ended_on", "The exit from Engage", ended_on, today)
    if ended_on < period.started_on:
        raise ValidationError(
            {"ended_on": EXIT_BEFORE_ENTRY.format(force=force, day=_day(period.started_on))}
        )
    held_after = (
        period.ppog_meetings.filter(meets_on__gt=ended_on).exclude(outcome="").order_by("meets_on")
    )
    if (meeting := held_after.first()) is not None:
        raise ValidationError(
            {"ended_on": MEETING_HELD_AFTER_EXIT.format(day=_day(meeting.meets_on))}
        )
    period.ended_on = ended_on
    _save(period, by)
    for planned in period.ppog_meetings.planned_after(ended_on):
        _attribute(planned, by)
        planned.delete()
    scan = MonitoringPeriod(force=force, phase=MonitoringPhase.SCAN, started_on=ended_on)
    try:
        with transaction.atomic():
            _save(scan, by)
    except IntegrityError as exc:
        raise ValidationError(RECORDED_MEANWHILE.format(force=force)) from exc
    return scan
