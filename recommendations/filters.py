"""The filters of the findings list and the reports list. Everything lives in the query
string, so a filtered view can be bookmarked or sent to a colleague."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from html import escape
from typing import Any

from django import forms
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.safestring import SafeString, mark_safe

from recommendations.forms import DATE_INPUT
from recommendations.models import (
    Finding,
    FindingKind,
    Force,
    Rag,
    Report,
    ReportKind,
    Status,
    Theme,
    User,
)


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


class CachedOptionsSelect(forms.Select):
    """A <select> whose options come from a plain list of (value, label) pairs.

    Django's Select renders each option through a template of its own, which for a
    thousand reports takes about a hundred milliseconds; this widget's template writes
    them in one loop (docs/performance.md). `options`, when set (`cached_choices` sets
    it), saves even iterating the field's choices. The template escapes as any does.
    """

    template_name = "recommendations/widgets/cached_options_select.html"
    options: list[tuple[str, str]] | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # Skip ChoiceWidget.get_context: its optgroups() builds a dict per option.
        context = forms.Widget.get_context(self, name, value, attrs)
        options = self.options
        if options is None:
            options = [("" if v is None else str(v), str(label)) for v, label in self.choices]
        context["widget"]["options_html"] = options_html(options, set(self.format_value(value)))
        return context


def options_html(options: Iterable[tuple[str, str]], chosen: set[str]) -> SafeString:
    """The <option>s, escaped as Django escapes, written by one join: a template loop
    over a thousand reports takes about ten milliseconds of every dashboard view, this
    about one (docs/performance.md)."""
    # Every value and label is escaped in the join itself.
    return mark_safe(  # nosec
        "".join(
            f'\n  <option value="{escape(value)}"{" selected" if value in chosen else ""}>'
            f"{escape(label)}</option>"
            for value, label in options
        )
    )


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
    takes up to a minute to appear in the list. A `chosen` value missing from the
    cached options (a theme or report added in the last minute, followed from a
    dashboard link) loads them afresh.
    """
    options = cache.get(key)
    missing = chosen not in (None, "") and str(chosen) not in {
        value for value, _label in (options or [])
    }
    if options is None or missing:
        loaded = load() if load else ((v, label) for v, label in field.choices if v != "")
        options = [(str(value), str(label)) for value, label in loaded]
        cache.set(key, options, CHOICES_CACHE_SECONDS)
    empty = ("", getattr(field, "empty_label", None) or "---------")
    if not isinstance(field, forms.ModelChoiceField):
        field.choices = [empty, *options]  # what validation checks
    # A ModelChoiceField's widget keeps its lazy choices, never iterated: assigning a
    # thousand options costs more than rendering them (Django normalises each one).
    field.widget.options = [empty, *options]


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
        queryset=Report.objects.none(),
        required=False,
        widget=CachedOptionsSelect,
        label_field="title",
    )
    force = forms.ModelChoiceField(
        queryset=Force.objects.none(), required=False, widget=CachedOptionsSelect
    )
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
    opcc_rag = forms.ChoiceField(
        choices=[("", "Any OPCC rating"), *Rag.choices, (NOT_RATED, "Not rated")],
        required=False,
        label="OPCC rating",
    )
    # Themes are the same for everyone, so the choice is checked against the cached list
    # rather than fetched: one query fewer whenever a theme is chosen.
    theme = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, widget=CachedOptionsSelect
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, widget=CachedOptionsSelect
    )
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
    # No one to remind (`rules.unowned_q`): no owner, a vacant post or a deactivated holder.
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
        findings = findings.matching(
            force=data.get("force"),
            report=data.get("report"),
            kind=data.get("kind"),
            theme=data.get("theme"),
            published_from=data.get("published_from"),
            published_to=data.get("published_to"),
        )
        for name in ("owner", "parent"):
            if data.get(name):
                findings = findings.filter(**{name: data[name]})
        if data.get("rag"):
            findings = findings.filter(rag="" if data["rag"] == NOT_RATED else data["rag"])
        if data.get("opcc_rag"):
            opcc_rag = data["opcc_rag"]
            findings = findings.filter(opcc_rag="" if opcc_rag == NOT_RATED else opcc_rag)
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
            findings = findings.unowned()
        findings = _date_range(findings, "due_on", data, "due")
        if data.get("closed_from") or data.get("closed_to"):
            findings = findings.finished_between(
                data.get("closed_from") or date.min, data.get("closed_to") or date.max
            )
        return findings.order_by(*SORTS.get(data.get("sort") or "due", SORTS["due"]))

    def applied_filters(self) -> dict[str, str]:
        """The filters in effect, by name, as plain text (for the audit trail)."""
        if not self.is_valid():
            return {}
        return {
            name: str(getattr(value, "pk", value))
            for name, value in self.cleaned_data.items()
            if value not in (None, "", False)
        }

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
