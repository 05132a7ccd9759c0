"""The API's filters are the pages' own forms, so a filter means the same in both:
`?overdue=on&force=3` lists the findings the findings list shows for it. An invalid
filter is refused (400) rather than ignored, so a script never takes more than it
asked for."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from accountability.models import Session, SessionKind, SessionStatus
from recommendations.models import Action, ActionStatus, Finding, Force, User


class ActionFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("open", "Open (not finished)"), *ActionStatus.choices],
        required=False,
    )
    finding = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    due_from = forms.DateField(required=False)
    due_to = forms.DateField(required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def filter(self, actions: QuerySet[Action]) -> QuerySet[Action]:
        data = self.cleaned_data
        if data.get("status") == "open":
            actions = actions.open()
        elif data.get("status"):
            actions = actions.filter(status=data["status"])
        if data.get("finding"):
            actions = actions.filter(finding_id=data["finding"])
        if data.get("due_from"):
            actions = actions.filter(due_on__gte=data["due_from"])
        if data.get("due_to"):
            actions = actions.filter(due_on__lte=data["due_to"])
        return actions


class SessionFilterForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.none(), required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *SessionStatus.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *SessionKind.choices], required=False)
    held_from = forms.DateField(required=False, label="Held on or after")
    held_to = forms.DateField(required=False, label="Held on or before")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        forces = Force.objects.all()
        if user.force_id is not None:
            forces = forces.filter(pk=user.force_id)
        self.fields["force"].queryset = forces

    def filter(self, sessions: QuerySet[Session]) -> QuerySet[Session]:
        data = self.cleaned_data
        if data.get("force"):
            sessions = sessions.filter(force=data["force"])
        if data.get("status"):
            sessions = sessions.filter(status=data["status"])
        if data.get("kind"):
            sessions = sessions.filter(kind=data["kind"])
        if data.get("held_from"):
            sessions = sessions.filter(held_on__gte=data["held_from"])
        if data.get("held_to"):
            sessions = sessions.filter(held_on__lte=data["held_to"])
        return sessions


def valid_form(form_class: type[forms.Form], query: Any, user: User) -> forms.Form:
    form = form_class(query or None, user=user)
    if form.is_bound and not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form


def _openapi_type(field: forms.Field) -> Any:
    if isinstance(field, forms.DateField):
        return OpenApiTypes.DATE
    if isinstance(field, forms.BooleanField):
        return OpenApiTypes.BOOL
    if isinstance(field, forms.IntegerField | forms.ModelChoiceField | forms.TypedChoiceField):
        return OpenApiTypes.INT
    return OpenApiTypes.STR


def form_parameters(form_class: type[forms.Form]) -> list[OpenApiParameter]:
    """The form's fields as the OpenAPI description's query parameters."""
    parameters = []
    for name, field in form_class.base_fields.items():
        choices = getattr(field, "choices", None)
        enum = None
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.TypedChoiceField):
            enum = [str(value) for value, _label in choices if value != ""]
        parameters.append(
            OpenApiParameter(
                name,
                _openapi_type(field),
                OpenApiParameter.QUERY,
                required=False,
                description=str(field.label or name.replace("_", " ").capitalize()),
                enum=enum,
            )
        )
    return parameters


__all__ = ["ActionFilterForm", "Finding", "SessionFilterForm", "form_parameters", "valid_form"]
