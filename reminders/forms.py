from typing import Any

from django import forms

from reminders.models import ReminderKind, ReminderPreference


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
