"""The review screen through the test client: paste, review, edit, merge, split, drop,
re-parent, then save every finding in one transaction (or none)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from intake import drafts
from intake.models import ReviewDraft
from recommendations import services
from recommendations.models import Finding, FindingKind
from tests.extraction import build_docx, build_pdf, encrypt_pdf
from tests.factories import make_finding
from tests.intake.conftest import EXPECTED_REFERENCES, intake_url, review_url

pytestmark = pytest.mark.django_db


def paste(client, report, text, **extra):
    data = {"text": text, "published_on": report.published_on.isoformat(), **extra}
    return client.post(intake_url(report), data)


def stored(report) -> ReviewDraft | None:
    return ReviewDraft.objects.filter(report=report).first()


def current(client, report) -> drafts.Draft:
    row = stored(report)
    assert row is not None
    draft = drafts.from_json(row.data)
    assert draft is not None
    return draft


def find(draft: drafts.Draft, reference: str) -> drafts.DraftFinding:
    return next(f for f in draft.findings if f.reference == reference)


def card(draft: drafts.Draft, ref: str, op: str, /, **changes) -> dict:
    """The POST a finding's card sends: its fields as they stand, with `changes`."""
    finding = find(draft, ref)
    values = {
        "kind": finding.kind,
        "reference": finding.reference,
        "parent": finding.parent,
        "text": finding.text,
        "timeframe": finding.timeframe,
        "due_on": finding.due_on.isoformat() if finding.due_on else "",
        "addressee": finding.addressee,
        "split_at": "",
    } | changes
    data = {f"{finding.key}-{name}": value for name, value in values.items()}
    return data | {"key": finding.key, "revision": draft.revision, "op": op}


def act(client, report, ref: str, op: str, /, **changes):
    draft = current(client, report)
    return client.post(review_url(report), card(draft, ref, op, **changes))


def save(client, report):
    return client.post(
        review_url(report), {"op": "save", "revision": current(client, report).revision}
    )


# ---------------------------------------------------------------- paste and review


def test_the_start_page_offers_the_reports_publication_date(opcc_client, report):
    response = opcc_client.get(intake_url(report))
    assert response.status_code == 200
    assert b'value="2024-11-14"' in response.content
    assert b"Find the findings" in response.content


def test_report_page_links_to_bringing_findings_in_for_opcc_only(client, opcc, viewer, report):
    client.force_login(opcc)
    assert intake_url(report).encode() in client.get(report.get_absolute_url()).content
    client.force_login(viewer)
    assert intake_url(report).encode() not in client.get(report.get_absolute_url()).content


def test_pasted_text_is_shown_beside_the_findings_with_highlights(opcc_client, report, peel_text):
    response = paste(opcc_client, report, peel_text)
    assert response.status_code == 302
    assert response.url == review_url(report)
    page = opcc_client.get(review_url(report))
    html = page.content.decode()
    assert page.status_code == 200
    assert [f.reference for f in current(opcc_client, report).findings] == EXPECTED_REFERENCES
    assert html.count('<article class="card intake-card') == 8
    assert html.count("<mark ") >= 8
    assert "1 cause of concern, 4 recommendations, 3 areas for improvement" in html
    assert "Bring in 8 findings" in html
    # The scripts are files of this origin: nothing inline for the CSP to block.
    assert "<script>" not in html and " onclick=" not in html
    assert re.search(r'<script src="/static/js/intake\.([0-9a-f]+\.)?js"></script>', html)
    assert Finding.objects.count() == 0  # nothing saved by reviewing


def test_the_source_text_is_escaped(opcc_client, report):
    text = (
        "<img src=x onerror=alert(1)>\n\nRecommendations\n\n"
        "Within three months, the force should review <script>alert(2)</script> its plans.\n"
    )
    paste(opcc_client, report, text)
    html = opcc_client.get(review_url(report)).content.decode()
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_draft_from_another_report_is_not_shown(opcc_client, report, force, peel_text):
    from tests.factories import make_report

    other = make_report(force=force)
    paste(opcc_client, report, peel_text)
    response = opcc_client.get(review_url(other))
    assert response.status_code == 302
    assert response.url == intake_url(other)


