"""Each shape of PHRASING.md, and each trap of issue 14, read as the review screen reads it.

The corpus figures per family (`evaluate_by_family`) are asserted at 0.97 or better; the
tests below pin each shape and trap with a short text written for the purpose.
"""

from datetime import date

import pytest

from intake.extraction import CAUSE_OF_CONCERN, RECOMMENDATION, extract
from intake.extraction.evaluation import evaluate_by_family, load_corpus
from intake.extraction.sections import letter_kind
from tests.extraction import CORPUS

THRESHOLD = 0.97
FAMILIES = evaluate_by_family(load_corpus(CORPUS))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_family_of_the_corpus_meets_the_threshold(family):
    scores = FAMILIES[family]
    assert scores.precision >= THRESHOLD, scores.problems
    assert scores.recall >= THRESHOLD, scores.problems
    assert scores.due_accuracy >= THRESHOLD, scores.problems


def test_the_second_held_out_set_is_as_large_as_the_issue_asks():
    held_out = [doc for doc in load_corpus(CORPUS) if doc.name.startswith("heldout2_")]
    labels = [(doc.family, label) for doc in held_out for label in doc.labels + doc.restated]
    assert len(labels) >= 30
    assert sum(family.startswith("letter") for family, _ in labels) >= 10
    assert sum(family == "register" for family, _ in labels) >= 10


# ---------------------------------------------------------------- register entries (§1.3)


def test_register_not_later_than_those_forces_that_have_not_yet_done_so():
    text = (
        "Core business (61001)\nRecommendations\n"
        "Not later than 31 October 2015 those forces that do not yet brief officers on "
        "stalking, that have not yet done so, should add it to every briefing.\n"
        "[on]3rd December 2015 [status]being-progressed [comment]The force should report back."
    )
    (finding,) = extract(text, published_on=date(2015, 3, 1)).findings
    assert finding.kind == RECOMMENDATION
    assert finding.due_on == date(2015, 10, 31)
    assert finding.addressee.startswith("those forces that do not yet brief")


@pytest.mark.parametrize("glue", ["\n• ", " • "])
def test_register_cause_of_concern_with_take_steps_to_ensure_that_bullets(glue):
    text = (
        "Child protection 2016 (61002)\nCause of concern\n"
        "The force’s handling of child sexual exploitation is a cause of concern to HMIC.\n"
        "Recommendations\n"
        "To address this cause of concern the force should immediately review open cases "
        f"and take steps to ensure that:{glue}each case has a named officer;{glue}partners "
        f"are told of every referral; and{glue}cases are audited each month\n"
        "[on]1st May 2017 [status]complete [comment]This recommendation is complete."
    )
    coc, rec = extract(text, published_on=date(2016, 11, 3)).findings
    assert coc.kind == CAUSE_OF_CONCERN
    assert rec.kind == RECOMMENDATION and rec.parent == 0
    assert rec.immediate and rec.due_on == date(2016, 11, 3)
    assert rec.parts == (
        "each case has a named officer",
        "partners are told of every referral",
        "cases are audited each month",
    )


def test_register_entry_with_several_should_bullets_is_one_recommendation():
    text = (
        "Integrity (61003)\nRecommendations\n"
        "• Chief constables should review declared interests; • Chief constables should also "
        "publish the gifts register. • The College of Policing should update its guidance.\n"
        "[on]30th June 2016 [status]being-progressed"
    )
    (finding,) = extract(text).findings
    assert len(finding.parts) == 2


def test_tracker_comments_and_signatures_are_not_findings():
    text = (
        "Custody (61004)\nBy 31 March 2017, the force should audit its custody records.\n"
        "[on]4th April 2017 [status]being-progressed [comment]The force should now share the "
        "audit.Within three months the force should report again. J. Smith, liaison"
    )
    assert len(extract(text).findings) == 1


# ---------------------------------------------------------------- letters (§1.1)


