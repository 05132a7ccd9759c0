"""Behaviour of the engine on the layouts and traps described in PHRASING.md."""

from datetime import date

import pytest

from intake.extraction import (
    AREA_FOR_IMPROVEMENT,
    CAUSE_OF_CONCERN,
    KINDS,
    RECOMMENDATION,
    ExtractionError,
    extract,
    extract_file,
    normalise,
)
from intake.extraction.evaluation import load_corpus
from tests.extraction import CORPUS, build_pdf

PUBLISHED = date(2025, 3, 12)
DOCUMENTS = {doc.name: doc for doc in load_corpus(CORPUS)}


def kinds(text: str, **kwargs) -> list[str]:
    return [f.kind for f in extract(text, published_on=PUBLISHED, **kwargs).findings]


def test_kind_values_are_the_models_finding_kinds():
    from recommendations.models import FindingKind

    assert set(KINDS) == set(FindingKind.values)


# --------------------------------------------------------------------------
# Layouts


def test_bullets_under_a_lead_in_ending_at_the_modal_are_separate_recommendations():
    result = extract(
        "Cause of concern\nThe force isn’t protecting victims well enough\n"
        "The force should immediately:\n• review cases;\n• train staff; and\n• audit results.",
        published_on=PUBLISHED,
    )
    findings = result.findings
    assert [f.kind for f in findings] == [CAUSE_OF_CONCERN] + [RECOMMENDATION] * 3
    assert [f.reference for f in findings] == ["CoC1", "R1", "R2", "R3"]
    assert all(f.parent == 0 and f.immediate and f.due_on == PUBLISHED for f in findings[1:])
    assert findings[1].text == "The force should immediately review cases"
    assert findings[1].lead_in == "The force should immediately"


def test_bullets_completing_a_longer_clause_are_parts_of_one_recommendation():
    findings = extract(
        "Recommendations\nChief constables should put in place arrangements to ensure that:\n"
        "• victims get a single point of contact;\n• cases are reviewed; and\n• staff are trained."
    ).findings
    assert len(findings) == 1
    assert findings[0].parts == (
        "victims get a single point of contact",
        "cases are reviewed",
        "staff are trained.",
    )
    assert "• cases are reviewed" in findings[0].text


def test_several_blocks_under_one_cause_of_concern_keep_their_own_timeframes():
    findings = extract(DOCUMENTS["coc_letter_accelerated"].text).findings
    assert {f.parent for f in findings[1:]} == {0}
    assert [f.timeframe for f in findings[1:]] == ["immediately"] * 3 + [
        "By 30 September 2025"
    ] * 2 + ["Within six months"]


def test_glued_bullets_and_bullet_runs_on_one_line_are_split():
    text = "Recommendations\nThe force should:• act now;• plan ahead • report back."
    findings = extract(text).findings
    assert [f.text for f in findings] == [
        "The force should act now",
        "The force should plan ahead",
        "The force should report back.",
    ]


def test_hyphen_bullets_glued_after_a_colon_are_split():
    findings = extract("Recommendations\nThe force should: - act now; - plan ahead.").findings
    assert len(findings) == 2


def test_single_newline_and_blank_line_paragraphs_give_the_same_findings():
    text = DOCUMENTS["peel_2023_coc"].text
    squeezed = "\n".join(line for line in text.split("\n") if line.strip())
    assert [f.text for f in extract(text).findings] == [f.text for f in extract(squeezed).findings]


def test_wrapped_lines_are_joined_into_one_finding():
    findings = extract(
        "Areas for improvement\n• The force should make sure that its officers have\n"
        "enough time for problem-solving.\n• The force should evaluate its plans."
    ).findings
    assert [f.text for f in findings] == [
        "The force should make sure that its officers have enough time for problem-solving.",
        "The force should evaluate its plans.",
    ]


def test_an_afi_may_run_to_several_sentences():
    findings = extract(DOCUMENTS["peel_2016_afi"].text).findings
    assert findings[1].text.endswith("These reviews should be recorded on the crime system.")


def test_numbered_headings_give_the_references():
    text = (
        "Recommendations\nRecommendation 2\nThe force should act.\n"
        "Recommendation 5\nThe force should plan."
    )
    assert [f.reference for f in extract(text).findings] == ["R2", "R5"]


def test_numbering_that_repeats_falls_back_to_order():
    text = "Recommendations\n1. The force should act.\nRecommendations\n1. The force should plan."
    assert [f.reference for f in extract(text).findings] == ["R1", "R2"]


