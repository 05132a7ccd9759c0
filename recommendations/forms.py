"""Forms parse and normalise input; rules that need the database live in services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from recommendations import dates, plaintext, services, uploads
from recommendations.models import (
    AssuranceOutcome,
    ClosureBasis,
    Finding,
    FindingKind,
    Force,
    HmicfrsStatus,
    Post,
    Rag,
    Report,
    Theme,
    User,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlainTextMixin:
    """Cleans every text a form accepts (recommendations/plaintext.py): a Textarea's as
    multi-line text, any other's as one line. Mixed into every form that takes text."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()  # type: ignore[misc]
        for name, value in data.items():
            if isinstance(value, str):
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                multi = isinstance(widget, forms.Textarea)
                data[name] = plaintext.multi_line(value) if multi else plaintext.single_line(value)
        return data


def _own_force_only(field: forms.ModelChoiceField, user: User) -> None:
    """A force-scoped person records things for their own force only: one choice, required."""
    if user.force_id is not None:
        field.queryset = Force.objects.filter(pk=user.force_id)
        field.required = True
        field.empty_label = None
        field.help_text = ""


class RangedDateInput(forms.DateInput):
    """Tells the browser the enterable range. Worked out when the page is drawn: a form
    class is built once per process, and a server that runs past midnight must not keep
    offering yesterday's last date."""

    def __init__(self) -> None:
        super().__init__(attrs={"type": "date"}, format="%Y-%m-%d")

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        latest = dates.latest_enterable(timezone.localdate())
        ranged = {**(attrs or {}), "min": dates.EARLIEST.isoformat(), "max": latest.isoformat()}
        return super().get_context(name, value, ranged)


class DateField(forms.DateField):
    """A date a person enters: from 1990 to ten years ahead (recommendations/dates.py)."""

    widget = RangedDateInput

    def validate(self, value: date | None) -> None:
        super().validate(value)
        today = timezone.localdate()
        if value is not None and not dates.EARLIEST <= value <= dates.latest_enterable(today):
            raise ValidationError(dates.out_of_range_message(today), code="date_out_of_range")


class VersionedForm(PlainTextMixin, forms.Form):
    """Carries the version of the finding the user saw, for the optimistic lock."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# ---------------------------------------------------------------- reports


class ReportForm(PlainTextMixin, forms.ModelForm):
    url = forms.URLField(
        assume_scheme="https", required=False, max_length=500, label="Link to the report"
    )
    response_url = forms.URLField(
        assume_scheme="https", required=False, max_length=500, label="Link to the PCC response"
    )

    class Meta:
        model = Report
        fields = [
            "kind",
            "title",
            "force",
            "framework",
            "published_on",
            "url",
            "summary",
            "chief_constable_comments_by",
            "response_published_on",
            "response_url",
            "entered_after_the_fact",
        ]
        labels = {
            "published_on": "Published on",
            "chief_constable_comments_by": "Chief constable's comments invited by",
            "response_published_on": "PCC response published on",
        }
        field_classes = {
            "published_on": DateField,
            "chief_constable_comments_by": DateField,
            "response_published_on": DateField,
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # National reports concern every force: only people who work across all forces
        # record them.
        _own_force_only(self.fields["force"], user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        published, response = data.get("published_on"), data.get("response_published_on")
        if published and response and response < published:
            self.add_error(
                "response_published_on", "The response cannot be published before the report."
            )
        framework = data.get("framework")
        if framework and data.get("kind") and framework.report_kind != data["kind"]:
            self.add_error("framework", "Choose a framework for this kind of report.")
        return data


class JudgmentsForm(forms.Form):
    """One grade per graded area of the report's framework, offering only the grades of
    that framework's scale: the areas and the scale are data, not code."""

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        current = {j.area_id: j.grade for j in report.judgments.all()}
        framework = report.framework
        self.areas = list(framework.areas.filter(is_graded=True)) if framework else []
        for area in self.areas:
            self.fields[f"area_{area.pk}"] = forms.ChoiceField(
                label=area.name,
                choices=[("", "Not graded"), *framework.grade_choices()],
                required=False,
                initial=current.get(area.pk, ""),
            )

    def grades(self) -> dict[int, str]:
        return {area.pk: self.cleaned_data[f"area_{area.pk}"] for area in self.areas}


# ---------------------------------------------------------------- findings


class FindingForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = [
            "kind",
            "reference",
            "text",
            "parent",
            "addressee",
            "timeframe",
            "due_on",
            "themes",
            "owner_post",
            "opcc_lead",
        ]
        labels = {
            "due_on": "Due date",
            "text": "Full text",
            "opcc_lead": "OPCC lead",
            "owner_post": "Owner (post)",
        }
        field_classes = {"due_on": DateField}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 6}),
            "themes": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        parents = report.findings.filter(kind=FindingKind.CAUSE_OF_CONCERN)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            # The deadline moves only through "revise due date", which keeps the original.
            del self.fields["due_on"]
        self.fields["parent"].queryset = parents
        self.fields["parent"].label = "Cause of concern it answers"
        self.fields["themes"].queryset = Theme.objects.all()
        self.fields["owner_post"].queryset = owner_posts(report.force_id)
        self.fields["owner_post"].label_from_instance = lambda post: post.label
        self.fields["opcc_lead"].queryset = User.objects.opcc_lead_candidates(report.force_id)

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        clash = self.report.findings.filter(reference__iexact=reference)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(f"This report already has a finding numbered {reference}.")
        return reference

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind"):
            parent = data.get("parent")
            errors = services.finding_shape_errors(
                kind=data["kind"],
                parent_kind=parent.kind if parent else None,
                has_due_date=data.get("due_on") is not None,
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return data


class FindingEditForm(FindingForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def owner_posts(force_id: int | None) -> Any:
    return Post.objects.active().for_force(force_id).select_related("holder", "force")


class AssignForm(VersionedForm):
    owner_post = forms.ModelChoiceField(
        queryset=Post.objects.none(),
        required=False,
        label="Owner (post)",
        help_text="The post that owns it; its holder posts the updates and is reminded.",
    )
    opcc_lead = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="OPCC lead"
    )

    def __init__(self, *args: Any, finding: Finding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_post"].queryset = owner_posts(finding.force_id)
        self.fields["owner_post"].label_from_instance = lambda post: post.label
        self.fields["opcc_lead"].queryset = User.objects.opcc_lead_candidates(finding.force_id)


class BulkAssignForm(PlainTextMixin, forms.Form):
    """Many findings of one report at once; an empty choice leaves that part as it is."""

    findings = forms.ModelMultipleChoiceField(
        queryset=Finding.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    owner_post = forms.ModelChoiceField(
        queryset=Post.objects.none(),
        required=False,
        label="Owner (post)",
        empty_label="Leave each owner as it is",
    )
    opcc_lead = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="OPCC lead",
        empty_label="Leave each OPCC lead as it is",
    )

    def __init__(self, *args: Any, report: Report, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = (
            report.findings.visible_to(user).select_related("owner", "owner_post__holder")
        ).order_by("id")
        self.fields["findings"].label_from_instance = lambda f: f"{f.reference}: {f.short_text}"
        self.fields["owner_post"].queryset = owner_posts(report.force_id)
        self.fields["owner_post"].label_from_instance = lambda post: post.label
        self.fields["opcc_lead"].queryset = User.objects.opcc_lead_candidates(report.force_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("owner_post") and not data.get("opcc_lead"):
            raise ValidationError("Choose an owner post or an OPCC lead to assign (or both).")
        return data


class PostForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = Post
        fields = ["title", "force", "is_opcc"]
        labels = {"is_opcc": "This is an OPCC post (not the force's)"}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _own_force_only(self.fields["force"], user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("is_opcc") and not data.get("force"):
            self.add_error("force", "A force's post belongs to a force: choose it.")
        return data


class HandoverForm(PlainTextMixin, forms.Form):
    holder = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="New holder",
        empty_label="Nobody: the post is vacant",
    )
    on = DateField(label="From")

    def __init__(self, *args: Any, post: Post, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = User.objects.post_holder_candidates(
            force_id=post.force_id, is_opcc=post.is_opcc
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ProgressUpdateForm(VersionedForm):
    narrative = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What has been done since the last update, and what is next.",
    )
    rag = forms.ChoiceField(
        label="RAG rating",
        choices=Rag.choices,
        widget=forms.RadioSelect,
        help_text="Red: little done, unlikely to meet the deadline. Amber: under way. "
        "Green: complete, or on course to complete by the deadline.",
    )
    as_at = DateField(label="As at")
    evidence = MultipleFileField(
        required=False,
        help_text="PDF, Word (.docx), Excel (.xlsx), PNG, JPEG, text or CSV; up to "
        f"{settings.EVIDENCE_MAX_UPLOAD_BYTES // (1024 * 1024)} MB each.",
    )
    evidence_effective_on = DateField(
        label="Evidence is effective from",
        required=False,
        help_text="The date the evidence speaks for (not today's upload date).",
    )
    evidence_description = forms.CharField(max_length=300, required=False)
    reports_complete = forms.BooleanField(
        required=False,
        label="Report this finding as complete",
        help_text="The OPCC will assure or challenge the claim. Evidence is required.",
    )

    def __init__(self, *args: Any, allow_completion: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_at"].initial = timezone.localdate()
        if not allow_completion:
            del self.fields["reports_complete"]

    def clean_as_at(self) -> date:
        as_at = self.cleaned_data["as_at"]
        if as_at > timezone.localdate():
            raise ValidationError("An update cannot be dated in the future.")
        return as_at

    def clean_evidence(self) -> list[Any]:
        files = self.cleaned_data.get("evidence") or []
        for upload in files:
            uploads.validate_evidence_upload(upload, max_bytes=settings.EVIDENCE_MAX_UPLOAD_BYTES)
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("evidence") and not data.get("evidence_effective_on"):
            self.add_error("evidence_effective_on", "Give the date the evidence is effective from.")
        return data

    def evidence_files(self) -> list[services.EvidenceFile]:
        data = self.cleaned_data
        return [
            services.EvidenceFile(
                file=upload,
                effective_on=data["evidence_effective_on"],
                description=data.get("evidence_description", ""),
            )
            for upload in data.get("evidence") or []
        ]


class AssuranceForm(VersionedForm):
    outcome = forms.ChoiceField(
        choices=AssuranceOutcome.choices, widget=forms.RadioSelect, label="Decision"
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Required to challenge: say what is missing or unconvincing.",
    )
    opcc_rag = forms.ChoiceField(
        choices=Rag.choices,
        widget=forms.RadioSelect,
        required=False,
        label="The OPCC's own rating",
        help_text="Shown beside the force's rating in lists, exports, the dashboard and packs. "
        "Required to challenge; an assurance without one is green.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("outcome") == AssuranceOutcome.CHALLENGED
            and not data.get("reason", "").strip()
        ):
            self.add_error("reason", "Give the reason for challenging the force's claim.")
        if data.get("outcome") == AssuranceOutcome.CHALLENGED and not data.get("opcc_rag"):
            self.add_error("opcc_rag", services.CHALLENGE_NEEDS_RATING)
        return data


class CloseForm(VersionedForm):
    basis = forms.ChoiceField(
        choices=ClosureBasis.choices,
        widget=forms.RadioSelect,
        label="How HMICFRS closed it",
        initial=ClosureBasis.PORTAL,
    )
    closed_on = DateField(label="Date HMICFRS closed it")
    reference = forms.CharField(
        max_length=200,
        required=False,
        label="Reference (optional)",
        help_text="The letter's reference, or a note of the portal change.",
    )


class HmicfrsStatusForm(VersionedForm):
    hmicfrs_id = forms.CharField(
        max_length=30, required=False, label="HMICFRS ID", help_text="Its number on the portal."
    )
    hmicfrs_status = forms.ChoiceField(
        choices=[("", "Not recorded"), *HmicfrsStatus.choices],
        required=False,
        label="Status on HMICFRS's portal",
    )
    checked_on = DateField(label="Checked on")


class SupersedeForm(VersionedForm):
    successor = forms.ModelChoiceField(
        queryset=Finding.objects.none(), label="Superseded by", empty_label="Choose a finding"
    )

    def __init__(self, *args: Any, finding: Finding, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (
            Finding.objects.visible_to(user)
            .possible_successors_of(finding)
            .select_related("report")
            .order_by("-report__published_on", "reference")
        )
        self.fields["successor"].label_from_instance = lambda f: f"{f.report.title}: {f}"


class NoFurtherActionForm(VersionedForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Why no further action"
    )


class ReviseDueDateForm(VersionedForm):
    new_due_on = DateField(label="New due date")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason for the change",
        help_text="The original date is kept on record.",
    )
