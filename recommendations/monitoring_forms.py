"""Forms for a force's monitoring record: entry into Engage, its causes, PPOG meetings, exit.

They parse what is typed; the rules that need the force's record (the order of
dates, which meetings exist) are the services' (`recommendations/monitoring.py`).
"""

from __future__ import annotations

from typing import Any

from django import forms

from recommendations.forms import DateField, PlainTextMixin
from recommendations.models import Finding, FindingKind, Force


class CauseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Finding) -> str:
        return f"{obj.reference}: {obj.short_text} ({obj.report.title}; {obj.get_status_display()})"


def _causes_field(force: Force) -> CauseChoiceField:
    return CauseChoiceField(
        queryset=Finding.objects.filter(force=force, kind=FindingKind.CAUSE_OF_CONCERN)
        .select_related("report")
        .order_by("-report__published_on", "reference"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Causes of concern that led to Engage",
        help_text=(
            "As listed in HMICFRS's letter. Only this force's causes of concern recorded in "
            "Oversight are offered; others can be linked once their report is brought in."
        ),
    )


class EngageEntryForm(PlainTextMixin, forms.Form):
    started_on = DateField(
        label="Date of the move into Engage", help_text="As in HMICFRS's letter."
    )
    first_ppog_on = DateField(
        label="First PPOG meeting",
        required=False,
        help_text="If a date is known. Later meetings are recorded after each one.",
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Notes (optional)"
    )

    def __init__(self, *args: Any, force: Force, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["causes"] = _causes_field(force)
        self.order_fields(["started_on", "causes", "first_ppog_on", "notes"])


class EngageCausesForm(forms.Form):
    def __init__(self, *args: Any, force: Force, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["causes"] = _causes_field(force)


class PpogMeetingForm(PlainTextMixin, forms.Form):
    meets_on = DateField(label="Date of the meeting")
    outcome = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Outcome",
        help_text=(
            "What the PPOG decided or asked of the force. Leave empty for a meeting still to "
            "come, to plan it."
        ),
    )
    next_meets_on = DateField(label="Date of the next meeting", required=False)


class EngageExitForm(forms.Form):
    ended_on = DateField(
        label="Date the force left Engage", help_text="As in HMICFRS's letter. It returns to Scan."
    )
    decided_by_hmicfrs = forms.BooleanField(
        label="HMICFRS has decided that the force leaves Engage",
        error_messages={
            "required": "Confirm that HMICFRS has decided this: only HMICFRS moves a force out "
            "of Engage."
        },
    )