def test_addressees_of_a_national_recommendation():
    findings = extract(DOCUMENTS["national_thematic"].text).findings
    assert findings[0].addressee == "chief constables"
    assert findings[0].addressees == ("chief constables",)
    assert findings[3].addressees == ("the Home Office", "the College of Policing", "the NPCC")
    assert extract("Recommendations\nAvon and Somerset Constabulary should act.").findings[
        0
    ].addressee == ("Avon and Somerset Constabulary")


def test_cause_of_concern_in_older_prose_is_found():
    findings = extract(DOCUMENTS["peel_2015_older"].text).findings
    assert findings[0].kind == CAUSE_OF_CONCERN
    assert findings[0].text.endswith("is a cause of concern to HMIC.")


def test_inline_cause_of_concern_heading_with_a_statement():
    findings = extract(
        "Cause of concern: the force doesn’t record crime accurately enough\n"
        "Within three months, the force should:\n• audit its records."
    ).findings
    assert findings[0].kind == CAUSE_OF_CONCERN
    assert findings[0].text == "the force doesn’t record crime accurately enough"
    assert findings[1].parent == 0


def test_a_heading_with_only_a_topic_becomes_the_cause_of_concern_text():
    findings = extract(
        "Cause of concern: custody\nWe found serious problems in custody.\n"
        "Recommendations\nThe force should immediately:\n• review every detainee’s risk."
    ).findings
    assert findings[0].kind == CAUSE_OF_CONCERN
    assert findings[0].text == "custody"
    assert findings[1].parent == 0


# --------------------------------------------------------------------------
# Traps (PHRASING.md §6)


def test_narrative_should_sentences_under_a_cause_of_concern_are_not_findings():
    text = (
        "Cause of concern\nThe force doesn’t supervise investigations well\n"
        "Good oversight should include regular reviews. Supervisors should check plans. "
        "The force should have acted sooner.\n"
        "Within three months, the force should:\n• review all open cases."
    )
    assert kinds(text) == [CAUSE_OF_CONCERN, RECOMMENDATION]


def test_summary_paraphrase_above_an_afi_list_is_not_a_finding():
    text = (
        "Summary\nThe force should improve how it answers calls. It must reduce delays.\n"
        "Areas for improvement\n• The force should improve how it answers calls."
    )
    assert kinds(text) == [AREA_FOR_IMPROVEMENT]


def test_grade_definitions_and_methodology_are_not_findings():
    text = DOCUMENTS["distractors_only"].text
    assert kinds(text) == []


def test_introductory_summary_bullets_do_not_duplicate_the_causes_of_concern():
    result = extract(DOCUMENTS["coc_letter_two_causes"].text, published_on=PUBLISHED)
    assert sum(f.kind == CAUSE_OF_CONCERN for f in result.findings) == 2
    assert not any("record crime accurately" in f.text for f in result.findings)


def test_hm_inspector_observations_with_needs_to_bullets_are_not_findings():
    text = "HM Inspector’s observations\nThe force needs to:\n• use its data;\n• plan ahead."
    assert kinds(text) == []


def test_earlier_years_afis_mentioned_in_prose_are_not_findings():
    text = (
        "Areas for improvement\n• The force should improve its data.\n"
        "In 2015, we said that the force should improve its audits; it has done so."
    )
    assert kinds(text) == [AREA_FOR_IMPROVEMENT]


def test_register_tracker_text_is_not_a_finding():
    findings = extract(DOCUMENTS["register_entries"].text).findings
    assert not any("put the plan into effect" in f.text for f in findings)
    assert not any("re-inspect" in f.text for f in findings)


def test_a_count_line_with_fewer_bullets_warns_but_invents_nothing():
    text = (
        "Cause of concern\nThe force isn’t safeguarding children well enough\n"
        "Our cause of concern regarding safeguarding has 4 recommendations:\n"
        "The force should immediately:\n• review cases;\n• train staff."
    )
    result = extract(text, published_on=PUBLISHED)
    assert [f.kind for f in result.findings] == [CAUSE_OF_CONCERN, RECOMMENDATION, RECOMMENDATION]
    assert any("4 recommendations but 2" in w for w in result.warnings)


def test_page_furniture_is_ignored():
    text = (
        "Skip to content\nContents\nPrint this document\n404 Page not found\n"
        "Areas for improvement\n• The force should act."
    )
    assert kinds(text) == [AREA_FOR_IMPROVEMENT]


def test_inspection_windows_and_sent_on_dates_are_not_deadlines():
    findings = extract(DOCUMENTS["coc_letter_accelerated"].text).findings
    assert date(2025, 6, 30) not in {f.due_on for f in findings}
    assert date(2025, 3, 3) not in {f.due_on for f in findings}


# --------------------------------------------------------------------------
# Restated findings (revisit and closure letters)