def test_full_review_then_save_creates_findings_with_parents_and_due_dates(
    opcc_client, opcc, report, peel_text
):
    existing_cause = make_finding(
        report=report, kind=FindingKind.CAUSE_OF_CONCERN, reference="CoC0", text="Older concern."
    )
    paste(opcc_client, report, peel_text)

    # Edit: a corrected reference and due date.
    response = act(opcc_client, report, "R1", "edit", reference="R1a", due_on="2025-03-31")
    assert response.status_code == 302
    assert response.url.endswith("#finding-" + find(current(opcc_client, report), "R1a").key)
    # Merge AFI1 with AFI2.
    assert act(opcc_client, report, "AFI1", "merge").status_code == 302
    # Split the merged AFI1 back where AFI2 began.
    draft = current(opcc_client, report)
    afi1 = find(draft, "AFI1")
    at = afi1.text.index("The force should make sure that investigations")
    assert act(opcc_client, report, "AFI1", "split", split_at=str(at)).status_code == 302
    # Drop R3.
    assert act(opcc_client, report, "R3", "drop").status_code == 302
    # Re-parent: R4 moves under the cause of concern already in the report; R2 under none.
    act(opcc_client, report, "R4", "edit", parent=f"e{existing_cause.pk}")
    act(opcc_client, report, "R2", "edit", parent="")

    draft = current(opcc_client, report)
    assert [f.reference for f in draft.findings] == [
        "CoC1", "R1a", "R2", "R4", "AFI1", "AFI1b", "AFI3",
    ]  # fmt: skip
    response = save(opcc_client, report)
    assert response.status_code == 302
    assert response.url == report.get_absolute_url()
    assert stored(report) is None

    found = {f.reference: f for f in report.findings.select_related("parent")}
    assert set(found) == {"CoC0", "CoC1", "R1a", "R2", "R4", "AFI1", "AFI1b", "AFI3"}
    assert found["R1a"].parent == found["CoC1"]
    assert found["R1a"].due_on == found["R1a"].original_due_on == date(2025, 3, 31)
    assert found["R2"].parent is None
    assert found["R2"].due_on == date(2025, 2, 14)
    assert found["R2"].timeframe == "Within three months"
    assert found["R4"].parent == existing_cause
    assert found["R4"].due_on == date(2025, 5, 31)
    assert found["CoC1"].due_on is None
    assert found["AFI1b"].kind == FindingKind.AREA_FOR_IMPROVEMENT
    assert found["AFI1b"].text.startswith("The force should make sure that investigations")
    assert all(f.force == report.force for f in found.values())
    # Audited like any other creation: a history record naming who brought it in.
    record = found["R2"].history.get()
    assert record.history_user == opcc
    page = opcc_client.get(report.get_absolute_url()).content.decode()
    assert "7 findings brought in from pasted text" in page


def test_the_review_survives_between_requests_and_can_be_continued(opcc_client, report, peel_text):
    paste(opcc_client, report, peel_text)
    act(opcc_client, report, "AFI3", "drop")
    page = opcc_client.get(intake_url(report)).content.decode()
    assert "You have a review in progress: 7 findings from pasted text" in page
    assert "Restore AFI3" in opcc_client.get(review_url(report)).content.decode()
    draft = current(opcc_client, report)
    response = opcc_client.post(
        review_url(report),
        {"op": "restore", "key": draft.dropped[0].finding.key, "revision": draft.revision},
    )
    assert response.status_code == 302
    assert [f.reference for f in current(opcc_client, report).findings] == EXPECTED_REFERENCES


