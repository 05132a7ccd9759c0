"""Forms for an inspection framework: its name, kind and grade scale, and its areas in order.

The areas are a formset of rows; `area_rows()` turns the valid rows into what the
service takes (`recommendations.frameworks.AreaRow`), in the order the rows give.
"""

from __future__ import annotations

from typing import Any

from django import forms

from recommendations.forms import PlainTextMixin
from recommendations.frameworks import AreaRow
from recommendations.models import AssessmentArea, Framework, Grade

_CONTROL = {"class": "form-control form-control-sm"}
_CHECK = {"class": "form-check-input"}
NEW_AREA_ROWS = 10
MORE_AREA_ROWS = 3


class FrameworkForm(PlainTextMixin, forms.ModelForm):
    grades = forms.MultipleChoiceField(
        choices=Grade.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Grade scale",
        help_text=(
            "The grades its judgments may take: HMICFRS's five points unless you untick some. "
            "PEEL before 2021 graded on four, without Adequate."
        ),
    )

    class Meta:
        model = Framework
        fields = ["name", "report_kind", "grades"]
        labels = {"report_kind": "Kind of report it grades"}
        help_texts = {"name": "With its cycle, for example “PEEL 2025–27”."}


class AreaForm(PlainTextMixin, forms.Form):
    area_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        max_length=200, required=False, label="Area", widget=forms.TextInput(attrs=_CONTROL)
    )
    # Most areas are graded: a new row starts ticked.
    is_graded = forms.BooleanField(
        required=False, initial=True, label="Graded", widget=forms.CheckboxInput(attrs=_CHECK)
    )
    order = forms.IntegerField(
        min_value=1,
        max_value=999,
        required=False,
        label="Order",
        widget=forms.NumberInput(attrs=_CONTROL),
    )
    remove = forms.BooleanField(
        required=False, label="Remove", widget=forms.CheckboxInput(attrs=_CHECK)
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("area_id") and not data.get("name") and not data.get("remove"):
            self.add_error("name", "Give the area a name, or tick Remove.")
        return data


class BaseAreaFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, framework: Framework, **kwargs: Any) -> None:
        self.framework = framework
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        ids = {form.cleaned_data.get("area_id") for form in self.forms} - {None}
        known = self.framework.areas.values_list("pk", flat=True) if self.framework.pk else []
        if ids - set(known):
            raise forms.ValidationError("An area on this page no longer exists: reload the page.")
        self.areas = AssessmentArea.objects.in_bulk(ids)

    def area_rows(self) -> list[AreaRow]:
        """The rows kept (named, not removed), by their order, then as listed."""
        rows = []
        for index, form in enumerate(self.forms):
            data = form.cleaned_data
            if not data.get("name") or data.get("remove"):
                continue
            row = AreaRow(
                name=data["name"],
                is_graded=data.get("is_graded", False),
                area=self.areas.get(data["area_id"]) if data.get("area_id") else None,
            )
            rows.append((data.get("order") or 1000 + index, index, row))
        return [row for *_key, row in sorted(rows, key=lambda r: (r[0], r[1]))]


def area_formset(data: Any, framework: Framework) -> BaseAreaFormSet:
    """The framework's areas in order, then blank rows for new ones."""
    areas = framework.areas.order_by("position", "pk") if framework.pk else []
    initial = [
        {"area_id": a.pk, "name": a.name, "is_graded": a.is_graded, "order": n}
        for n, a in enumerate(areas, start=1)
    ]
    formset_class = forms.formset_factory(
        AreaForm,
        formset=BaseAreaFormSet,
        extra=MORE_AREA_ROWS if initial else NEW_AREA_ROWS,
        max_num=200,
        validate_max=True,
    )
    return formset_class(data, initial=initial, prefix="areas", framework=framework)