def test_revisit_letter_gives_only_its_new_recommendation():
    result = extract(DOCUMENTS["revisit_letter_quoted"].text)
    assert [f.text for f in result.findings] == [
        "Within three months, the force should make sure that every district commander "
        "reviews the monthly exploitation profile with partners."
    ]
    assert result.findings[0].due_on == date(2026, 1, 9)


def test_restated_findings_on_request_count_from_the_original_issue_date():
    doc = DOCUMENTS["revisit_letter_quoted"]
    findings = [f for f in extract(doc.text, include_restated=True).findings if f.restated]
    assert len(findings) == len(doc.restated)
    for label, found in zip(doc.restated, findings, strict=True):
        assert label["contains"] in found.text
        assert found.kind == label["kind"]
        assert found.due_on == (
            date.fromisoformat(label["due_on"]) if label.get("due_on") else None
        )
    # The quoted cause of concern parents the quoted recommendations.
    quoted_coc = next(f for f in findings if f.kind == CAUSE_OF_CONCERN)
    everything = extract(doc.text, include_restated=True).findings
    assert everything[1].parent == everything.index(quoted_coc)


def test_closure_letter_has_no_new_findings():
    assert kinds(DOCUMENTS["closure_letter"].text) == []
    assert len(kinds(DOCUMENTS["closure_letter"].text, include_restated=True)) == 3


# --------------------------------------------------------------------------
# Spans and normalisation


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_spans_point_at_the_finding_text_in_the_normalised_source(name):
    result = extract(DOCUMENTS[name].text)
    for finding in result.findings:
        assert finding.spans
        covered = " ".join(result.text[s:e] for s, e in finding.spans)
        for piece in (finding.lead_in, *finding.parts):
            if piece:
                assert piece.rstrip(".;") in " ".join(covered.split())
        assert all(0 <= s < e <= len(result.text) for s, e in finding.spans)


def test_lead_in_and_bullet_are_both_highlighted():
    result = extract("Recommendations\nThe force should:\n• act now.")
    (finding,) = result.findings
    assert [result.text[s:e] for s, e in finding.spans] == ["The force should:", "act now."]


def test_normalise_handles_windows_newlines_nbsp_and_non_breaking_hyphens():
    assert normalise("A\r\nB\u00a0C re\u2011inspection\u00ad\r\n") == "A\nB C re-inspection"


def test_extract_reports_the_normalised_text_it_used():
    result = extract("Areas for improvement\r\n•The force should act.")
    assert result.text == "Areas for improvement\n• The force should act."
    (finding,) = result.findings
    assert result.text[slice(*finding.spans[0])] == "The force should act."


def test_shuffled_and_truncated_text_never_breaks_the_engine():
    import random

    rng = random.Random(2025)
    lines = [line for doc in DOCUMENTS.values() for line in doc.text.split("\n")]
    odd = ["“", "”", ":", "•", "- ", "1.", "Cause of concern:", "Recommendations", "", " " * 8]
    for _ in range(200):
        sample = rng.sample(lines, rng.randint(1, 40)) + rng.sample(odd, rng.randint(0, 4))
        rng.shuffle(sample)
        text = "\n".join(sample)
        text = text[: rng.randint(0, len(text))]
        result = extract(text, published_on=PUBLISHED, include_restated=rng.random() < 0.5)
        for i, finding in enumerate(result.findings):
            assert finding.kind in KINDS
            assert finding.parent is None or 0 <= finding.parent < i
            assert all(0 <= s < e <= len(result.text) for s, e in finding.spans)


# --------------------------------------------------------------------------
# The time budget (issue 12 item 3)


def test_an_extraction_over_its_time_budget_stops_with_a_clear_error():
    text = "\n\n".join(doc.text for doc in load_corpus(CORPUS)) * 5
    with pytest.raises(ExtractionError) as info:
        extract(text, time_limit=1e-9)
    assert info.value.code == "too_slow"
    assert "took longer than" in info.value.message
    assert "Paste or upload only the sections with its findings" in info.value.message
    assert extract(text).findings  # without a budget, the same text is read


def test_reading_a_file_counts_against_the_same_budget():
    data = build_pdf("Recommendations\n\nThe force should act.\n" * 200, lines_per_page=20)
    with pytest.raises(ExtractionError) as info:
        extract_file(data, filename="long.pdf", time_limit=1e-9)
    assert info.value.code == "too_slow"


def test_a_budget_applies_only_inside_its_extraction():
    from intake.extraction.budget import check_budget, time_budget

    with time_budget(1e-9), pytest.raises(ExtractionError):
        check_budget()
    check_budget()  # outside any budget, nothing is ever cut short
