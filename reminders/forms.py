from typing import Any

from django import forms

from reminders.models import ReminderKind, ReminderPreference, ReminderSchedule, TeamAddress


class PreferenceForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        choices=ReminderKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Remind me about",
    )

    class Meta:
        model = ReminderPreference
        fields = ["digest_enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        muted = set(self.instance.muted_kinds or [])
        self.fields["kinds"].initial = [k for k in ReminderKind.values if k not in muted]

    def save(self, commit: bool = True) -> ReminderPreference:
        chosen = set(self.cleaned_data["kinds"])
        self.instance.muted_kinds = [k for k in ReminderKind.values if k not in chosen]
        return super().save(commit=commit)


class ScheduleForm(forms.ModelForm):
    """The reminder schedule, for OPCC staff. `seen` is when the schedule was last
    changed as the person saw it, so a change made meanwhile is never overwritten."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ReminderSchedule
        fields = [
            "before_days",
            "overdue_every_days",
            "escalate_after_days",
            "s55_before_days",
            "ppog_before_days",
            "assurance_backlog_days",
        ]
        labels = {
            "before_days": "Deadline reminders, days before",
            "overdue_every_days": "Overdue reminders, every (days)",
            "escalate_after_days": "Escalate overdue items after (days)",
            "s55_before_days": "PCC s.55 response reminders, days before its last day",
            "ppog_before_days": "PPOG meeting reminders, days before",
            "assurance_backlog_days": "Remind OPCC staff of completion claims waiting (days)",
        }
        help_texts = {
            "before_days": "Whole numbers separated by commas. "
            "The owner is also reminded on the day.",
            "overdue_every_days": "While an item is overdue, its owner is reminded this often.",
            "escalate_after_days": "From this many days overdue the OPCC lead and the "
            "Chief Constable's office are told too.",
            "s55_before_days": "0 means on the last day itself.",
            "ppog_before_days": "While the force is in Engage.",
            "assurance_backlog_days": "A claim of completion not yet assured or challenged "
            "after this many days is listed in OPCC staff's digest.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The standard value comes from the schedule's defaults (Policy), never a copy.
        for name in self.Meta.fields:
            standard = ReminderSchedule._meta.get_field(name).get_default()
            field = self.fields[name]
            field.help_text = f"{field.help_text} Standard: {standard}.".strip()


class TeamAddressForm(forms.ModelForm):
    """The OPCC team address. `seen` is when it was last changed as the person saw it, so
    a change made meanwhile is never overwritten."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = TeamAddress
        fields = ["address"]
