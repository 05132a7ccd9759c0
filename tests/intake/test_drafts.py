"""The review's working set on its own: merge, split, drop, restore, re-parent, highlight."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape

import pytest

from intake import drafts
from intake.candidates import Candidate
from intake.extraction import extract
from recommendations.models import FindingKind
from tests.intake.conftest import EXPECTED_REFERENCES, PUBLISHED


@pytest.fixture
def draft(peel_text) -> drafts.Draft:
    return drafts.from_extraction(
        extract(peel_text, published_on=PUBLISHED), report_id=1, source="pasted text"
    )


def by_reference(draft: drafts.Draft, reference: str) -> drafts.DraftFinding:
    return next(f for f in draft.findings if f.reference == reference)


def test_the_draft_keeps_what_the_engine_found_with_parents_as_keys(draft):
    assert [f.reference for f in draft.findings] == EXPECTED_REFERENCES
    cause = by_reference(draft, "CoC1")
    assert [f.reference for f in draft.children_of(cause.key)] == ["R1", "R2", "R3", "R4"]
    assert by_reference(draft, "R1").due_on == date(2025, 2, 14)
    assert by_reference(draft, "R4").due_on == date(2025, 5, 31)
    assert by_reference(draft, "R1").addressee == "the force"


def test_a_draft_survives_the_session_as_json(draft):
    drafts.drop(draft, by_reference(draft, "AFI1").key)
    stored = json.loads(json.dumps(drafts.to_json(draft)))
    assert drafts.from_json(stored) == draft


def test_the_findings_to_save_are_candidates_with_their_parents_named(draft):
    """One representation of a finding about to be created, whichever way it came in."""
    by_reference(draft, "R4").parent = f"{drafts.EXISTING_PREFIX}42"
    saved = drafts.candidates(draft)
    assert all(isinstance(c, Candidate) for c in saved)
    assert [c.line for c in saved] == list(range(1, len(EXPECTED_REFERENCES) + 1))
    named = {c.reference: (c.parent_reference, c.parent_pk) for c in saved}
    assert named["R1"] == ("CoC1", None)
    assert named["R4"] == ("", 42)
    assert named["AFI1"] == ("", None)


@pytest.mark.parametrize("junk", [None, "x", {"format": 99}, {"format": 1, "report_id": "a"}])
def test_anything_else_in_the_session_is_no_draft(junk):
    assert drafts.from_json(junk) is None


def test_merge_joins_the_next_finding_and_its_highlight(draft):
    first, second = by_reference(draft, "AFI2"), by_reference(draft, "AFI3")
    merged = drafts.merge_with_next(draft, first.key)
    assert merged.reference == "AFI2"
    assert merged.text.endswith("The force should improve the quality of its investigation plans.")
    assert "AFI3" not in [f.reference for f in draft.findings]
    assert min(s for s, _ in merged.spans) == min(s for s, _ in first.spans)
    assert max(e for _, e in merged.spans) == max(e for _, e in second.spans)


def test_merging_a_cause_of_concern_keeps_it_deadline_free_and_adopts_grandchildren(draft):
    cause = by_reference(draft, "CoC1")
    merged = drafts.merge_with_next(draft, cause.key)  # absorbs R1
    assert merged.kind == FindingKind.CAUSE_OF_CONCERN
    assert merged.due_on is None and merged.timeframe == ""
    assert [f.reference for f in draft.children_of(cause.key)] == ["R2", "R3", "R4"]


def test_the_last_finding_has_nothing_to_merge_with(draft):
    with pytest.raises(drafts.DraftError, match="nothing after it"):
        drafts.merge_with_next(draft, draft.findings[-1].key)


def test_split_at_a_sentence_makes_a_second_finding_just_after(draft):
    afi2 = by_reference(draft, "AFI2")
    (at, label), *_ = drafts.split_points(afi2.text)
    assert "experience. | It needs" in label
    second = drafts.split(draft, afi2.key, at)
    assert afi2.text.endswith("skills and experience.")
    assert second.text == "It needs to better understand the workload of its investigators."
    assert second.reference == "AFI2b"
    assert draft.findings.index(second) == draft.findings.index(afi2) + 1
    # The highlight is divided where the second part starts in the source.
    assert afi2.spans[-1][1] == second.spans[0][0]
    assert draft.text[second.spans[0][0] :].startswith("It needs")


def test_a_split_keeps_kind_parent_and_deadline(draft):
    r1 = by_reference(draft, "R1")
    at = r1.text.index("introduce")
    second = drafts.split(draft, r1.key, at)
    assert (second.kind, second.parent, second.due_on) == (r1.kind, r1.parent, r1.due_on)


def test_a_split_must_leave_text_on_both_sides(draft):
    r4 = by_reference(draft, "R4")
    with pytest.raises(drafts.DraftError, match="Choose where to split R4"):
        drafts.split(draft, r4.key, len(r4.text))


def test_dropping_a_cause_of_concern_unlinks_its_recommendations(draft):
    unlinked = drafts.drop(draft, by_reference(draft, "CoC1").key)
    assert unlinked == ["R1", "R2", "R3", "R4"]
    assert all(f.parent == "" for f in draft.findings)


def test_a_dropped_finding_can_be_restored_where_it_was(draft):
    r2 = by_reference(draft, "R2")
    drafts.drop(draft, r2.key)
    assert "R2" not in [f.reference for f in draft.findings]
    drafts.restore(draft, r2.key)
    assert [f.reference for f in draft.findings] == EXPECTED_REFERENCES


def test_changing_a_cause_of_concerns_kind_unlinks_its_recommendations(draft):
    cause = by_reference(draft, "CoC1")
    unlinked = drafts.update(draft, cause.key, kind=FindingKind.AREA_FOR_IMPROVEMENT)
    assert unlinked == ["R1", "R2", "R3", "R4"]


def test_only_recommendations_keep_a_parent(draft):
    r1 = by_reference(draft, "R1")
    drafts.update(draft, r1.key, kind=FindingKind.AREA_FOR_IMPROVEMENT)
    assert r1.parent == ""


def test_an_unknown_key_is_a_draft_error(draft):
    with pytest.raises(drafts.DraftError):
        drafts.drop(draft, "f999")


def test_highlight_marks_every_finding_and_escapes_the_text():
    text = (
        "<script>alert('x')</script> & more\n\nRecommendations\n\n"
        "Within three months, the force should stop <b>this</b>.\n"
    )
    draft = drafts.from_extraction(
        extract(text, published_on=date(2025, 1, 1)), report_id=1, source="pasted text"
    )
    html = str(drafts.highlight(draft))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html
    assert '<mark class="intake-mark intake-mark-recommendation" data-findings="f1">' in html
    assert 'href="#finding-f1">R1</a>' in html
    assert "should stop &lt;b&gt;this&lt;/b&gt;." in html


def test_a_shared_lead_in_is_one_mark_naming_every_finding(draft):
    html = str(drafts.highlight(draft))
    keys = " ".join(by_reference(draft, ref).key for ref in ("R1", "R2", "R3"))
    assert f'intake-mark-shared" data-findings="{keys}">Within three months' in html


def test_the_highlighted_source_is_the_text_itself_plus_markup(draft):
    html = str(drafts.highlight(draft))
    without_labels = re.sub(r"<a [^>]*>[^<]*</a>", "", html)
    assert unescape(re.sub(r"</?mark[^>]*>", "", without_labels)) == draft.text


def test_a_dropped_finding_is_no_longer_highlighted(draft):
    afi1 = by_reference(draft, "AFI1")
    assert f'data-findings="{afi1.key}"' in str(drafts.highlight(draft))
    drafts.drop(draft, afi1.key)
    assert f'data-findings="{afi1.key}"' not in str(drafts.highlight(draft))


def test_a_split_that_would_pass_the_reviews_limit_is_refused(draft, monkeypatch):
    monkeypatch.setattr(drafts, "MAX_FINDINGS", len(draft.findings))
    first = by_reference(draft, "R1")
    with pytest.raises(drafts.DraftError, match="at most 8 findings"):
        drafts.split(draft, first.key, len(first.text) // 2)
