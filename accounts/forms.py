"""Forms for managing people and accepting an invitation. They parse input; the rules
(who may give which role, the last administrator …) are in people.py and invitations.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from accounts.people import FORCE_LEAD_NEEDS_FORCE, NO_ROLE, grantable_roles, roles_of
from recommendations import plaintext
from recommendations.forms import PlainTextMixin
from recommendations.models import Force, Role, User

ROLE_HELP = {
    Role.OPCC_STAFF: "Records reports and findings, assures, challenges and closes them; "
    "across all forces, also manages people.",
    Role.FORCE_LEAD: "Posts progress and evidence on the findings they own, and reports "
    "them complete.",
    Role.VIEWER: "Reads everything in their scope, changes nothing (the Chief Constable's office).",
    Role.ADMINISTRATOR: "Everything, including the Django administration pages.",
}


def _role_choices(roles: list[Role]) -> list[tuple[str, str]]:
    return [(role.value, f"{role.value}: {ROLE_HELP[role]}") for role in roles]


def _force_field(**kwargs: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Force.objects.order_by("name"),
        required=False,
        empty_label="All forces",
        label="Force",
        help_text="The force they work on; they then see nothing of any other. "
        "“All forces” for most OPCC staff.",
        **kwargs,
    )


class InviteForm(PlainTextMixin, forms.Form):
    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")
    email = forms.EmailField(
        label="Email address",
        help_text="The invitation goes here, and later their reminders.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(widget=forms.RadioSelect, label="Role")
    force = _force_field()

    def __init__(self, *args: Any, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(grantable_roles(by))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role") == Role.FORCE_LEAD and not data.get("force"):
            self.add_error("force", FORCE_LEAD_NEEDS_FORCE)
        return data


class AccessForm(forms.Form):
    roles = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label="Roles",
        error_messages={"required": NO_ROLE},
    )
    force = _force_field()

    def __init__(self, *args: Any, by: User, person: User, **kwargs: Any) -> None:
        current = roles_of(person)
        kwargs.setdefault(
            "initial", {"roles": [r.value for r in current], "force": person.force_id}
        )
        super().__init__(*args, **kwargs)
        offered = grantable_roles(by)
        self.fields["roles"].choices = _role_choices(
            [r for r in Role if r in offered or r in current]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if Role.FORCE_LEAD in data.get("roles", ()) and not data.get("force"):
            self.add_error("force", FORCE_LEAD_NEEDS_FORCE)
        return data

    @property
    def chosen_roles(self) -> set[Role]:
        return {Role(value) for value in self.cleaned_data["roles"]}


class AcceptForm(forms.Form):
    """The invitee's own choices. Passwords are taken exactly as typed (no clean-up)."""

    first_name = forms.CharField(max_length=150, label="First name")
    last_name = forms.CharField(max_length=150, label="Last name")
    username = forms.CharField(
        max_length=150,
        label="Username",
        validators=[User.username_validator],
        help_text="You sign in with this. Letters, digits and @ . + - _ only; "
        "your email address is a good choice.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 12 characters, and not a common password. A few unrelated "
        "words make a good one.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_first_name(self) -> str:
        return plaintext.single_line(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return plaintext.single_line(self.cleaned_data["last_name"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password_again") != data["password"]:
            self.add_error("password_again", "The two passwords are not the same.")
        return data


STATUS_CHOICES = [("active", "Active"), ("deactivated", "Deactivated"), ("all", "Everyone")]
ALL_FORCES = "all"


class PeopleFilterForm(PlainTextMixin, forms.Form):
    q = forms.CharField(required=False, label="Name, username or email")
    role = forms.ChoiceField(
        required=False, choices=[("", "Any role"), *((r.value, r.value) for r in Role)]
    )
    force = forms.ChoiceField(required=False, label="Force")
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES, label="Status")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        forces = [(str(pk), name) for pk, name in Force.objects.values_list("pk", "name")]
        self.fields["force"].choices = [("", "Any"), (ALL_FORCES, "All forces"), *forces]

    def _data(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_valid() else {}

    def people(self, people: QuerySet[User]) -> QuerySet[User]:
        data = self._data()
        if q := data.get("q"):
            people = people.filter(
                Q(username__icontains=q)
                | Q(email__icontains=q)
                | Q(first_name__icontains=q)
                | Q(last_name__icontains=q)
            )
        if data.get("role"):
            people = people.filter(groups__name=data["role"])
        people = self._by_force(people, data.get("force"))
        status = data.get("status") or "active"
        if status != "all":
            people = people.filter(is_active=status == "active")
        return people

    def invitations(self, invitations: QuerySet[Any]) -> QuerySet[Any]:
        """Open invitations, filtered alike (they have no status: they are waiting)."""
        data = self._data()
        if q := data.get("q"):
            invitations = invitations.filter(
                Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
            )
        if data.get("role"):
            invitations = invitations.filter(role=data["role"])
        if data.get("status") == "deactivated":
            return invitations.none()
        return self._by_force(invitations, data.get("force"))

    @staticmethod
    def _by_force(rows: QuerySet[Any], force: str | None) -> QuerySet[Any]:
        if force == ALL_FORCES:
            return rows.filter(force__isnull=True)
        if force:
            return rows.filter(force_id=int(force))
        return rows