def test_htmx_changes_return_the_review_in_place_with_a_notice(opcc_client, report, peel_text):
    paste(opcc_client, report, peel_text)
    draft = current(opcc_client, report)
    response = opcc_client.post(
        review_url(report), card(draft, "AFI2", "drop"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="intake-review"' in html
    assert "AFI2 dropped: it will not be brought in." in html
    # Focus goes to the finding that took its place.
    assert f'id="finding-{find(current(opcc_client, report), "AFI3").key}"' in html
    assert "data-focus" in html


def test_a_field_error_is_shown_on_the_card_and_changes_nothing(opcc_client, report, peel_text):
    paste(opcc_client, report, peel_text)
    before = current(opcc_client, report)
    response = act(opcc_client, report, "CoC1", "edit", due_on="2025-01-01")
    assert response.status_code == 400
    assert services.CAUSE_OF_CONCERN_HAS_NO_DEADLINE in response.content.decode()
    assert current(opcc_client, report) == before


def test_splitting_needs_a_chosen_point(opcc_client, report, peel_text):
    paste(opcc_client, report, peel_text)
    response = act(opcc_client, report, "AFI2", "split")
    assert response.status_code == 400
    assert "Choose where to split it." in response.content.decode()


def test_a_stale_tab_cannot_apply_an_old_change(opcc_client, report, peel_text):
    paste(opcc_client, report, peel_text)
    stale = current(opcc_client, report)
    act(opcc_client, report, "AFI1", "drop")
    response = opcc_client.post(review_url(report), card(stale, "AFI2", "drop"))
    assert response.status_code == 409
    assert "changed in another tab" in response.content.decode()
    assert "AFI2" in [f.reference for f in current(opcc_client, report).findings]


def test_discarding_the_review_saves_nothing(opcc_client, report, peel_text):
    paste(opcc_client, report, peel_text)
    response = opcc_client.post(
        review_url(report), {"op": "discard", "revision": current(opcc_client, report).revision}
    )
    assert response.status_code == 302
    assert stored(report) is None
    assert Finding.objects.count() == 0


# ---------------------------------------------------------------- saving: all or nothing


def test_a_reference_already_in_the_report_is_reported_before_anything_is_written(
    opcc_client, report, peel_text
):
    make_finding(report=report, reference="R2")
    paste(opcc_client, report, peel_text)
    response = save(opcc_client, report)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved." in html
    assert "This report already has a finding numbered “R2”." in html
    assert report.findings.count() == 1
    # The review is kept, so the clash can be fixed there.
    act(opcc_client, report, "R2", "edit", reference="R2-new")
    assert save(opcc_client, report).status_code == 302
    assert report.findings.count() == 9


def test_duplicate_references_in_the_review_are_reported_before_writing(
    opcc_client, report, peel_text
):
    paste(opcc_client, report, peel_text)
    act(opcc_client, report, "R3", "edit", reference="r2")
    response = save(opcc_client, report)
    assert response.status_code == 400
    assert "The reference “r2” is used again: it was first used on line 3." in (
        response.content.decode()
    )
    assert Finding.objects.count() == 0


def test_a_failure_part_way_through_saving_writes_nothing(
    opcc_client, report, peel_text, monkeypatch
):
    from django.core.exceptions import ValidationError

    paste(opcc_client, report, peel_text)
    real = services.finding_create
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["reference"])
        if len(calls) == 5:
            raise ValidationError("The database said no.")
        return real(**kwargs)

    monkeypatch.setattr(services, "finding_create", flaky)
    response = save(opcc_client, report)
    assert response.status_code == 400
    assert len(calls) == 5
    assert "could not be saved: The database said no." in response.content.decode()
    assert Finding.objects.count() == 0
    assert Finding.history.count() == 0


def test_saving_with_everything_dropped_is_refused(opcc_client, report):
    paste(opcc_client, report, "Recommendations\n\nThe force should act quickly.\n")
    act(opcc_client, report, "R1", "drop")
    response = save(opcc_client, report)
    assert response.status_code == 400
    assert "nothing to bring in" in response.content.decode()


# ---------------------------------------------------------------- bad input


def upload(client, report, name: str, data: bytes):
    return client.post(intake_url(report), {"file": SimpleUploadedFile(name, data)})


def test_an_uploaded_pdf_is_read(opcc_client, report, peel_text):
    response = upload(opcc_client, report, "peel.pdf", build_pdf(peel_text))
    assert response.status_code == 302
    draft = current(opcc_client, report)
    assert draft.source == "peel.pdf"
    assert [f.reference for f in draft.findings] == EXPECTED_REFERENCES


def test_an_uploaded_word_document_is_read(opcc_client, report, peel_text):
    response = upload(opcc_client, report, "peel.docx", build_docx(peel_text))
    assert response.status_code == 302
    assert len(current(opcc_client, report).findings) == 8


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "The submitted file is empty."),
        ("junk.txt", bytes(range(256)) * 40, "its contents look like binary data"),
        ("odd.txt", b"The force should \x81\x8d review its plans.", "we tried UTF-8"),
        ("scan.pdf", build_pdf(None), "no text layer"),
        (
            "locked.pdf",
            encrypt_pdf(build_pdf("Recommendations\nThe force should act."), user_password="s"),
            "protected by a password",
        ),
        ("report.doc", b"\xd0\xcf\x11\xe0 old word", "old-style Word document"),
        ("fake.pdf", b"Just some text", "not a genuine PDF file"),
        ("fake.docx", b"Just some text", "not a genuine Word (.docx) file"),
        ("report.exe", b"MZ\x90\x00", "not a type we can read"),
        ("notes.txt", b"Nothing to see here.", "No causes of concern"),
    ],
)
def test_unreadable_uploads_get_a_clear_message_next_to_the_field(
    opcc_client, report, name, data, message
):
    response = upload(opcc_client, report, name, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'href="#id_file"' in html  # the error summary links to the field
    assert stored(report) is None
    assert Finding.objects.count() == 0


def test_an_upload_over_the_limit_is_refused(opcc_client, report, settings, peel_text):
    settings.REPORT_MAX_UPLOAD_BYTES = 1024
    response = upload(opcc_client, report, "big.txt", peel_text.encode())
    assert response.status_code == 400
    assert "“big.txt” is larger than the 1 KB limit." in response.content.decode()
    assert Finding.objects.count() == 0


def test_reports_have_their_own_size_limit_not_evidences(opcc_client, report, settings, peel_text):
    """Issue 12 item 3: OVERSIGHT_REPORT_MAX_MB, apart from OVERSIGHT_EVIDENCE_MAX_MB."""
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 1024
    settings.REPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    assert upload(opcc_client, report, "peel.txt", peel_text.encode()).status_code == 302
    page = opcc_client.get(intake_url(report)).content.decode()
    assert "up to 1 MB" in page


def test_text_and_a_file_together_are_refused(opcc_client, report, peel_text):
    response = opcc_client.post(
        intake_url(report),
        {"text": peel_text, "file": SimpleUploadedFile("peel.txt", peel_text.encode())},
    )
    assert response.status_code == 400
    assert "not both" in response.content.decode()


def test_nothing_pasted_is_refused(opcc_client, report):
    response = opcc_client.post(intake_url(report), {"text": "   "})
    assert response.status_code == 400
    assert "Paste the report&#x27;s text, or choose a file" in response.content.decode()


# Word files go through the evidence checks, scan included; the EICAR stand-in cannot
# see into their zip, so they are left to the clamd tests' kind of scanner.
@pytest.mark.parametrize("name", ["notes.txt", "report.html"])
def test_an_uploaded_report_carrying_malware_is_refused_and_nothing_is_kept(
    opcc_client, report, peel_text, name
):
    from recommendations.antivirus import EICAR

    data = peel_text.encode() + b"\n" + EICAR
    response = upload(opcc_client, report, name, data)
    assert response.status_code == 400
    assert "failed the malware check" in response.content.decode()
    assert stored(report) is None


def test_a_report_that_takes_too_long_to_read_gets_a_clear_message(
    opcc_client, report, peel_text, settings
):
    """Issue 12 item 3: extraction runs under a time budget (OVERSIGHT_EXTRACTION_SECONDS)."""
    settings.OVERSIGHT_EXTRACTION_SECONDS = 1e-9
    response = opcc_client.post(intake_url(report), {"text": peel_text})
    assert response.status_code == 400
    assert "took longer than" in response.content.decode()
    assert stored(report) is None


# ---------------------------------------------------------------- size of a review


def bullets(count: int) -> str:
    return "Recommendations\n\n" + "\n".join(
        f"• The force should improve process number {n}." for n in range(1, count + 1)
    )


def test_more_findings_than_a_review_holds_are_refused_with_a_clear_message(opcc_client, report):
    """Issue 12 item 3: 20,000 pasted bullets made an 87 MB review page that took 56 s."""
    response = paste(opcc_client, report, bullets(drafts.MAX_FINDINGS + 1))
    assert response.status_code == 400
    html = response.content.decode()
    assert f"{drafts.MAX_FINDINGS + 1:,} findings were found" in html
    assert f"one review holds at most {drafts.MAX_FINDINGS:,}" in html
    assert stored(report) is None
    assert paste(opcc_client, report, bullets(drafts.MAX_FINDINGS)).status_code == 302


def test_the_review_shows_its_cards_a_page_at_a_time(opcc_client, report):
    assert paste(opcc_client, report, bullets(120)).status_code == 302
    first = opcc_client.get(review_url(report)).content.decode()
    assert first.count('class="card intake-card') == 50
    assert 'id="finding-f1"' in first and 'id="finding-f51"' not in first
    assert "1 to 50 shown" in first and "Page 1 of 3" in first
    # The whole source is highlighted; labels of findings on other pages link to them.
    assert 'href="#finding-f1"' in first
    assert 'href="?page=3#finding-f120"' in first
    last = opcc_client.get(review_url(report), {"page": 3}).content.decode()
    assert last.count('class="card intake-card') == 20
    assert 'id="finding-f120"' in last


def test_a_change_on_a_later_page_shows_that_page_again(opcc_client, report):
    paste(opcc_client, report, bullets(120))
    response = act(opcc_client, report, "R75", "edit", timeframe="Within six months")
    assert response.status_code == 302
    assert response.url.endswith("?page=2#finding-f75")
    response = opcc_client.post(
        review_url(report),
        card(current(opcc_client, report), "R75", "edit", text=""),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert 'id="finding-f75"' in html and "Page 2 of 3" in html


# ---------------------------------------------------------------- dates at and beyond the bounds


def test_a_publication_date_in_year_9999_is_a_form_error_not_a_crash(opcc_client, report):
    """Issue 12 item 1: 9999-12-31 with "Within three months" gave a 500 (year 10000)."""
    text = "Recommendations\n\nWithin three months, the force should review its plans."
    response = opcc_client.post(intake_url(report), {"text": text, "published_on": "9999-12-31"})
    assert response.status_code == 400
    assert "Enter a date from 1 January 1990 to" in response.content.decode()


@pytest.mark.parametrize(
    ("published_on", "accepted"),
    [("1989-12-31", False), ("1990-01-01", True), ("2030-01-01", True), ("2099-01-01", False)],
)
def test_publication_dates_run_from_1990_to_ten_years_ahead(
    opcc_client, report, published_on, accepted
):
    text = "Recommendations\n\nWithin three months, the force should review its plans."
    response = opcc_client.post(intake_url(report), {"text": text, "published_on": published_on})
    assert response.status_code == (302 if accepted else 400)


def test_a_due_date_out_of_range_on_the_review_screen_is_a_form_error(
    opcc_client, report, peel_text
):
    paste(opcc_client, report, peel_text)
    response = act(opcc_client, report, "R1", "edit", due_on="9999-12-31")
    assert response.status_code == 400
    assert "Enter a date from 1 January 1990 to" in response.content.decode()
    assert find(current(opcc_client, report), "R1").due_on == date(2025, 2, 14)


def test_a_due_date_out_of_range_from_the_text_is_caught_when_saving(opcc_client, report):
    paste(opcc_client, report, "Recommendations\n\nBy 31 December 2199 the force should act.")
    assert find(current(opcc_client, report), "R1").due_on == date(2199, 12, 31)
    response = save(opcc_client, report)
    assert response.status_code == 400
    assert "Enter a date from 1 January 1990 to" in response.content.decode()
    assert Finding.objects.count() == 0
