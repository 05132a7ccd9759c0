"""Services: optimistic locking, due-date revisions, permissions and the history they leave."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from recommendations import services
from recommendations.models import DueDateRevision, Evidence, Finding, FindingKind, Status
from recommendations.services import EvidenceFile, StaleVersion
from tests.factories import make_finding, make_report, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(force, lead, opcc):
    return make_finding(
        report=make_report(force=force), owner=lead, opcc_lead=opcc, due_on=date(2025, 9, 30)
    )


def add_update(finding, author, *, version=None, **overrides):
    values = {
        "narrative": "Work under way.",
        "rag": "amber",
        "as_at": date(2025, 5, 1),
    }
    values.update(overrides)
    return services.progress_update_add(
        finding=finding,
        expected_version=finding.version if version is None else version,
        author=author,
        **values,
    )


def test_a_stale_edit_is_refused_and_the_first_edit_survives(finding, opcc):
    seen_by_both = finding.version
    services.finding_update(
        finding=finding, expected_version=seen_by_both, changed_by=opcc, addressee="Chief constable"
    )
    with pytest.raises(StaleVersion) as conflict:
        services.finding_update(
            finding=finding, expected_version=seen_by_both, changed_by=opcc, addressee="The PCC"
        )
    assert "was changed by" in str(conflict.value)
    assert conflict.value.changed_by == opcc
    fresh = Finding.objects.get(pk=finding.pk)
    assert (fresh.addressee, fresh.version) == ("Chief constable", seen_by_both + 1)


def test_a_stale_progress_update_writes_nothing(finding, lead):
    add_update(finding, lead)
    with pytest.raises(StaleVersion):
        add_update(finding, lead, version=1, narrative="Second, from an old page")
    assert finding.updates.count() == 1


def test_an_edit_cannot_touch_status_force_or_version(finding, opcc):
    with pytest.raises(ValidationError, match="cannot be edited here"):
        services.finding_update(
            finding=finding, expected_version=finding.version, changed_by=opcc, status="closed"
        )
    with pytest.raises(ValidationError, match="cannot be edited here"):
        services.finding_update(
            finding=finding, expected_version=finding.version, changed_by=opcc, version=99
        )


def test_revising_the_due_date_keeps_the_original_and_records_the_reason(finding, opcc):
    services.finding_revise_due_date(
        finding=finding,
        expected_version=finding.version,
        new_due_on=date(2025, 12, 31),
        reason="Partner sign-off delayed to the December board.",
        revised_by=opcc,
    )
    finding.refresh_from_db()
    assert (finding.original_due_on, finding.due_on) == (date(2025, 9, 30), date(2025, 12, 31))
    assert finding.due_date_revised
    revision = DueDateRevision.objects.get(finding=finding)
    assert (revision.previous_due_on, revision.new_due_on) == (
        date(2025, 9, 30),
        date(2025, 12, 31),
    )
    assert revision.revised_by == opcc
    assert "Partner sign-off" in finding.history.first().history_change_reason


def test_a_second_revision_still_keeps_the_first_original(finding, opcc):
    for new_date, reason in ((date(2025, 12, 31), "First slip"), (date(2026, 3, 31), "Second")):
        finding.refresh_from_db()
        services.finding_revise_due_date(
            finding=finding,
            expected_version=finding.version,
            new_due_on=new_date,
            reason=reason,
            revised_by=opcc,
        )
    finding.refresh_from_db()
    assert finding.original_due_on == date(2025, 9, 30)
    assert list(finding.due_date_revisions.values_list("previous_due_on", flat=True)) == [
        date(2025, 9, 30),
        date(2025, 12, 31),
    ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_revising_the_due_date_without_a_reason_is_refused(finding, opcc, reason):
    with pytest.raises(ValidationError, match="Say why"):
        services.finding_revise_due_date(
            finding=finding,
            expected_version=finding.version,
            new_due_on=date(2025, 12, 31),
            reason=reason,
            revised_by=opcc,
        )
    assert Finding.objects.get(pk=finding.pk).due_on == date(2025, 9, 30)
    assert not DueDateRevision.objects.exists()


def test_a_cause_of_concern_cannot_be_given_a_deadline(force, opcc):
    coc = make_finding(report=make_report(force=force), kind=FindingKind.CAUSE_OF_CONCERN)
    with pytest.raises(ValidationError, match="no deadline"):
        services.finding_revise_due_date(
            finding=coc,
            expected_version=coc.version,
            new_due_on=date(2025, 12, 31),
            reason="Wanted one",
            revised_by=opcc,
        )


def test_a_recommendation_sits_only_under_a_cause_of_concern_of_its_own_report(force):
    report = make_report(force=force)
    coc = make_finding(report=report, kind=FindingKind.CAUSE_OF_CONCERN)
    rec = make_finding(report=report, parent=coc)
    assert rec.parent == coc
    with pytest.raises(ValidationError, match="only sit under a cause of concern"):
        make_finding(report=report, parent=rec)
    with pytest.raises(ValidationError, match="same report"):
        make_finding(report=make_report(force=force), parent=coc)


def test_a_force_lead_updates_only_findings_they_own_or_act_on(finding, lead, other_lead):
    add_update(finding, lead)
    with pytest.raises(PermissionDenied):
        add_update(Finding.objects.get(pk=finding.pk), other_lead)
    finding.refresh_from_db()
    finding.actions.create(description="Deliver training", owner=other_lead)
    add_update(finding, other_lead, narrative="Training booked.")
    assert finding.updates.count() == 2


def test_a_force_lead_cannot_assure_or_close(finding, lead):
    Finding.objects.filter(pk=finding.pk).update(status=Status.REPORTED_COMPLETE)
    finding.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.finding_assure(finding=finding, expected_version=finding.version, decided_by=lead)
    with pytest.raises(PermissionDenied):
        services.finding_mark_no_further_action(
            finding=finding, expected_version=finding.version, reason="x", by=lead
        )


def test_a_viewer_can_change_nothing(finding, viewer):
    with pytest.raises(PermissionDenied):
        add_update(finding, viewer)
    with pytest.raises(PermissionDenied):
        services.finding_update(
            finding=finding, expected_version=finding.version, changed_by=viewer, addressee="x"
        )


def test_staff_scoped_to_another_force_cannot_touch_this_one(finding, outsider):
    with pytest.raises(PermissionDenied):
        add_update(finding, outsider)


def test_every_change_is_kept_with_who_made_it(finding, lead, opcc):
    add_update(finding, lead, narrative="Started.")
    finding.refresh_from_db()
    services.finding_update(
        finding=finding, expected_version=finding.version, changed_by=opcc, rag="red"
    )
    history = list(finding.history.order_by("history_date"))
    assert [h.history_user for h in history] == [None, lead, opcc]
    assert [h.status for h in history] == ["not_started", "in_progress", "in_progress"]
    assert history[-1].diff_against(history[-2]).changed_fields == ["rag", "version"]


def test_evidence_is_stored_under_a_server_generated_name(finding, lead):
    update = add_update(
        finding,
        lead,
        evidence=[EvidenceFile(pdf_upload("../../etc/passwd.pdf"), date(2025, 4, 28), "Audit")],
    )
    evidence = update.evidence.get()
    assert evidence.original_name == "passwd.pdf"
    assert evidence.file.name.startswith("evidence/")
    assert "passwd" not in evidence.file.name
    assert evidence.effective_on == date(2025, 4, 28)
    assert evidence.file.storage.exists(evidence.file.name)


def test_a_failed_update_leaves_no_rows_and_no_files(finding, lead, settings):
    class ExplodingUpload:
        name = "second.pdf"
        size = 10
        content_type = "application/pdf"

        def chunks(self):
            raise OSError("disk full")

    storage_root = settings.MEDIA_ROOT
    # The store's own error is logged; the person is told plainly that nothing was saved.
    with pytest.raises(ValidationError, match="nothing was saved"):
        add_update(
            finding,
            lead,
            evidence=[
                EvidenceFile(pdf_upload("first.pdf"), date(2025, 4, 28)),
                EvidenceFile(ExplodingUpload(), date(2025, 4, 28)),
            ],
        )
    assert not finding.updates.exists()
    assert not Evidence.objects.exists()
    stored = [p for p in storage_root.rglob("*") if p.is_file()] if storage_root.exists() else []
    assert stored == []
    assert Finding.objects.get(pk=finding.pk).version == finding.version
