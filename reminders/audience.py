"""Who can be told: people, their roles and scopes, and their reminder preferences."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from recommendations.models import Role, User
from reminders.models import ReminderPreference


@dataclass
class Audience:
    """People with their force scope, roles and preferences, loaded once per scan.

    The scan loads everyone who can receive email; the calendar feed loads one
    person (`of`), so both answer "who is told about this item" with the same
    item methods.
    """

    force_of: dict[int, int | None]
    preferences: dict[int, ReminderPreference]
    roles: dict[str, set[int]]
    _offices: dict[int | None, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> Audience:
        """Active people with an email address, the only people a digest can reach."""
        people = User.objects.filter(is_active=True).exclude(email="").values_list("pk", "force_id")
        force_of = dict(people)
        memberships = User.groups.through.objects.filter(
            user_id__in=force_of.keys(),
            group__in=Group.objects.filter(name__in=[r.value for r in Role]),
        ).values_list("user_id", "group__name")
        roles: dict[str, set[int]] = defaultdict(set)
        for user_id, group in memberships:
            roles[group].add(user_id)
        preferences = {
            p.user_id: p for p in ReminderPreference.objects.filter(user_id__in=force_of)
        }
        return cls(force_of=force_of, preferences=preferences, roles=roles)

    @classmethod
    def of(cls, user: User) -> Audience:
        """Just this person, as the calendar feed sees them. Email preferences are
        left out: they choose which emails come, and subscribing is its own choice."""
        roles = {name: {user.pk} for name in user.role_names if name in Role.values}
        return cls(force_of={user.pk: user.force_id}, preferences={}, roles=roles)

    def wants(self, user_id: int | None, kind: str) -> bool:
        if user_id is None or user_id not in self.force_of:
            return False
        preference = self.preferences.get(user_id)
        return preference is None or preference.wants(kind)

    def sees(self, user_id: int | None, force_id: int | None) -> bool:
        """Whether the person may see an item of this force (scoped to it, or to none)."""
        if user_id is None or user_id not in self.force_of:
            return False
        return self.force_of[user_id] is None or self.force_of[user_id] == force_id

    def has_role(self, user_id: int, role: Role) -> bool:
        return user_id in self.roles.get(role.value, ())

    def with_role(self, role: Role, *, force_id: int | None) -> list[int]:
        """People in the role who can see the force (scoped to it, or to no force)."""
        return sorted(
            user_id for user_id in self.roles.get(role.value, ()) if self.sees(user_id, force_id)
        )

    def chief_constables_office(self, force_id: int | None) -> list[int]:
        """Viewers scoped to the force: the Chief Constable's office."""
        if force_id not in self._offices:
            self._offices[force_id] = sorted(
                user_id
                for user_id in self.roles.get(Role.VIEWER.value, ())
                if force_id is not None and self.force_of[user_id] == force_id
            )
        return self._offices[force_id]
