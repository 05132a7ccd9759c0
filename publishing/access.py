"""Who may see and do what to a response. Model permissions (from the role groups) say
what kind of thing; these add force scoping. Views and services both ask here."""

from __future__ import annotations

from publishing.models import S55Response
from recommendations.models import Force, Report, User


def sees_force(user: User, force_id: int | None) -> bool:
    return user.force_id is None or user.force_id == force_id


def can_view(user: User, response: S55Response) -> bool:
    return (
        user.is_active
        and user.has_perm("publishing.view_s55response")
        and sees_force(user, response.force_id)
    )


def can_draft(user: User, response: S55Response) -> bool:
    """OPCC staff of the response's force, or of all forces, draft it and move its stages."""
    return can_view(user, response) and user.has_perm("publishing.change_s55response")


def can_start(user: User, report: Report, force: Force) -> bool:
    return (
        user.has_perm("publishing.add_s55response")
        and sees_force(user, force.pk)
        and report.force_id in (None, force.pk)
    )


def can_approve(user: User, response: S55Response) -> bool:
    return can_draft(user, response) and user.has_perm("publishing.approve_s55response")


def can_supply_comments(user: User, response: S55Response) -> bool:
    """Force leads bring the chief constable's comments; OPCC staff may record them too."""
    return can_view(user, response) and user.has_perm("publishing.supply_comments_s55response")


def can_publish_page_of(user: User, force: Force) -> bool:
    return (
        user.is_active
        and user.has_perm("publishing.publish_publicrelease")
        and user.has_perm("publishing.change_publicsummary")
        and sees_force(user, force.pk)
    )
