"""Forms for drafting a response, moving its stages, uploading versions, and the public
page. Text is cleaned by the domain's PlainTextMixin (plaintext.py): plain text with
paragraphs, never HTML. Rules that need the database are in services.py."""

from __future__ import annotations

from typing import Any

from django import forms

from publishing.models import NARRATIVE_FIELDS, RecommendationResponse, S55Response, Stage
from recommendations.forms import DateField, PlainTextMixin, VersionedForm
from recommendations.models import Finding, Force

NARRATIVE_HELP = {
    "headline": "The report, and HMICFRS's headline conclusion, in your words.",
    "pcc_view": "What the PCC makes of the report.",
    "force_progress": "What the force has done since the inspection, and is doing now.",
    "scrutiny": "How the PCC will hold the chief constable to account for it "
    "(the accountability meetings).",
    "next_steps": "What happens next. HMICFRS's timeframes and, for a force in Engage, the "
    "route out are added below this in the drafted document.",
}
PARAGRAPHS = "Plain text: leave a blank line between paragraphs."


class ResponseForm(VersionedForm):
    """The narrative, and each recommendation's answer as two fields of its own."""

    def __init__(
        self,
        *args: Any,
        response: S55Response,
        answers: list[RecommendationResponse],
        **kwargs: Any,
    ) -> None:
        initial = {name: getattr(response, name) for name in NARRATIVE_FIELDS}
        initial["version"] = response.version
        for answer in answers:
            initial[f"steps_{answer.finding_id}"] = answer.steps
            initial[f"reason_{answer.finding_id}"] = answer.no_action_reason
        super().__init__(*args, initial=initial, **kwargs)
        for name in NARRATIVE_FIELDS:
            model_field = S55Response._meta.get_field(name)
            self.fields[name] = forms.CharField(
                label=model_field.verbose_name[:1].upper() + model_field.verbose_name[1:],
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=f"{NARRATIVE_HELP[name]} {PARAGRAPHS}",
            )
        self.answers = answers
        for answer in answers:
            ref = answer.finding.reference
            self.fields[f"steps_{answer.finding_id}"] = forms.CharField(
                label=f"{ref}: steps taken or planned",
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
            self.fields[f"reason_{answer.finding_id}"] = forms.CharField(
                label=f"{ref}: why no action will be taken",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Only when no action will be taken; leave the steps empty then.",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for answer in self.answers:
            steps = data.get(f"steps_{answer.finding_id}", "").strip()
            reason = data.get(f"reason_{answer.finding_id}", "").strip()
            if steps and reason:
                self.add_error(
                    f"reason_{answer.finding_id}",
                    "Give either the steps or why no action will be taken, not both.",
                )
        return data

    def narrative(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in NARRATIVE_FIELDS}

    def answer_pairs(self) -> dict[int, tuple[str, str]]:
        return {
            a.finding_id: (
                self.cleaned_data[f"steps_{a.finding_id}"],
                self.cleaned_data[f"reason_{a.finding_id}"],
            )
            for a in self.answers
        }

    def answer_fields(self) -> list[tuple[RecommendationResponse, Any, Any]]:
        return [
            (a, self[f"steps_{a.finding_id}"], self[f"reason_{a.finding_id}"]) for a in self.answers
        ]

    def narrative_fields(self) -> list[Any]:
        return [self[name] for name in NARRATIVE_FIELDS]


# What each stage asks for, beyond the version.
STAGE_FIELDS: dict[Stage, tuple[str, ...]] = {
    Stage.COMMENTS_INVITED: ("on", "comments_due_on"),
    Stage.COMMENTS_RECEIVED: ("on", "comments", "comments_file"),
    Stage.DRAFT: (),
    Stage.APPROVED: (),
    Stage.SENT: ("on",),
    Stage.PUBLISHED: ("on", "url"),
    Stage.NOT_APPLICABLE: ("reason",),
    Stage.NOT_STARTED: (),
}
DATE_LABELS = {
    Stage.COMMENTS_INVITED: "Comments invited on",
    Stage.COMMENTS_RECEIVED: "Comments received on",
    Stage.SENT: "Sent to the Home Secretary on",
    Stage.PUBLISHED: "Published on",
}


class StageForm(VersionedForm):
    on = DateField(label="Date")
    comments_due_on = DateField(
        label="Comments asked for by", required=False, help_text="Optional."
    )
    comments = forms.CharField(
        label="The chief constable's comments",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"Or upload them as a file below. {PARAGRAPHS}",
    )
    comments_file = forms.FileField(
        label="The comments as a file",
        required=False,
        help_text="PDF, Word (.docx) or text.",
    )
    url = forms.URLField(
        label="Published at (web address)",
        required=False,
        assume_scheme="https",
        help_text="Where the PCC's website publishes it. May be left empty once a final "
        "version is uploaded: the public page then offers that document.",
    )
    reason = forms.CharField(
        label="Why s.55 does not apply",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: published before Oversight was used, and answered then.",
    )

    def __init__(self, *args: Any, stage: Stage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = STAGE_FIELDS[stage]
        for name in [n for n in self.fields if n != "version" and n not in wanted]:
            del self.fields[name]
        if "on" in self.fields:
            self.fields["on"].label = DATE_LABELS[stage]
        if "reason" in self.fields:
            self.fields["reason"].required = True


class DocumentForm(forms.Form):
    file = forms.FileField(
        label="Final version",
        help_text="The statement as edited for publication: PDF or Word (.docx).",
    )


class StartForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.none(), label="For force")

    def __init__(self, *args: Any, forces: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["force"].queryset = forces


class SummariesForm(PlainTextMixin, forms.Form):
    """A public summary and a publishable mark for each finding of a report."""

    def __init__(
        self, *args: Any, findings: list[Finding], current: dict[int, Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.findings = findings
        for finding in findings:
            row = current.get(finding.pk)
            self.fields[f"summary_{finding.pk}"] = forms.CharField(
                label=f"{finding.reference}: public summary",
                required=False,
                initial=row.summary if row else "",
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"publishable_{finding.pk}"] = forms.BooleanField(
                label=f"Show {finding.reference} on the public page",
                required=False,
                initial=row.publishable if row else False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for finding in self.findings:
            if data.get(f"publishable_{finding.pk}") and not data.get(f"summary_{finding.pk}"):
                self.add_error(
                    f"summary_{finding.pk}",
                    "Write a public summary before marking it publishable.",
                )
        return data

    def rows(self) -> list[tuple[Finding, Any, Any]]:
        return [(f, self[f"summary_{f.pk}"], self[f"publishable_{f.pk}"]) for f in self.findings]

    def summaries(self) -> dict[int, tuple[str, bool]]:
        return {
            f.pk: (self.cleaned_data[f"summary_{f.pk}"], self.cleaned_data[f"publishable_{f.pk}"])
            for f in self.findings
        }
