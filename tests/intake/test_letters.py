"""Letters that move tracked findings, through the service (intake/letters.py): what kind a
letter is, the match proposed for each restated finding (pg_trgm on PostgreSQL, the same
measure in Python elsewhere), and recording it all at once or not at all."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from audit.models import AuditEvent, Event
from intake import letters
from intake.letters import Choice, Decision
from intake.models import Letter, LetterKind, LetterOutcome, OutcomeAction
from recommendations.models import ClosureBasis, Finding, FindingKind, Status
from tests.extraction import CORPUS
from tests.factories import make_finding, make_report
from tests.intake.letters import (
    ACCELERATED,
    CLOSURE,
    REVISIT,
    REVISIT_UNTRACKED,
    tracked_custody_findings,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(force):
    return tracked_custody_findings(force)


def read(text: str, world, user, **kwargs) -> letters.LetterReading:
    reading = letters.read_letter(text, **kwargs)
    assert reading is not None
    letters.propose_matches(reading.items, letters.tracked_findings(world["report"], user))
    return reading


def proposed(reading: letters.LetterReading) -> list[int | None]:
    return [item.best.finding_id if item.best else None for item in reading.restated]


def as_proposed(reading, world) -> list[Decision]:
    """The choices the screen proposes, taken as they are."""
    tracked = {f.pk: f for f in Finding.objects.all()}
    return [
        Decision(
            item.position,
            letters.default_choice(reading.kind, item, tracked),
            tracked.get(item.best.finding_id) if item.restated and item.best else None,
        )
        for item in reading.items
    ]


def record(reading, world, user, decisions, **kwargs) -> Letter:
    values = {
        "sent_on": reading.sent_on,
        "issued_on": reading.issued_on,
        "reference": "HMICFRS/2025/17",
        "assessment": reading.assessment,
    } | kwargs
    return letters.letter_record(
        report=world["report"], reading=reading, decisions=decisions, by=user, **values
    )


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (CLOSURE, LetterKind.CLOSURE),
        (REVISIT, LetterKind.REVISIT),
        (ACCELERATED, LetterKind.ACCELERATED),
    ],
)
def test_each_kind_of_letter_is_recognised(text, kind):
    assert letters.detect(text) == kind


def test_a_report_is_not_a_letter():
    text = (CORPUS / "peel_2023_coc.txt").read_text(encoding="utf-8")
    assert letters.detect(text) is None
    assert letters.read_letter(text) is None


def test_a_letter_gives_its_date_the_issue_date_and_the_assessment_as_written():
    reading = letters.read_letter(REVISIT)
    assert reading.sent_on == date(2025, 5, 2)
    assert reading.issued_on == date(2025, 3, 4)
    assert reading.assessment.startswith("We revisited the force between 14 and 16 April 2025.")
    assert "Yours sincerely" not in reading.assessment
    # Restated timeframes count from when the findings were first issued.
    assert [item.due_on for item in reading.restated] == [None, date(2025, 6, 4), date(2025, 6, 4)]


def test_restated_due_dates_fall_back_to_the_letters_date_when_no_issue_date_is_given():
    text = REVISIT.replace("On 4 March 2025, we issued a cause of concern", "We said")
    reading = letters.read_letter(text)
    assert reading.issued_on is None
    assert reading.restated[1].due_on == date(2025, 8, 2)  # 2 May 2025 + 3 months


# ---------------------------------------------------------------- matching


def test_pg_trgm_proposes_the_same_forces_finding_of_the_same_kind(world, opcc, other_force):
    make_finding(
        report=make_report(force=other_force),
        kind=FindingKind.CAUSE_OF_CONCERN,
        reference="CoC9",
        text="Testshire Constabulary isn’t making sure that detainees are safe in custody",
    )
    reading = read(CLOSURE, world, opcc)
    assert proposed(reading) == [
        world["coc"].pk,
        world["observation"].pk,
        world["assessments"].pk,
    ]
    assert all(item.best.score > 0.6 for item in reading.restated)
    assert all(
        m.finding_id != world["unrelated"].pk or m.score < letters.MATCH_THRESHOLD
        for item in reading.restated
        for m in item.proposals
    )


def test_the_python_fallback_proposes_the_same_matches_with_the_same_scores(world, opcc):
    on_database = read(CLOSURE, world, opcc)
    fallback = letters.read_letter(CLOSURE)
    letters.propose_matches(
        fallback.items, letters.tracked_findings(world["report"], opcc), use_database=False
    )
    assert proposed(fallback) == proposed(on_database)
    for a, b in zip(on_database.restated, fallback.restated, strict=True):
        assert [m.finding_id for m in a.proposals] == [m.finding_id for m in b.proposals]
        for x, y in zip(a.proposals, b.proposals, strict=True):
            assert x.score == pytest.approx(y.score, abs=0.02)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with pg_trgm itself")
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("word", "words"),
        ("The force should review custody", "the force SHOULD review its custody records"),
        ("isn’t making sure", "isn't making sure"),
        ("999 calls", "calls"),
        ("", "anything"),
    ],
)
def test_the_python_measure_is_pg_trgm_similarity(a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [a, b])
        (expected,) = cursor.fetchone()
    assert letters.trigram_similarity(a, b) == pytest.approx(expected, abs=1e-6)


def test_no_match_is_proposed_below_the_threshold(world, opcc):
    reading = read(REVISIT_UNTRACKED, world, opcc)
    assert proposed(reading) == [None, None]
    assert [letters.default_choice(reading.kind, i, {}) for i in reading.restated] == [
        Choice.CREATE,
        Choice.CREATE,
    ]


# ---------------------------------------------------------------- recording


def test_a_closure_letter_closes_what_it_matches_dated_and_referenced_from_the_letter(world, opcc):
    reading = read(CLOSURE, world, opcc)
    decisions = as_proposed(reading, world)
    assert [d.choice for d in decisions] == [Choice.CLOSE, Choice.CLOSE, Choice.NOTE]
    letter = record(reading, world, opcc, decisions)
    coc = Finding.objects.get(pk=world["coc"].pk)
    assert coc.status == Status.CLOSED
    assert coc.closed_on == date(2025, 6, 12)
    assert coc.closure_basis == ClosureBasis.LETTER
    assert coc.closure_reference == "HMICFRS/2025/17"
    assert Finding.objects.get(pk=world["observation"].pk).status == Status.CLOSED
    # Still in progress, so not closable by HMICFRS: noted instead, status unchanged.
    assert Finding.objects.get(pk=world["assessments"].pk).status == Status.IN_PROGRESS
    assert letter.kind == LetterKind.CLOSURE
    assert "I have now closed this cause of concern" in letter.text
    outcomes = list(letter.outcomes.values_list("finding_id", "action"))
    assert outcomes == [
        (world["coc"].pk, OutcomeAction.CLOSED),
        (world["observation"].pk, OutcomeAction.CLOSED),
        (world["assessments"].pk, OutcomeAction.REVISIT_NOTE),
    ]
    assert all(o.score and o.score > 0.6 for o in letter.outcomes.all())
    event = AuditEvent.objects.get(event=Event.LETTER_RECORDED)
    assert event.user == opcc
    assert event.detail["closed"] == ["CoC1", "R1"]
    assert event.detail["noted"] == ["R2"]
    assert event.object_id == str(letter.pk)


def test_a_revisit_letter_adds_a_dated_note_with_the_assessment_as_written(world, opcc):
    reading = read(REVISIT, world, opcc)
    decisions = as_proposed(reading, world)
    assert {d.choice for d in decisions} == {Choice.NOTE}
    letter = record(reading, world, opcc, decisions)
    notes = LetterOutcome.objects.filter(letter=letter, action=OutcomeAction.REVISIT_NOTE)
    assert notes.count() == 3
    assert all(n.note.startswith("We revisited the force between 14 and 16") for n in notes)
    assert letter.sent_on == date(2025, 5, 2)
    assert Finding.objects.filter(status=Status.CLOSED).count() == 0


def test_a_match_the_user_changes_is_the_one_recorded(world, opcc):
    reading = read(REVISIT, world, opcc)
    decisions = as_proposed(reading, world)
    # The person says the second restated recommendation is R3, not the proposed R2.
    decisions[2] = Decision(decisions[2].position, Choice.NOTE, world["unrelated"])
    letter = record(reading, world, opcc, decisions)
    noted = set(letter.outcomes.values_list("finding_id", flat=True))
    assert world["unrelated"].pk in noted
    assert world["assessments"].pk not in noted
    # The score kept is that of the pair chosen: low, as the person overrode the proposal.
    assert letter.outcomes.get(finding=world["unrelated"]).score < letters.MATCH_THRESHOLD


def test_restated_findings_with_no_match_are_created_due_from_when_first_issued(world, opcc):
    reading = read(REVISIT_UNTRACKED, world, opcc)
    before = Finding.objects.count()
    letter = record(reading, world, opcc, as_proposed(reading, world), sent_on=date(2025, 7, 1))
    created = Finding.objects.filter(letter_outcomes__letter=letter).order_by("id")
    assert Finding.objects.count() == before + 2
    coc, rec = created
    assert coc.kind == FindingKind.CAUSE_OF_CONCERN
    assert rec.parent == coc
    # "immediately", restated: due on the day the cause of concern was issued.
    assert rec.due_on == date(2025, 1, 10)
    # The report already has CoC1 and R1: the letter's references are marked as its own.
    assert (coc.reference, rec.reference) == ("CoC1 (letter 2025-07-01)", "R1 (letter 2025-07-01)")


def test_an_accelerated_letter_creates_its_findings_due_from_its_publication(world, opcc):
    report = make_report(force=world["report"].force, published_on=date(2025, 4, 22))
    reading = letters.read_letter(ACCELERATED, published_on=date(2025, 4, 22))
    assert reading.kind == LetterKind.ACCELERATED
    decisions = [Decision(i.position, Choice.CREATE) for i in reading.items]
    letters.letter_record(
        report=report,
        reading=reading,
        decisions=decisions,
        sent_on=reading.sent_on,
        issued_on=None,
        reference="",
        assessment="",
        by=opcc,
    )
    found = list(report.findings.order_by("id").values_list("kind", "reference", "due_on"))
    assert found == [
        (FindingKind.CAUSE_OF_CONCERN, "CoC1", None),
        (FindingKind.RECOMMENDATION, "R1", date(2025, 4, 22)),
        (FindingKind.RECOMMENDATION, "R2", date(2025, 7, 31)),
    ]


def test_choices_that_cannot_be_recorded_are_all_reported_and_nothing_is_written(world, opcc):
    reading = read(CLOSURE, world, opcc)
    decisions = [
        Decision(reading.items[0].position, Choice.CLOSE, None),
        Decision(reading.items[1].position, Choice.CREATE, world["observation"]),
        Decision(reading.items[2].position, Choice.CLOSE, world["assessments"]),
    ]
    with pytest.raises(ValidationError) as caught:
        record(reading, world, opcc, decisions, sent_on=None)
    messages = caught.value.messages
    assert letters.NEEDS_DATE in messages
    assert any("choose the tracked finding" in m for m in messages)
    assert any("cannot also be created" in m for m in messages)
    assert any("cannot be closed by HMICFRS yet" in m for m in messages)
    assert not Letter.objects.exists()
    assert not AuditEvent.objects.filter(event=Event.LETTER_RECORDED).exists()


def test_another_forces_finding_cannot_be_matched(world, opcc, other_force):
    theirs = make_finding(report=make_report(force=other_force), text="Another force's finding")
    reading = read(REVISIT, world, opcc)
    decisions = [Decision(i.position, Choice.SKIP) for i in reading.items]
    decisions[0] = Decision(reading.items[0].position, Choice.NOTE, theirs)
    with pytest.raises(ValidationError, match="not one of this force"):
        record(reading, world, opcc, decisions)


def test_a_failure_half_way_leaves_nothing_recorded(world, opcc, monkeypatch):
    reading = read(CLOSURE, world, opcc)
    decisions = as_proposed(reading, world)

    def boom(*args, **kwargs):
        raise RuntimeError("the database went away")

    # The closures and the note are written, then creating fails: all is rolled back.
    monkeypatch.setattr(letters, "_create", boom)
    with pytest.raises(RuntimeError):
        record(reading, world, opcc, decisions)
    assert Finding.objects.get(pk=world["coc"].pk).status == Status.IN_PROGRESS
    assert Finding.objects.get(pk=world["observation"].pk).status == Status.ASSURED
    assert not Letter.objects.exists()
    assert not LetterOutcome.objects.exists()
    assert not AuditEvent.objects.filter(event=Event.LETTER_RECORDED).exists()


def test_a_finding_changed_since_it_was_read_stops_the_whole_letter(world, opcc):
    from recommendations.services import StaleVersion

    reading = read(CLOSURE, world, opcc)
    decisions = as_proposed(reading, world)
    Finding.objects.filter(pk=world["observation"].pk).update(version=99)
    with pytest.raises(StaleVersion):
        record(reading, world, opcc, decisions)
    assert Finding.objects.get(pk=world["coc"].pk).status == Status.IN_PROGRESS
    assert not Letter.objects.exists()


def test_a_viewer_cannot_record_a_letter(world, viewer):
    from django.core.exceptions import PermissionDenied

    reading = letters.read_letter(CLOSURE)
    with pytest.raises(PermissionDenied):
        record(reading, world, viewer, [])
    assert not Letter.objects.exists()


def test_a_closure_letter_quoting_only_recommendations_still_offers_its_cause_to_close(opcc, force):
    report = make_report(force=force, title="Fire inspection 2023 (illustrative)")
    coc = make_finding(
        report=report,
        kind=FindingKind.CAUSE_OF_CONCERN,
        reference="CoC1",
        text="The service isn’t doing enough to protect the public through its fire safety audits",
        status=Status.IN_PROGRESS,
    )
    text = (CORPUS / "heldout2_letter_closure.txt").read_text(encoding="utf-8")
    reading = letters.read_letter(text)
    letters.propose_matches(reading.items, letters.tracked_findings(report, opcc))
    first = reading.restated[0]
    assert first.finding.kind == FindingKind.CAUSE_OF_CONCERN
    assert first.finding.text.startswith("The cause of concern about how the service protects")
    assert first.best is not None and first.best.finding_id == coc.pk
    decisions = [Decision(first.position, Choice.CLOSE, coc)] + [
        Decision(item.position, Choice.SKIP) for item in reading.restated[1:]
    ]
    letters.letter_record(
        report=report,
        reading=reading,
        decisions=decisions,
        sent_on=reading.sent_on,
        issued_on=reading.issued_on,
        reference="",
        assessment="",
        by=opcc,
    )
    coc.refresh_from_db()
    assert (coc.status, coc.closed_on) == (Status.CLOSED, date(2025, 11, 3))
    assert coc.closure_reference == "letter of 3 November 2025"
