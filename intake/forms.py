"""The intake forms: the report's text or file, one finding on the review screen, and a
spreadsheet to import.

Reading happens while the form is cleaned, so every problem with the input (a file that
cannot be read, text with no findings, a spreadsheet that is not one) is shown next to its
field.
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from intake import drafts, letters, spreadsheets
from intake.candidates import date_out_of_range, sits_under_a_cause, takes_a_deadline
from intake.extraction import ExtractionError, extract, extract_file, parse_timeframe
from recommendations import antivirus, services, uploads
from recommendations.forms import DATE_INPUT, PlainTextMixin
from recommendations.models import Finding, FindingKind, Report

MAX_PASTE_CHARS = 500_000

PASTE_OR_UPLOAD = "Paste the report's text, or choose a file to upload."
NOT_BOTH = "Paste the text or choose a file, not both."
NO_FINDINGS = (
    "No causes of concern, recommendations or areas for improvement were found. Check that "
    "the text includes the report's findings sections (headings such as “Recommendations” "
    "or “Area for improvement”), or add the findings one by one instead."
)
TOO_MANY_FINDINGS = (
    "{found:,} findings were found, and one review holds at most {limit:,}. Paste or upload "
    "the report a part at a time: a few sections of findings in each review."
)
TOO_LARGE = "“{name}” is larger than the {limit} limit. Upload a smaller file, or paste the text."


def _in_range(value: date) -> None:
    problem = date_out_of_range(value, today=timezone.localdate())
    if problem:
        raise ValidationError(problem, code="out_of_range")


class SourceForm(forms.Form):
    text = forms.CharField(
        label="Paste the report's text",
        required=False,
        max_length=MAX_PASTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="The whole report, or only the sections with its findings.",
    )
    file = forms.FileField(
        label="Or upload the report",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.html,.htm,.txt"}),
    )
    published_on = forms.DateField(
        label="Publication date",
        required=False,
        validators=[_in_range],
        widget=DATE_INPUT,
        help_text="Timeframes such as “within three months” count from this date.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "PDF, Word (.docx), web page (.html) or text (.txt), up to "
            f"{uploads.format_bytes(_report_upload_limit())}. A scanned PDF has no text to read."
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        name = uploads.safe_download_name(upload.name or "")
        limit = _report_upload_limit()
        if upload.size > limit:
            raise ValidationError(
                TOO_LARGE.format(name=name, limit=uploads.format_bytes(limit)), code="too_large"
            )
        if PurePath(name).suffix.lower() == ".docx":
            # The zip-bomb guard the evidence uploads use (malware scan included), before
            # the reader unzips it.
            uploads.validate_evidence_upload(upload, max_bytes=limit)
        else:
            antivirus.scan(upload, name=name)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        text, upload = (data.get("text") or "").strip(), data.get("file")
        if text and upload:
            self.add_error(None, NOT_BOTH)
            return data
        if not text and not upload:
            self.add_error("text", PASTE_OR_UPLOAD)
            return data
        where = "file" if upload else "text"
        try:
            if upload:
                result = extract_file(
                    upload.read(),
                    filename=upload.name,
                    published_on=data.get("published_on"),
                    time_limit=settings.OVERSIGHT_EXTRACTION_SECONDS,
                )
            else:
                result = extract(
                    text,
                    published_on=data.get("published_on"),
                    time_limit=settings.OVERSIGHT_EXTRACTION_SECONDS,
                )
        except ExtractionError as exc:
            self.add_error(where, exc.message)
            return data
        source = uploads.safe_download_name(upload.name) if upload else "pasted text"
        if letters.detect(result.text) is not None:
            # A closure or revisit letter restates findings rather than making new ones:
            # it is reviewed as a letter, which proposes the tracked findings it moves.
            reading = letters.read_letter(result.text, published_on=data.get("published_on"))
            if reading is not None and reading.items:
                data.update(extraction=result, letter=reading, source=source)
                return data
        if not result.findings:
            self.add_error(where, NO_FINDINGS)
            return data
        if len(result.findings) > drafts.MAX_FINDINGS:
            found, limit = len(result.findings), drafts.MAX_FINDINGS
            self.add_error(where, TOO_MANY_FINDINGS.format(found=found, limit=limit))
            return data
        data.update(extraction=result, letter=None, source=source)
        return data


def _report_upload_limit() -> int:
    """Reports have their own limit (OVERSIGHT_REPORT_MAX_MB), apart from evidence's."""
    return settings.REPORT_MAX_UPLOAD_BYTES