def test_numbered_paragraphs_after_a_closing_quotation_mark_are_narrative():
    text = (
        "Dear Chief Constable,\n\nRevisit of the cause of concern\n\n"
        "On 4 March 2025, we issued a cause of concern. It was:\n\n"
        "“The force isn’t supervising investigations well enough\n"
        "The force should immediately:\n• check every plan;\n• train supervisors.”\n"
        "1. We revisited the force in August 2025.\n"
        "2. Plans are now checked. The force should keep this up.\n\n"
        "Yours sincerely"
    )
    assert extract(text).findings == ()
    found = extract(text, include_restated=True).findings
    assert [f.kind for f in found] == [CAUSE_OF_CONCERN, RECOMMENDATION, RECOMMENDATION]
    assert all(f.restated and f.due_on == date(2025, 3, 4) for f in found[1:])


def test_numbered_paragraphs_after_bullets_end_the_list_even_without_quotes():
    text = (
        "Recommendations\nThe force should:\n• review its policy;\n• train its staff.\n"
        "1. The force has begun work on both.\n2. Training starts in May."
    )
    assert len(extract(text).findings) == 2


def test_a_promise_to_revisit_does_not_make_an_accelerated_letter_a_restatement():
    text = (
        "Dear Chief Constable,\n\nAccelerated cause of concern: custody\n\n"
        "The force isn’t keeping detainees safe\n\n"
        "The force should immediately:\n• review observation levels.\n\n"
        "We will revisit the force to check its progress.\n\nYours sincerely"
    )
    found = extract(text, published_on=date(2025, 5, 1)).findings
    assert [f.restated for f in found] == [False, False]
    assert letter_kind(text) == "accelerated"


def test_bare_restated_statements_in_a_revisit_letter_are_causes_of_concern():
    text = (
        "Dear Chief Fire Officer,\n\nBackground\n\n"
        "In our report published on 2 February 2024, we issued two causes of concern. "
        "We revisited the service in October 2024.\n\n"
        "The service doesn’t train its staff on high-rise buildings\n"
        "By 31 May 2024, the service should:\n• train all crews.\n\n"
        "The service hasn’t made its culture fair.\n"
        "By 31 August 2024, the service should:\n• act on its staff survey.\n\n"
        "Yours sincerely"
    )
    found = extract(text, include_restated=True).findings
    assert [(f.kind, f.parent) for f in found] == [
        (CAUSE_OF_CONCERN, None),
        (RECOMMENDATION, 0),
        (CAUSE_OF_CONCERN, None),
        (RECOMMENDATION, 2),
    ]
    assert all(f.restated for f in found)


def test_a_dated_second_block_under_one_cause_of_concern_is_not_a_new_cause():
    text = (
        "Cause of concern\nThe force isn’t answering calls quickly enough\n"
        "The force should immediately:\n• publish its call data.\n"
        "The force doesn’t yet have enough call handlers.\n"
        "By 31 March 2026, the force should:\n• recruit more call handlers."
    )
    found = extract(text, published_on=date(2025, 10, 1)).findings
    assert [f.kind for f in found] == [CAUSE_OF_CONCERN, RECOMMENDATION, RECOMMENDATION]


def test_closure_letters_restate_and_say_so():
    doc = (CORPUS / "heldout2_letter_closure.txt").read_text(encoding="utf-8")
    assert extract(doc).findings == ()
    assert letter_kind(doc) == "closure"
    assert all(f.restated for f in extract(doc, include_restated=True).findings)


def test_count_statement_above_fewer_bullets_warns():
    doc = (CORPUS / "heldout2_letter_count_statement.txt").read_text(encoding="utf-8")
    result = extract(doc, published_on=date(2025, 10, 1))
    assert len(result.findings) == 4
    assert any("4 recommendations but 3" in w for w in result.warnings)


# ---------------------------------------------------------------- older PEEL (§1.2, §5)


def test_older_peel_take_steps_lead_in_under_a_recommendation_heading():
    text = (
        "Cause of concern\nThe force’s response to hate crime is a cause of concern to HMIC.\n"
        "Recommendation\nTo address this cause of concern the force should immediately "
        "improve its response to hate crime and take steps to ensure that:\n"
        "• victims are contacted within a day;\n• supervisors review every case.\n"
        "Areas for improvement\n• The force should improve its use of restorative justice."
    )
    found = extract(text, published_on=date(2017, 3, 2)).findings
    assert [f.kind for f in found] == [CAUSE_OF_CONCERN, RECOMMENDATION, "area_for_improvement"]
    assert found[1].due_on == date(2017, 3, 2) and len(found[1].parts) == 2
