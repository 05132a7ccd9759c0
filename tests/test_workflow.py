"""The status workflow: each allowed transition works; every other is refused, changing nothing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from recommendations import services, workflow
from recommendations.models import AssuranceDecision, Finding, FindingKind, Status
from recommendations.services import EvidenceFile
from recommendations.workflow import Transition, TransitionRefused
from tests.factories import make_finding, make_report, pdf_upload

pytestmark = pytest.mark.django_db

EXPECTED = {
    # (status, transition): target; every pair not listed must be refused.
    (Status.NOT_STARTED, Transition.START): Status.IN_PROGRESS,
    (Status.NOT_STARTED, Transition.REPORT_COMPLETE): Status.REPORTED_COMPLETE,
    (Status.IN_PROGRESS, Transition.REPORT_COMPLETE): Status.REPORTED_COMPLETE,
    (Status.REPORTED_COMPLETE, Transition.ASSURE): Status.ASSURED,
    (Status.REPORTED_COMPLETE, Transition.CHALLENGE): Status.IN_PROGRESS,
    (Status.ASSURED, Transition.CLOSE): Status.CLOSED,
    **{
        (s, Transition.SUPERSEDE): Status.SUPERSEDED
        for s in services.Status
        if s in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.REPORTED_COMPLETE, Status.ASSURED)
    },
    **{
        (s, Transition.NO_FURTHER_ACTION): Status.NO_FURTHER_ACTION
        for s in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.REPORTED_COMPLETE, Status.ASSURED)
    },
}

ALL_PAIRS = [(status, transition) for status in Status for transition in Transition]


def finding_in(status: Status, *, kind: FindingKind = FindingKind.RECOMMENDATION) -> Finding:
    finding = make_finding(kind=kind)
    extra: dict[str, object] = {}
    if status == Status.SUPERSEDED:
        extra["superseded_by"] = make_finding(report=finding.report)
    if status == Status.CLOSED:
        extra.update(closed_on=date(2025, 1, 1), closure_basis="letter", closure_reference="L/1")
    if status == Status.NO_FURTHER_ACTION:
        extra["no_further_action_reason"] = "Done elsewhere"
    Finding.objects.filter(pk=finding.pk).update(status=status, **extra)
    finding.refresh_from_db()
    return finding


def apply(transition: Transition, finding: Finding, by) -> Finding:
    common = {"finding": finding, "expected_version": finding.version}
    match transition:
        case Transition.START:
            services.finding_transition_start(by=by, **common)
        case Transition.REPORT_COMPLETE:
            services.progress_update_add(
                author=by,
                narrative="All done.",
                rag="green",
                as_at=date(2025, 5, 1),
                evidence=[EvidenceFile(pdf_upload(), date(2025, 4, 30))],
                reports_complete=True,
                **common,
            )
        case Transition.ASSURE:
            services.finding_assure(decided_by=by, **common)
        case Transition.CHALLENGE:
            services.finding_challenge(
                decided_by=by, reason="Evidence is thin.", opcc_rag="amber", **common
            )
        case Transition.CLOSE:
            services.finding_close(
                closed_by=by, closed_on=date(2025, 6, 1), reference="HMI/25/1", **common
            )
        case Transition.SUPERSEDE:
            successor = make_finding(report=finding.report)
            services.finding_supersede(by=by, successor=successor, **common)
        case Transition.NO_FURTHER_ACTION:
            services.finding_mark_no_further_action(by=by, reason="Covered by R9.", **common)
    finding.refresh_from_db()
    return finding


@pytest.mark.parametrize(("status", "transition"), [p for p in ALL_PAIRS if p in EXPECTED])
def test_allowed_transition_moves_to_its_target_and_bumps_the_version(status, transition, opcc):
    finding = finding_in(status)
    version_before = finding.version
    moved = apply(transition, finding, opcc)
    assert moved.status == EXPECTED[(status, transition)]
    assert moved.version == version_before + 1
    assert moved.status_changed_at is not None
    assert moved.history.first().history_user == opcc


@pytest.mark.parametrize(("status", "transition"), [p for p in ALL_PAIRS if p not in EXPECTED])
def test_refused_transition_raises_and_changes_nothing(status, transition, opcc):
    finding = finding_in(status)
    history_before = finding.history.count()
    with pytest.raises(TransitionRefused) as refusal:
        apply(transition, finding, opcc)
    assert finding.reference in str(refusal.value)
    fresh = Finding.objects.get(pk=finding.pk)
    assert (fresh.status, fresh.version) == (status, finding.version)
    assert fresh.history.count() == history_before
    assert not fresh.updates.exists()
    assert not AssuranceDecision.objects.filter(finding=fresh).exists()


def test_the_pure_table_agrees_with_the_expected_matrix():
    for status, transition in ALL_PAIRS:
        finding = Finding(status=status, kind=FindingKind.RECOMMENDATION, reference="R1")
        assert workflow.is_allowed(finding, transition) == ((status, transition) in EXPECTED)


@pytest.mark.parametrize(
    "status", [Status.NOT_STARTED, Status.IN_PROGRESS, Status.REPORTED_COMPLETE]
)
def test_hmicfrs_can_close_a_cause_of_concern_from_any_open_status(status, opcc):
    coc = finding_in(status, kind=FindingKind.CAUSE_OF_CONCERN)
    assert apply(Transition.CLOSE, coc, opcc).status == Status.CLOSED


def test_a_challenge_returns_the_finding_to_in_progress_marked_challenged(opcc):
    finding = apply(Transition.CHALLENGE, finding_in(Status.REPORTED_COMPLETE), opcc)
    assert finding.status == Status.IN_PROGRESS
    assert finding.is_challenged
    assert Finding.objects.challenged().filter(pk=finding.pk).exists()
    decision = finding.assurance_decisions.get()
    assert (decision.outcome, decision.reason) == ("challenged", "Evidence is thin.")


def test_reporting_complete_again_answers_the_challenge(opcc):
    finding = apply(Transition.CHALLENGE, finding_in(Status.REPORTED_COMPLETE), opcc)
    finding = apply(Transition.REPORT_COMPLETE, finding, opcc)
    assert finding.status == Status.REPORTED_COMPLETE
    assert not finding.is_challenged


def test_challenge_without_a_reason_is_refused(opcc):
    finding = finding_in(Status.REPORTED_COMPLETE)
    with pytest.raises(ValidationError, match="reason for challenging"):
        services.finding_challenge(
            finding=finding,
            expected_version=finding.version,
            decided_by=opcc,
            reason="  ",
            opcc_rag="red",
        )
    assert Finding.objects.get(pk=finding.pk).status == Status.REPORTED_COMPLETE


def test_a_challenge_carries_the_opccs_own_rating(opcc):
    finding = finding_in(Status.REPORTED_COMPLETE)
    with pytest.raises(ValidationError, match="OPCC's own rating"):
        services.finding_challenge(
            finding=finding,
            expected_version=finding.version,
            decided_by=opcc,
            reason="Evidence is thin.",
            opcc_rag="",
        )
    decision = services.finding_challenge(
        finding=finding,
        expected_version=finding.version,
        decided_by=opcc,
        reason="Evidence is thin.",
        opcc_rag="red",
    )
    finding.refresh_from_db()
    assert (decision.opcc_rag, finding.opcc_rag, finding.status) == ("red", "red", "in_progress")


def test_reporting_complete_without_evidence_is_refused_and_writes_nothing(opcc):
    finding = finding_in(Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="Attach evidence"):
        services.progress_update_add(
            finding=finding,
            expected_version=finding.version,
            author=opcc,
            narrative="Finished",
            rag="green",
            as_at=date(2025, 5, 1),
            reports_complete=True,
        )
    assert not finding.updates.exists()
    assert Finding.objects.get(pk=finding.pk).status == Status.IN_PROGRESS


def test_closing_needs_a_date_and_how_but_not_a_reference(opcc):
    finding = finding_in(Status.ASSURED)
    with pytest.raises(ValidationError, match="whether by letter or on its monitoring portal"):
        services.finding_close(
            finding=finding,
            expected_version=finding.version,
            closed_by=opcc,
            closed_on=date(2025, 1, 1),
            basis="by carrier pigeon",
        )
    closed = services.finding_close(
        finding=finding,
        expected_version=finding.version,
        closed_by=opcc,
        closed_on=date(2025, 1, 1),
        basis="portal",
    )
    assert (closed.status, closed.closure_basis, closed.closure_reference) == (
        Status.CLOSED,
        "portal",
        "",
    )


def test_superseding_needs_a_successor_other_than_itself(opcc):
    finding = finding_in(Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="Choose the finding"):
        services.finding_supersede(
            finding=finding, expected_version=finding.version, successor=None, by=opcc
        )
    with pytest.raises(ValidationError, match="cannot supersede itself"):
        services.finding_supersede(
            finding=finding, expected_version=finding.version, successor=finding, by=opcc
        )


def test_no_further_action_needs_a_reason(opcc):
    finding = finding_in(Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="no further action"):
        services.finding_mark_no_further_action(
            finding=finding, expected_version=finding.version, reason="", by=opcc
        )


def test_the_first_progress_update_starts_work(lead, force):
    finding = make_finding(owner=lead, report=make_report(force=force))
    services.progress_update_add(
        finding=finding,
        expected_version=finding.version,
        author=lead,
        narrative="Project board formed.",
        rag="amber",
        as_at=date(2025, 4, 1),
    )
    finding.refresh_from_db()
    assert (finding.status, finding.rag) == (Status.IN_PROGRESS, "amber")
