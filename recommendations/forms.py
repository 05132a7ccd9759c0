"""Forms parse and normalise input; rules that need the database live in services."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from recommendations import services, uploads
from recommendations.models import (
    AssuranceOutcome,
    Finding,
    FindingKind,
    Force,
    Grade,
    Rag,
    Report,
    ReportKind,
    Status,
    Theme,
    User,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.Form):
    """Carries the version of the finding the user saw, for the optimistic lock."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# ---------------------------------------------------------------- reports


class ReportForm(forms.ModelForm):
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
        ]
        labels = {
            "published_on": "Published on",
            "chief_constable_comments_by": "Chief constable's comments invited by",
            "response_published_on": "PCC response published on",
        }
        widgets = {
            "published_on": DATE_INPUT,
            "chief_constable_comments_by": DATE_INPUT,
            "response_published_on": DATE_INPUT,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.force_id is not None:
            # A force-scoped user records reports for their own force (or national ones).
            self.fields["force"].queryset = Force.objects.filter(pk=user.force_id)

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
    """One grade per graded area of the report's framework; the areas are data, not code."""

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        current = {j.area_id: j.grade for j in report.judgments.all()}
        self.areas = list(report.framework.areas.filter(is_graded=True)) if report.framework else []
        for area in self.areas:
            self.fields[f"area_{area.pk}"] = forms.ChoiceField(
                label=area.name,
                choices=[("", "Not graded"), *Grade.choices],
                required=False,
                initial=current.get(area.pk, ""),
            )

    def grades(self) -> dict[int, str]:
        return {area.pk: self.cleaned_data[f"area_{area.pk}"] for area in self.areas}


# ---------------------------------------------------------------- findings


class FindingForm(forms.ModelForm):
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
            "owner",
            "opcc_lead",
        ]
        labels = {"due_on": "Due date", "text": "Full text", "opcc_lead": "OPCC lead"}
        widgets = {
            "due_on": DATE_INPUT,
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
        self.fields["owner"].queryset = User.objects.owner_candidates(report.force_id)
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


class AssignForm(VersionedForm):
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Force owner"
    )
    opcc_lead = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="OPCC lead"
    )

    def __init__(self, *args: Any, finding: Finding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.owner_candidates(finding.force_id)
        self.fields["opcc_lead"].queryset = User.objects.opcc_lead_candidates(finding.force_id)


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
    as_at = forms.DateField(label="As at", widget=DATE_INPUT)
    evidence = MultipleFileField(
        required=False,
        help_text="PDF, Word (.docx), Excel (.xlsx), PNG, JPEG, text or CSV; up to "
        f"{settings.EVIDENCE_MAX_UPLOAD_BYTES // (1024 * 1024)} MB each.",
    )
    evidence_effective_on = forms.DateField(
        label="Evidence is effective from",
        required=False,
        widget=DATE_INPUT,
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

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("outcome") == AssuranceOutcome.CHALLENGED
            and not data.get("reason", "").strip()
        ):
            self.add_error("reason", "Give the reason for challenging the force's claim.")
        return data


class CloseForm(VersionedForm):
    closed_on = forms.DateField(label="Date of the HMICFRS letter", widget=DATE_INPUT)
    letter_reference = forms.CharField(max_length=200, label="Letter reference")


class SupersedeForm(VersionedForm):
    successor = forms.ModelChoiceField(
        queryset=Finding.objects.none(), label="Superseded by", empty_label="Choose a finding"
    )

    def __init__(self, *args: Any, finding: Finding, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (
            Finding.objects.visible_to(user)
            .exclude(pk=finding.pk)
            .exclude(status=Status.SUPERSEDED)
            .select_related("report")
            .order_by("-report__published_on", "reference")
        )
        self.fields["successor"].label_from_instance = lambda f: f"{f.report.title}: {f}"


class NoFurtherActionForm(VersionedForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label="Why no further action"
    )


class ReviseDueDateForm(VersionedForm):
    new_due_on = forms.DateField(label="New due date", widget=DATE_INPUT)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason for the change",
        help_text="The original date is kept on record.",
    )


# ---------------------------------------------------------------- filters


class _ValuesIterator(ModelChoiceIterator):
    """(pk, label) pairs straight from the database, with no model object per option."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", self.field.label_field)


class ValuesModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options show one column: a thousand reports cost one query,
    not a thousand model objects. Validation still fetches the chosen object."""

    iterator = _ValuesIterator

    def __init__(self, *args: Any, label_field: str, **kwargs: Any) -> None:
        self.label_field = label_field
        super().__init__(*args, **kwargs)


def escaped_options(choices: Iterable[tuple[Any, Any]]) -> list[tuple[str, str, str]]:
    """Each option as (value, its start tag, its label and end tag), escaped once."""
    options = []
    for value, label in choices:
        text = "" if value is None else str(value)
        options.append((text, f'<option value="{escape(text)}"', f">{escape(label)}</option>"))
    return options


class LongSelect(forms.Select):
    """A <select> whose options are written here rather than one template each.

    The same HTML as Django's Select; a list with a thousand reports renders in
    about a millisecond instead of a hundred (docs/performance.md). `escaped`, when
    set (`cached_choices` does), holds the options already escaped, so a page
    escapes none of them.
    """

    escaped: list[tuple[str, str, str]] | None = None

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        chosen = set(self.format_value(value))
        parts = [f'<select name="{escape(name)}"{flatatt(final_attrs)}>']
        # Straight from the choices: Django's optgroups() builds a dict per option.
        for text, start, rest in self.escaped or escaped_options(self.choices):
            parts.append(f"{start}{' selected' if text in chosen else ''}{rest}")
        parts.append("</select>")
        # Every value and label is escaped.
        return mark_safe("\n".join(parts))  # nosec


def _bootstrap_classes(form: forms.Form) -> None:
    """Bootstrap's classes on each widget, for forms rendered without crispy-forms."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        if field.help_text:
            widget.attrs.setdefault("title", str(field.help_text))


def cached_choices(
    field: forms.Field,
    key: str,
    load: Callable[[], Iterable[tuple[Any, Any]]] | None = None,
    *,
    chosen: Any = None,
) -> None:
    """Give a filter's <select> its options from a one-minute cache instead of a query.

    The options come from `load()`, or else from the field's own choices. For a
    ModelChoiceField validation still uses the field's queryset, so a stale option
    can never let anyone filter by something they may not see; a new report just
    takes up to a minute to appear in the list. The options are cached escaped too.
    A `chosen` value missing from the cached options (a theme or report added in the
    last minute, followed from a dashboard link) loads them afresh.
    """
    cached = cache.get(key)
    missing = chosen not in (None, "") and str(chosen) not in {
        value for value, _label in (cached[0] if cached else [])
    }
    if cached is None or missing:
        loaded = load() if load else ((v, label) for v, label in field.choices if v != "")
        options = [(str(value), label) for value, label in loaded]
        cached = (options, escaped_options(options))
        cache.set(key, cached, CHOICES_CACHE_SECONDS)
    options, escaped = cached
    empty = ("", getattr(field, "empty_label", None) or "---------")
    if not isinstance(field, forms.ModelChoiceField):
        field.choices = [empty, *options]  # what validation checks
    # A ModelChoiceField's widget keeps its lazy choices, never iterated: assigning a
    # thousand options costs more than writing them (Django normalises each one).
    field.widget.escaped = [*escaped_options([empty]), *escaped]


CHOICES_CACHE_SECONDS = 60


# The RAG filter's value for findings with no RAG rating yet.
NOT_RATED = "none"


SORTS = {
    "due": ("due_on", "reference"),
    "-due": ("-due_on", "reference"),
    "reference": ("reference", "id"),
    "status": ("status", "due_on"),
    "report": ("-report__published_on", "report__title", "id"),
    "updated": ("-updated_at", "id"),
}


class FindingFilterForm(forms.Form):
    """The findings list's filters. Everything lives in the query string, so views can be shared."""

    q = forms.CharField(required=False, label="Search text or reference")
    report = ValuesModelChoiceField(
        queryset=Report.objects.none(), required=False, widget=LongSelect, label_field="title"
    )
    force = forms.ModelChoiceField(queryset=Force.objects.none(), required=False, widget=LongSelect)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *FindingKind.choices], required=False)
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("open", "Open (not finished)"), *Status.choices],
        required=False,
    )
    rag = forms.ChoiceField(
        choices=[("", "Any RAG"), *Rag.choices, (NOT_RATED, "Not rated")],
        required=False,
        label="RAG",
    )
    # Themes are the same for everyone, so the choice is checked against the cached list
    # rather than fetched: one query fewer whenever a theme is chosen.
    theme = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, widget=LongSelect)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, widget=LongSelect)
    overdue = forms.BooleanField(required=False, label="Overdue only")
    due_within = forms.IntegerField(
        required=False, min_value=0, max_value=3650, label="Due within (days)"
    )
    challenged = forms.BooleanField(required=False, label="Challenged only")
    published_from = forms.DateField(
        required=False, label="Report published from", widget=DATE_INPUT
    )
    published_to = forms.DateField(required=False, label="Report published to", widget=DATE_INPUT)
    sort = forms.ChoiceField(
        choices=[
            ("due", "Due date, soonest first"),
            ("-due", "Due date, latest first"),
            ("reference", "Reference"),
            ("status", "Status"),
            ("report", "Report, newest first"),
            ("updated", "Recently changed"),
        ],
        required=False,
    )
    # Drill-down filters that the dashboard's figures link with. Hidden, and
    # declared last so that the list's grid of visible filters has no gaps;
    # they still show in the result summary and survive a change of filter.
    closed_from = forms.DateField(required=False, widget=forms.HiddenInput, label="Closed from")
    closed_to = forms.DateField(required=False, widget=forms.HiddenInput, label="Closed to")
    due_from = forms.DateField(required=False, widget=forms.HiddenInput, label="Due from")
    due_to = forms.DateField(required=False, widget=forms.HiddenInput, label="Due to")
    no_owner = forms.BooleanField(required=False, widget=forms.HiddenInput, label="No owner")
    parent = forms.ModelChoiceField(
        queryset=Finding.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        label="Under cause of concern",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Finding.objects.visible_to(user).filter(
            kind=FindingKind.CAUSE_OF_CONCERN
        )
        self.fields["report"].queryset = Report.objects.visible_to(user)
        self.fields["report"].empty_label = "Any report"
        self.fields["theme"].empty_label = "Any theme"
        cached_choices(
            self.fields["theme"],
            "findings-filter:themes",
            lambda: Theme.objects.values_list("pk", "name"),
            chosen=self.data.get("theme"),
        )
        self.fields["owner"].empty_label = "Anyone"
        if user.force_id is None:
            # EXISTS probes an index per force; a JOIN … DISTINCT reads every finding.
            # The forces the dashboard offers (findings or reports), so its links validate.
            self.fields["force"].queryset = Force.objects.filter(
                Exists(Finding.objects.filter(force=OuterRef("pk")))
                | Exists(Report.objects.filter(force=OuterRef("pk")))
            )
            self.fields["force"].empty_label = "Any force"
        else:
            del self.fields["force"]
        owned = Finding.objects.filter(owner=OuterRef("pk"))
        if user.force_id is not None:
            owned = owned.filter(force_id=user.force_id)
        self.fields["owner"].queryset = User.objects.filter(Exists(owned)).order_by(
            "first_name", "last_name"
        )
        _bootstrap_classes(self)
        scope = f"findings-filter:{user.force_id or 'all'}"
        for name in ("report", "force", "owner"):
            if name in self.fields:
                cached_choices(self.fields[name], f"{scope}:{name}", chosen=self.data.get(name))

    @property
    def searches_text(self) -> bool:
        return self.is_valid() and bool((self.cleaned_data.get("q") or "").strip())

    def filter(self, findings: QuerySet[Finding], *, today: date) -> QuerySet[Finding]:
        data = self.cleaned_data if self.is_valid() else {}
        if q := (data.get("q") or "").strip():
            findings = findings.filter(Q(text__icontains=q) | Q(reference__iexact=q))
        for name in ("report", "force", "kind", "owner", "parent"):
            if data.get(name):
                findings = findings.filter(**{name: data[name]})
        if data.get("rag"):
            findings = findings.filter(rag="" if data["rag"] == NOT_RATED else data["rag"])
        if data.get("theme"):
            findings = findings.filter(themes=data["theme"])
        if data.get("status") == "open":
            findings = findings.open()
        elif data.get("status"):
            findings = findings.filter(status=data["status"])
        if data.get("overdue"):
            findings = findings.overdue(today=today)
        if data.get("due_within") is not None:
            findings = findings.due_soon(today=today, days=data["due_within"])
        if data.get("challenged"):
            findings = findings.challenged()
        if data.get("no_owner"):
            findings = findings.filter(owner__isnull=True)
        findings = _date_range(findings, "report__published_on", data, "published")
        findings = _date_range(findings, "due_on", data, "due")
        if data.get("closed_from") or data.get("closed_to"):
            findings = findings.finished_between(
                data.get("closed_from") or date.min, data.get("closed_to") or date.max
            )
        return findings.order_by(*SORTS.get(data.get("sort") or "due", SORTS["due"]))

    def active_filters(self) -> list[tuple[str, str]]:
        """The filters in use, as (label, value) pairs for the result summary."""
        if not self.is_valid():
            return []
        active = []
        for name, value in self.cleaned_data.items():
            if name == "sort" or value in (None, "", False):
                continue
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField) or not hasattr(field, "choices"):
                shown = value
            else:
                shown = {str(key): label for key, label in field.choices}.get(str(value), value)
            label = str(field.label or name.replace("_", " ").capitalize())
            active.append((label, "yes" if value is True else str(shown)))
        return active


def _date_range(
    findings: QuerySet[Finding], lookup: str, data: dict[str, Any], prefix: str
) -> QuerySet[Finding]:
    """Both ends inclusive; either may be missing."""
    if data.get(f"{prefix}_from"):
        findings = findings.filter(**{f"{lookup}__gte": data[f"{prefix}_from"]})
    if data.get(f"{prefix}_to"):
        findings = findings.filter(**{f"{lookup}__lte": data[f"{prefix}_to"]})
    return findings


class ReportFilterForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.none(), required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *ReportKind.choices], required=False)
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user.force_id is None:
            self.fields["force"].queryset = Force.objects.filter(reports__isnull=False).distinct()
            self.fields["force"].empty_label = "Any force"
        else:
            del self.fields["force"]

    def filter(self, reports: QuerySet[Report]) -> QuerySet[Report]:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("force"):
            reports = reports.filter(force=data["force"])
        if data.get("kind"):
            reports = reports.filter(kind=data["kind"])
        if data.get("year"):
            reports = reports.filter(published_on__year=data["year"])
        return reports
