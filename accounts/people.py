"""People's access, managed in the app (issue 16 item 1): roles, force, signing in at all.

The rules, in one place for the views and the services:

- Managing people needs `accounts.manage_people` (OPCC staff and administrators hold it)
  and no force scope: who may see which force is decided centrally by the OPCC, so staff
  scoped to one force may not invite or change anyone.
- Nobody changes their own access here: nobody locks themselves out by mistake.
- Only administrators grant the Administrator role or change an administrator's access.
- Some active administrator, and some active OPCC staff member working across all
  forces, always remain: the last of either cannot be deactivated, demoted or scoped.
- A force lead works for one force, so has one.
- People are deactivated, never deleted (the trail and the history name them).
  Deactivation ends their sessions and cancels reminders not yet sent; reminder scans
  and the calendar feed already pass over inactive people.
- Every change is recorded in the audit trail and told to the person by email.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts import emails
from accounts.services import send_quietly
from audit.services import Event, record
from recommendations.models import Force, Role, User

if TYPE_CHECKING:
    from recommendations.models import Post

# The roles OPCC staff may give; administrators may also give Administrator.
MANAGEABLE_ROLES = (Role.OPCC_STAFF, Role.FORCE_LEAD, Role.VIEWER)

NO_ROLE = "Choose at least one role. To stop someone signing in, deactivate them instead."
FORCE_LEAD_NEEDS_FORCE = "A force lead works for one force: choose it."
LAST_ADMINISTRATOR = (
    "{name} is the last active administrator. Make someone else an administrator first."
)
LAST_OPCC = (
    "{name} is the last active OPCC staff member who works across all forces: the OPCC's "
    "reminders go to them and they manage people. Invite or appoint someone else first."
)
ONLY_ADMINISTRATORS = "Only an administrator can change an administrator's access."
NOT_YOURSELF = "You cannot change your own access. Ask a colleague who manages people."
# What the person is told after each kind of change.
AFTER_CHANGE = "You were signed out everywhere, so the change applies from your next sign-in."
AFTER_DEACTIVATION = (
    "You can no longer sign in, and you will receive no more reminders. "
    "Your calendar address no longer works."
)
AFTER_REACTIVATION = "You can sign in again with your username and password."


def is_administrator(user: User) -> bool:
    return user.is_superuser or Role.ADMINISTRATOR.value in user.role_names


def can_manage_people(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.force_id is None
        and user.has_perm("accounts.manage_people")
    )


def grantable_roles(by: User) -> list[Role]:
    if is_administrator(by):
        return [*MANAGEABLE_ROLES, Role.ADMINISTRATOR]
    return list(MANAGEABLE_ROLES)


def why_not_manageable(by: User, person: User) -> str | None:
    """Why `by` may not change this person's access, or None if they may."""
    if not can_manage_people(by):
        return "You do not manage people."
    if by.pk == person.pk:
        return NOT_YOURSELF
    if is_administrator(person) and not is_administrator(by):
        return ONLY_ADMINISTRATORS
    return None


def can_manage_person(by: User, person: User) -> bool:
    return why_not_manageable(by, person) is None


def roles_of(person: User) -> set[Role]:
    return {Role(name) for name in person.role_names if name in Role.values}


def scope_errors(roles: Collection[Role], force: Force | None) -> dict[str, str]:
    """What is wrong with this combination of roles and force, by form field."""
    errors = {}
    if not roles:
        errors["roles"] = NO_ROLE
    if Role.FORCE_LEAD in roles and force is None:
        errors["force"] = FORCE_LEAD_NEEDS_FORCE
    return errors


def role_list(roles: Collection[Role]) -> str:
    return ", ".join(r.value for r in Role if r in roles) or "no role"


def scope_name(force: Force | None) -> str:
    return str(force) if force is not None else "all forces"


def posts_held(person: User) -> list[Post]:
    from recommendations.models import Post

    return list(Post.objects.filter(holder=person).select_related("force").order_by("title"))


def open_findings_involving(person: User) -> int:
    from recommendations.models import Finding

    return Finding.objects.open().involving(person).count()


# ---------------------------------------------------------------- writes


def _lock_roles() -> None:
    """Serialise every change of access on the role groups' rows, so two people changing
    two administrators at once cannot both pass the last-administrator check. (SQLite
    takes its write lock when the transaction begins.)"""
    list(Group.objects.select_for_update().filter(name__in=Role.values).order_by("pk"))


def _fresh(user: User) -> User:
    """The person as the database has them now, inside the lock (roles included)."""
    return User.objects.select_related("force").prefetch_related("groups").get(pk=user.pk)


def _require_may_manage(by: User, person: User) -> None:
    reason = why_not_manageable(by, person)
    if reason is not None:
        raise PermissionDenied(reason)


def _administrators_besides(person: User) -> bool:
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.ADMINISTRATOR.value))
        .exclude(pk=person.pk)
        .exists()
    )


def _opcc_across_forces_besides(person: User) -> bool:
    return (
        User.objects.filter(is_active=True, force__isnull=True, groups__name=Role.OPCC_STAFF.value)
        .exclude(pk=person.pk)
        .exists()
    )