class AddFindingForm(forms.Form):
    """A finding the engine missed, from text selected in the source (or typed in)."""

    text = forms.CharField(
        label="Text of the finding",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        help_text="Select it in the report's text to copy it here, or type it.",
    )
    kind = forms.ChoiceField(choices=FindingKind.choices)
    parent = forms.ChoiceField(required=False, label="Cause of concern it answers")
    timeframe = forms.CharField(
        max_length=200,
        required=False,
        label="Timeframe as written",
        help_text="For example “Within three months” or “By 31 March 2026”: the due date "
        "is worked out from it.",
    )
    reference = forms.CharField(
        max_length=30, required=False, help_text="Left empty: the next free one."
    )

    def __init__(self, *args: Any, parents: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "add")
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "None"), *parents]

    def clean_text(self) -> str:
        return self.cleaned_data["text"].replace("\r\n", "\n").replace("\r", "\n").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        if not sits_under_a_cause(kind):
            data["parent"] = ""
        timeframe = (data.get("timeframe") or "").strip()
        if timeframe and not takes_a_deadline(kind):
            self.add_error("timeframe", services.CAUSE_OF_CONCERN_HAS_NO_DEADLINE)
        elif timeframe and parse_timeframe(timeframe) is None:
            self.add_error("timeframe", UNREAD_TIMEFRAME)
        return data


UNREAD_TIMEFRAME = (
    "This timeframe could not be read. Write it as HMICFRS does, for example “immediately”, "
    "“Within six months” or “By 30 September 2025”, or leave it empty."
)


