"""Who may see and do what to a session. Model permissions (from the role groups) say
what kind of thing; these add force scoping and post holding. Views and services both
ask here, so a page never offers what a service would refuse."""

from __future__ import annotations

from accountability.models import Question, Session
from recommendations.models import Force, User


def sees_force(user: User, force_id: int | None) -> bool:
    return user.force_id is None or user.force_id == force_id


def can_view(user: User, session: Session) -> bool:
    return (
        user.is_active
        and user.has_perm("accountability.view_session")
        and sees_force(user, session.force_id)
    )


def can_plan_for(user: User, force: Force) -> bool:
    """OPCC staff of all forces, or of that force, plan its sessions."""
    return (
        user.is_active
        and user.has_perm("accountability.add_session")
        and sees_force(user, force.pk)
    )


def can_manage(user: User, session: Session) -> bool:
    """Edit the session and its agenda, ask questions, issue the agenda, record the meeting."""
    return can_view(user, session) and user.has_perm("accountability.change_session")


def holds(user: User, question: Question) -> bool:
    post = question.to_post
    return post is not None and post.holder_id is not None and post.holder_id == user.pk


def can_answer(user: User, question: Question) -> bool:
    """Only the current holder of the post asked answers, in writing, for that post."""
    return (
        can_view(user, question.item.session)
        and user.has_perm("accountability.add_answer")
        and holds(user, question)
    )
