"""Every rule the database can hold is held by the database, whatever writes the row."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from recommendations.models import (
    Action,
    ActionStatus,
    AssuranceDecision,
    AssuranceOutcome,
    DueDateRevision,
    Finding,
    FindingKind,
    GradedJudgment,
    MonitoringPeriod,
    MonitoringPhase,
    ProgressUpdate,
    Report,
    Status,
)
from tests.factories import make_finding, make_report

pytestmark = pytest.mark.django_db


def assert_update_refused(finding: Finding, **changes: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.filter(pk=finding.pk).update(**changes)


def test_unknown_kind_status_and_rag_are_refused():
    finding = make_finding()
    assert_update_refused(finding, kind="suggestion")
    assert_update_refused(finding, status="done")
    assert_update_refused(finding, rag="blue")


def test_reference_is_unique_within_a_report_but_not_across_reports():
    first = make_finding(reference="R1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Finding.objects.create(
            report=first.report, kind=FindingKind.AREA_FOR_IMPROVEMENT, reference="R1", text="x"
        )
    other = make_finding(reference="R1")
    assert other.report != first.report


def test_blank_reference_and_text_are_refused():
    finding = make_finding()
    assert_update_refused(finding, reference="")
    assert_update_refused(finding, text="")


def test_a_cause_of_concern_has_no_parent_and_no_deadline():
    coc = make_finding(kind=FindingKind.CAUSE_OF_CONCERN)
    other_coc = make_finding(kind=FindingKind.CAUSE_OF_CONCERN, report=coc.report)
    assert_update_refused(coc, parent=other_coc)
    assert_update_refused(coc, due_on=date(2025, 1, 1), original_due_on=date(2025, 1, 1))


def test_an_area_for_improvement_has_no_parent():
    coc = make_finding(kind=FindingKind.CAUSE_OF_CONCERN)
    afi = make_finding(kind=FindingKind.AREA_FOR_IMPROVEMENT, report=coc.report)
    assert_update_refused(afi, parent=coc)


def test_a_finding_is_not_its_own_parent_or_successor():
    finding = make_finding()
    assert_update_refused(finding, parent=F("pk"))
    assert_update_refused(finding, status=Status.SUPERSEDED, superseded_by=F("pk"))


def test_a_due_date_always_keeps_its_original():
    finding = make_finding(due_on=date(2025, 6, 1))
    assert_update_refused(finding, original_due_on=None)


def test_superseded_needs_a_successor_and_only_superseded_has_one():
    finding = make_finding()
    successor = make_finding()
    assert_update_refused(finding, status=Status.SUPERSEDED)
    assert_update_refused(finding, superseded_by=successor)
    Finding.objects.filter(pk=finding.pk).update(status=Status.SUPERSEDED, superseded_by=successor)


def test_closed_needs_a_date_and_how_hmicfrs_closed_it():
    finding = make_finding()
    assert_update_refused(finding, status=Status.CLOSED)
    assert_update_refused(finding, status=Status.CLOSED, closed_on=date(2025, 1, 1))
    assert_update_refused(finding, status=Status.CLOSED, closure_reference="L/1")
    assert_update_refused(finding, status=Status.CLOSED, closure_basis="portal")
    assert_update_refused(
        finding, status=Status.CLOSED, closed_on=date(2025, 1, 1), closure_basis="fax"
    )
    Finding.objects.filter(pk=finding.pk).update(
        status=Status.CLOSED, closed_on=date(2025, 1, 1), closure_basis="portal"
    )


def test_an_hmicfrs_status_needs_the_date_it_was_checked():
    finding = make_finding()
    assert_update_refused(finding, hmicfrs_status="completed")
    assert_update_refused(
        finding, hmicfrs_status="done", hmicfrs_status_checked_on=date(2026, 1, 1)
    )


def test_no_further_action_needs_a_reason():
    finding = make_finding()
    assert_update_refused(finding, status=Status.NO_FURTHER_ACTION)


def test_a_challenge_only_stands_on_a_finding_in_progress():
    finding = make_finding(status=Status.REPORTED_COMPLETE)
    assert_update_refused(finding, challenged_at="2025-01-01T12:00:00Z")


def test_version_starts_at_one_and_cannot_be_zero():
    finding = make_finding()
    assert finding.version == 1
    assert_update_refused(finding, version=0)


def test_a_due_date_revision_needs_a_reason_and_a_new_date(opcc):
    finding = make_finding(due_on=date(2025, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        DueDateRevision.objects.create(
            finding=finding,
            previous_due_on=date(2025, 6, 1),
            new_due_on=date(2025, 9, 1),
            reason="",
            revised_by=opcc,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DueDateRevision.objects.create(
            finding=finding,
            previous_due_on=date(2025, 6, 1),
            new_due_on=date(2025, 6, 1),
            reason="No change",
            revised_by=opcc,
        )


def test_a_challenge_decision_needs_a_reason(opcc):
    finding = make_finding()
    with pytest.raises(IntegrityError), transaction.atomic():
        AssuranceDecision.objects.create(
            finding=finding, outcome=AssuranceOutcome.CHALLENGED, reason="", decided_by=opcc
        )
    AssuranceDecision.objects.create(
        finding=finding, outcome=AssuranceOutcome.ACCEPTED, reason="", decided_by=opcc
    )


def test_progress_update_needs_narrative_and_a_known_rag(lead):
    finding = make_finding()
    for narrative, rag in (("", "green"), ("Some progress", "blue")):
        with pytest.raises(IntegrityError), transaction.atomic():
            ProgressUpdate.objects.create(
                finding=finding, narrative=narrative, rag=rag, as_at=date(2025, 1, 1), author=lead
            )


def test_a_completed_action_has_a_completion_date_and_only_then():
    finding = make_finding()
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(
            finding=finding, description="Train staff", status=ActionStatus.COMPLETE
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.create(
            finding=finding, description="Train staff", completed_on=date(2025, 1, 1)
        )


def test_a_report_has_one_judgment_per_area_and_known_grades():
    from recommendations.models import AssessmentArea, Framework

    framework = Framework.objects.get(name="PEEL 2023–25")
    report = make_report(framework=framework)
    area = AssessmentArea.objects.filter(framework=framework).first()
    GradedJudgment.objects.create(report=report, area=area, grade="good")
    with pytest.raises(IntegrityError), transaction.atomic():
        GradedJudgment.objects.create(report=report, area=area, grade="adequate")
    with pytest.raises(IntegrityError), transaction.atomic():
        GradedJudgment.objects.filter(report=report).update(grade="brilliant")


def test_a_response_cannot_be_published_before_the_report(force):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            kind="peel",
            title="Backwards",
            force=force,
            published_on=date(2025, 5, 1),
            response_published_on=date(2025, 4, 30),
        )


def test_a_force_has_one_current_monitoring_period_which_ends_after_it_starts(force):
    MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=date(2024, 3, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringPeriod.objects.create(
            force=force, phase=MonitoringPhase.SCAN, started_on=date(2024, 5, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringPeriod.objects.create(
            force=force,
            phase=MonitoringPhase.SCAN,
            started_on=date(2024, 5, 1),
            ended_on=date(2024, 4, 1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringPeriod.objects.create(
            force=force, phase="special", started_on=date(2020, 1, 1), ended_on=date(2020, 2, 1)
        )