class DraftFindingForm(forms.Form):
    """One finding on the review screen. Prefixed with its key, so every card's fields have
    their own ids."""

    kind = forms.ChoiceField(choices=FindingKind.choices)
    reference = forms.CharField(max_length=30)
    parent = forms.ChoiceField(required=False, label="Cause of concern it answers")
    text = forms.CharField(label="Full text", widget=forms.Textarea(attrs={"rows": 3}))
    timeframe = forms.CharField(max_length=200, required=False, label="Timeframe as written")
    due_on = forms.DateField(
        required=False, label="Due date", validators=[_in_range], widget=DATE_INPUT
    )
    addressee = forms.CharField(max_length=200, required=False)
    split_at = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Split before"
    )

    def __init__(
        self,
        *args: Any,
        draft: drafts.Draft,
        finding: drafts.DraftFinding,
        parents: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", finding.key)
        kwargs.setdefault(
            "initial",
            {
                "kind": finding.kind,
                "reference": finding.reference,
                "parent": finding.parent,
                "text": finding.text,
                "timeframe": finding.timeframe,
                "due_on": finding.due_on,
                "addressee": finding.addressee,
            },
        )
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.fields["parent"].choices = [
            ("", "None"),
            *((key, label) for key, label in parents if key != finding.key),
        ]
        self.fields["split_at"].choices = [
            ("", "Choose a point"),
            *drafts.split_points(finding.text),
        ]
        self.fields["split_at"].label = f"Split {finding.reference} before"
        for bound in self:
            small = "form-select" if bound.widget_type == "select" else "form-control"
            bound.field.widget.attrs["class"] = f"{small} {small}-sm"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"

    def clean_text(self) -> str:
        # Browsers send a textarea's line breaks as CRLF.
        return self.cleaned_data["text"].replace("\r\n", "\n").replace("\r", "\n").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        if not sits_under_a_cause(kind):
            # The page hides the choice for kinds that take no parent, so a value left in
            # it is not an error.
            data["parent"] = ""
        shape = services.finding_shape_errors(
            kind=kind,
            parent_kind=FindingKind.CAUSE_OF_CONCERN if data.get("parent") else None,
            has_due_date=bool(data.get("due_on")),
        )
        for name, problem in shape.items():
            self.add_error(name, problem)
        if not data.get("due_on") and data.get("timeframe") and takes_a_deadline(kind):
            parsed = parse_timeframe(data["timeframe"])
            data["due_on"] = parsed.due_on(self.draft.published_on) if parsed else None
        return data


class SpreadsheetForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet of findings",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        self.raw = b""
        self.sheet: spreadsheets.Sheet | None = None
        limit = uploads.format_bytes(spreadsheets.max_upload_bytes())
        self.fields[
            "file"
        ].help_text = f"CSV or Excel (.xlsx), up to {limit}, laid out as the template."

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = spreadsheets.max_upload_bytes()
        name = uploads.safe_download_name(upload.name or "")
        # Checked before reading it into memory.
        if upload.size > limit:
            raise ValidationError(
                uploads.FILE_TOO_LARGE,
                code="too_large",
                params={"name": name, "limit": uploads.format_bytes(limit)},
            )
        self.raw = upload.read()
        try:
            self.sheet = spreadsheets.read_spreadsheet(
                self.raw, upload.name, published_on=self.report.published_on, max_bytes=limit
            )
        except spreadsheets.SpreadsheetError as exc:
            raise ValidationError(exc.message, code=exc.code) from exc
        return upload


NO_MATCH = "No match: create it, or record nothing"


class LetterForm(PlainTextMixin, forms.Form):
    """The letter review: its date and reference, the assessment, and for each finding of
    the letter the tracked finding it refers to and what to record."""

    sent_on = forms.DateField(
        label="Letter’s date",
        required=False,
        validators=[_in_range],
        widget=DATE_INPUT,
        help_text="Closures and revisit notes are dated from it.",
    )
    issued_on = forms.DateField(
        label="Findings first issued on",
        required=False,
        validators=[_in_range],
        widget=DATE_INPUT,
        help_text="Restated timeframes such as “immediately” count from this date.",
    )
    reference = forms.CharField(
        label="Letter reference", required=False, max_length=100, help_text="Optional."
    )
    assessment = forms.CharField(
        label="The inspectorate’s assessment, as written in the letter",
        required=False,
        max_length=letters.ASSESSMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Kept as the revisit note on each finding you choose to note.",
    )

    def __init__(
        self,
        *args: Any,
        reading: letters.LetterReading,
        tracked: list[Finding],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "sent_on": reading.sent_on,
                "issued_on": reading.issued_on,
                "assessment": reading.assessment,
            },
        )
        super().__init__(*args, **kwargs)
        self.reading = reading
        self.tracked = {f.pk: f for f in tracked}
        others = [
            (str(f.pk), f"{f.reference}: {_short(f.text)} ({f.report.title})")
            for f in tracked[: letters.MAX_CHOICES]
        ]
        for item in reading.items:
            position = item.position
            if item.restated:
                proposed = [
                    (str(m.finding_id), f"{m.reference}: {_short(m.text)} — {m.percent}% similar")
                    for m in item.proposals
                ]
                shown = {value for value, _ in proposed}
                rest = [(v, label) for v, label in others if v not in shown]
                choices = [("", NO_MATCH)]
                if proposed:
                    choices.append(("Proposed, most similar first", proposed))
                if rest:
                    choices.append(("Other tracked findings of this force", rest))
                best = item.best
                if best is not None and best.finding_id in self.tracked:
                    # What the person saw, so a change made meanwhile is caught on record.
                    seen = self.tracked[best.finding_id]
                    self.fields[f"seen_{position}"] = forms.CharField(
                        required=False,
                        widget=forms.HiddenInput,
                        initial=f"{seen.pk}:{seen.version}",
                    )
                self.fields[f"match_{position}"] = forms.TypedChoiceField(
                    label=f"{item.finding.reference} refers to",
                    choices=choices,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    initial=str(best.finding_id) if best else "",
                )
                actions = list(letters.Choice)
            else:
                actions = [letters.Choice.CREATE, letters.Choice.SKIP]
            self.fields[f"choice_{position}"] = forms.ChoiceField(
                label="Record",
                choices=[(c.value, letters.CHOICE_LABELS[c]) for c in actions],
                initial=letters.default_choice(reading.kind, item, self.tracked).value,
                widget=forms.RadioSelect,
            )

    def rows(self) -> list[tuple[letters.Item, Any, Any]]:
        """Each finding of the letter with its bound match and choice fields."""
        return [
            (
                item,
                self[f"match_{item.position}"] if item.restated else None,
                self[f"choice_{item.position}"],
            )
            for item in self.reading.items
        ]

    def decisions(self) -> list[letters.Decision]:
        out = []
        for item in self.reading.items:
            pk = self.cleaned_data.get(f"match_{item.position}") if item.restated else None
            seen_pk, _, seen_version = (
                self.cleaned_data.get(f"seen_{item.position}") or ""
            ).partition(":")
            out.append(
                letters.Decision(
                    position=item.position,
                    choice=letters.Choice(self.cleaned_data[f"choice_{item.position}"]),
                    finding=self.tracked.get(pk) if pk is not None else None,
                    seen_version=(
                        int(seen_version) if seen_pk == str(pk) and seen_version.isdigit() else None
                    ),
                )
            )
        return out


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