def _keeps_someone_in_charge(
    person: User, *, roles: Collection[Role], force: Force | None, active: bool
) -> None:
    name = str(person)
    admin_before = person.is_active and is_administrator(person)
    admin_after = active and (person.is_superuser or Role.ADMINISTRATOR in roles)
    if admin_before and not admin_after and not _administrators_besides(person):
        raise ValidationError(LAST_ADMINISTRATOR.format(name=name), code="last_administrator")
    opcc_before = (
        person.is_active and person.force_id is None and Role.OPCC_STAFF in roles_of(person)
    )
    opcc_after = active and force is None and Role.OPCC_STAFF in roles
    if opcc_before and not opcc_after and not _opcc_across_forces_besides(person):
        raise ValidationError(LAST_OPCC.format(name=name), code="last_opcc")


def sessions_end(person: User) -> int:
    """End every session the person has, wherever they signed in.

    Inactive people are refused on their next request anyway (the sign-in backend
    loads only active people); this removes the sessions themselves, which a change of
    role or force needs too: the two-factor requirement is read once per sign-in.
    Database-backed sessions only; there are a few hundred live ones at most.
    """
    if not settings.SESSION_ENGINE.endswith((".db", ".cached_db")):
        return 0
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(person.pk):
            store(session.session_key).delete()
            ended += 1
    return ended


def reminders_stop(person: User) -> None:
    """Reminders waiting for a digest, and digests not yet sent, go nowhere now."""
    from reminders.models import DeliveryStatus, Digest, Reminder

    Reminder.objects.filter(recipient=person, digest__isnull=True, cancelled=False).update(
        cancelled=True
    )
    Digest.objects.filter(recipient=person, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, last_error="The recipient was deactivated."
    )


def _tell(person: User, *, changes: list[str], by: User, at: datetime, after: str) -> None:
    if not person.email:
        return
    message = emails.access_changed(person, changes=changes, by=by, at=at, after=after)
    # Sent once the change is committed; a mail server failure must not undo it.
    transaction.on_commit(lambda: send_quietly(message, what="access changed"))


def person_access_change(
    *,
    person: User,
    by: User,
    roles: Collection[Role],
    force: Force | None,
    now: datetime,
    request: HttpRequest | None = None,
) -> list[str]:
    """Give the person these roles and this force scope. Returns what changed, in words
    (nothing if nothing did). Raises PermissionDenied or ValidationError, changing nothing."""
    roles = set(roles)
    if errors := scope_errors(roles, force):
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_roles()
        by, person = _fresh(by), _fresh(person)
        _require_may_manage(by, person)
        before = roles_of(person)
        if Role.ADMINISTRATOR in roles ^ before and not is_administrator(by):
            raise PermissionDenied(ONLY_ADMINISTRATORS)
        changes = []
        if roles != before:
            changes.append(
                f"Your roles are now {role_list(roles)} (they were {role_list(before)})."
            )
        if force != person.force:
            changes.append(
                f"You now work on {scope_name(force)} (before: {scope_name(person.force)})."
            )
        if not changes:
            return []
        _keeps_someone_in_charge(person, roles=roles, force=force, active=person.is_active)
        groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
        person.groups.remove(*(groups[r.value] for r in before - roles))
        person.groups.add(*(groups[r.value] for r in roles - before))
        detail = {
            "person": person.get_username(),
            "roles": {
                "before": sorted(r.value for r in before),
                "after": sorted(r.value for r in roles),
            },
            "force": {"before": _force_label(person.force), "after": _force_label(force)},
        }
        person.force = force
        # The Administrator role is what opens the Django admin; superusers keep it.
        person.is_staff = person.is_superuser or Role.ADMINISTRATOR in roles
        person.save(update_fields=["force", "is_staff"])
        detail["sessions_ended"] = sessions_end(person)
        record(Event.ACCESS_CHANGED, request=request, user=by, obj=person, detail=detail)
        _tell(person, changes=changes, by=by, at=now, after=AFTER_CHANGE)
    return changes


def _force_label(force: Force | None) -> str | None:
    return force.name if force is not None else None


def person_deactivate(
    *, person: User, by: User, now: datetime, request: HttpRequest | None = None
) -> bool:
    """Stop the person signing in, at once. False if they already could not."""
    with transaction.atomic():
        _lock_roles()
        by, person = _fresh(by), _fresh(person)
        _require_may_manage(by, person)
        if not person.is_active:
            return False
        _keeps_someone_in_charge(person, roles=roles_of(person), force=person.force, active=False)
        person.is_active = False
        person.save(update_fields=["is_active"])
        ended = sessions_end(person)
        reminders_stop(person)
        record(
            Event.PERSON_DEACTIVATED,
            request=request,
            user=by,
            obj=person,
            detail={
                "person": person.get_username(),
                "sessions_ended": ended,
                "posts_held": [post.title for post in posts_held(person)],
            },
        )
        _tell(
            person,
            changes=["Your account was deactivated."],
            by=by,
            at=now,
            after=AFTER_DEACTIVATION,
        )
    return True


def person_reactivate(
    *, person: User, by: User, now: datetime, request: HttpRequest | None = None
) -> bool:
    """Let a deactivated person sign in again, with the roles and force they had."""
    with transaction.atomic():
        _lock_roles()
        by, person = _fresh(by), _fresh(person)
        _require_may_manage(by, person)
        if person.is_active:
            return False
        person.is_active = True
        person.save(update_fields=["is_active"])
        record(
            Event.PERSON_REACTIVATED,
            request=request,
            user=by,
            obj=person,
            detail={"person": person.get_username()},
        )
        _tell(
            person,
            changes=[
                f"Your account was reactivated, as {role_list(roles_of(person))} "
                f"for {scope_name(person.force)}."
            ],
            by=by,
            at=now,
            after=AFTER_REACTIVATION,
        )
    return True
