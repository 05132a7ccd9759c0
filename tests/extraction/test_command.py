"""`manage.py extract_findings`: the stable JSON interface, the table and the errors."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.extraction import CORPUS, build_docx, build_html, build_pdf, encrypt_pdf

KEYS = {"kind", "reference", "text", "timeframe", "due_on", "parent"}


def run(*args: str) -> str:
    out = StringIO()
    call_command("extract_findings", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def run_json(*args: str) -> list[dict]:
    return json.loads(run(*args, "--json"))


def test_json_has_exactly_the_stable_keys_and_valid_parents():
    findings = run_json(str(CORPUS / "coc_letter_two_causes.txt"), "--published", "2025-05-20")
    assert len(findings) == 9
    for i, finding in enumerate(findings):
        assert set(finding) == KEYS
        assert finding["kind"] in {"cause_of_concern", "recommendation", "area_for_improvement"}
        assert isinstance(finding["text"], str) and finding["text"]
        assert finding["timeframe"] is None or isinstance(finding["timeframe"], str)
        if finding["parent"] is not None:
            assert 0 <= finding["parent"] < i
            assert findings[finding["parent"]]["kind"] == "cause_of_concern"
    assert findings[1] == {
        "kind": "recommendation",
        "reference": "R1",
        "text": "Within three months, Harbourside Police should appoint a senior officer to lead "
        "crime recording improvement",
        "timeframe": "Within three months",
        "due_on": "2025-08-20",
        "parent": 0,
    }
    assert findings[0]["due_on"] is None and findings[0]["parent"] is None


def test_publication_date_from_the_text_when_not_given():
    findings = run_json(str(CORPUS / "coc_letter_accelerated.txt"))
    assert findings[1]["due_on"] == "2025-03-12"


def test_relative_due_dates_are_null_without_any_publication_date(tmp_path):
    path = tmp_path / "recs.txt"
    path.write_text("Recommendations\nWithin three months, the force should act.\n")
    (finding,) = run_json(str(path))
    assert finding["timeframe"] == "Within three months"
    assert finding["due_on"] is None


@pytest.mark.parametrize(
    ("suffix", "builder"), [(".pdf", build_pdf), (".docx", build_docx), (".html", build_html)]
)
def test_each_file_type_gives_the_same_json_as_the_text(tmp_path, suffix, builder):
    source = CORPUS / "ncpi_report.txt"
    path = tmp_path / f"report{suffix}"
    path.write_bytes(builder(source.read_text(encoding="utf-8")))
    assert run_json(str(path)) == run_json(str(source))


def test_an_empty_result_is_an_empty_array():
    assert run_json(str(CORPUS / "distractors_only.txt")) == []


def test_table_output_is_readable():
    out = run(str(CORPUS / "ncpi_report.txt"))
    assert "Published: 2024-08-21 (read from the text)" in out
    assert "CoC1" in out and "R3" in out and "AFI2" in out
    assert "Timeframe: with immediate effect" in out


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "is empty"),
        ("report.odt", b"data", "not a type we can read"),
        ("junk.txt", bytes(range(256)) * 20, "binary"),
        ("scan.pdf", build_pdf(None), "no text layer"),
        (
            "locked.pdf",
            encrypt_pdf(build_pdf("The force should act."), user_password="x"),
            "password",
        ),
    ],
)
def test_bad_input_is_a_command_error_with_the_clear_message(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError, match=message):
        run(str(path), "--json")


def test_missing_file_and_bad_date_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run(str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run(str(CORPUS / "ncpi_report.txt"), "--published", "12/03/2025")


def test_restated_findings_only_on_request():
    path = str(CORPUS / "revisit_letter_quoted.txt")
    assert len(run_json(path)) == 1
    assert len(run_json(path, "--include-restated")) == 9


def test_restated_findings_carry_a_restated_key_and_nothing_else_changes():
    path = str(CORPUS / "heldout2_letter_closure.txt")
    assert run_json(path) == []
    findings = run_json(path, "--include-restated")
    assert len(findings) == 3
    for finding in findings:
        assert set(finding) == KEYS | {"restated"}
        assert finding["restated"] is True
        assert finding["due_on"] == "2024-06-30"


def test_new_findings_in_a_letter_with_restatements_keep_exactly_the_stable_keys():
    findings = run_json(str(CORPUS / "revisit_letter_quoted.txt"), "--include-restated")
    new = [f for f in findings if "restated" not in f]
    assert len(new) == 1 and set(new[0]) == KEYS
    assert all(f["restated"] is True for f in findings if f not in new)
