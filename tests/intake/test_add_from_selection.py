"""Adding a finding the engine missed, from a passage selected in the highlighted source:
its kind, cause of concern and timeframe, and a due date worked out as for the others."""

from __future__ import annotations

from datetime import date

import pytest

from intake import drafts
from intake.forms import UNREAD_TIMEFRAME
from recommendations.models import Finding
from tests.intake.conftest import review_url
from tests.intake.test_review import current, paste, save

pytestmark = pytest.mark.django_db

# A sentence of peel_2023_coc.txt that is narrative to the engine; as a browser's selection
# gives it, with the line break of the page's wrapping.
PASSAGE = (
    "A well-run control room should be able to see\ndemand building and move staff to meet it."
)


def add(client, report, **fields):
    data = {f"add-{name}": value for name, value in fields.items()}
    return client.post(
        review_url(report), data | {"op": "add", "revision": current(client, report).revision}
    )


def test_a_selected_passage_becomes_a_finding_under_its_cause_due_from_its_timeframe(
    opcc_client, report, peel_text
):
    paste(opcc_client, report, peel_text)
    coc = current(opcc_client, report).findings[0]
    response = add(
        opcc_client,
        report,
        text=PASSAGE,
        kind="recommendation",
        parent=coc.key,
        timeframe="Within six months",
        reference="",
    )
    assert response.status_code == 302
    draft = current(opcc_client, report)
    added = next(f for f in draft.findings if f.text.startswith("A well-run control room"))
    assert added.reference == "R5"
    assert added.parent == coc.key
    assert added.due_on == date(2025, 5, 14)  # 14 November 2024 + 6 months
    # Found in the source despite the line break, so it is highlighted and placed in order.
    ((start, end),) = added.spans
    assert draft.text[start:end].startswith("A well-run control room")
    assert [f.reference for f in draft.findings][:2] == ["CoC1", "R5"]
    assert 'data-findings="' + added.key + '"' in drafts.highlight(draft)
    save(opcc_client, report)
    saved = Finding.objects.get(report=report, reference="R5")
    assert saved.parent.reference == "CoC1"
    assert saved.due_on == date(2025, 5, 14)


def test_typed_text_not_in_the_source_is_added_last_without_a_highlight(
    opcc_client, report, peel_text
):
    paste(opcc_client, report, peel_text)
    response = add(
        opcc_client,
        report,
        text="The force should review its website.",
        kind="area_for_improvement",
    )
    assert response.status_code == 302
    last = current(opcc_client, report).findings[-1]
    assert (last.reference, last.spans, last.due_on) == ("AFI4", [], None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": "", "kind": "recommendation"}, "This field is required."),
        (
            {"text": "x", "kind": "cause_of_concern", "timeframe": "Within three months"},
            "A cause of concern carries no deadline of its own.",
        ),
        (
            {"text": "x", "kind": "recommendation", "timeframe": "sometime soonish"},
            UNREAD_TIMEFRAME,
        ),
        ({"text": "x", "kind": "verdict"}, "Select a valid choice."),
        ({"text": "x", "kind": "recommendation", "parent": "f999"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_explained_and_the_review_is_unchanged(
    opcc_client, report, peel_text, fields, message
):
    paste(opcc_client, report, peel_text)
    before = drafts.to_json(current(opcc_client, report))
    response = add(opcc_client, report, **fields)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert drafts.to_json(current(opcc_client, report)) == before


def test_a_stale_tab_cannot_add(opcc_client, report, peel_text):
    paste(opcc_client, report, peel_text)
    data = {"add-text": PASSAGE, "add-kind": "recommendation", "op": "add", "revision": "0"}
    assert opcc_client.post(review_url(report), data).status_code == 409
