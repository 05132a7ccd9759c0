"""Who owns what: posts and their holders, and assigning many findings at once.

A handover moves every finding and action the post owns to the new holder in the
same transaction, so reminders, My work and permissions follow at once; each moved
finding keeps a history entry saying why its owner changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from recommendations import permissions
from recommendations.models import Action, Finding, Post, PostHolding, User

HOLDER_NOT_ELIGIBLE = (
    "{person} cannot hold “{post}”: a force post is held by a force lead or OPCC staff member "
    "of that force (or of all forces); an OPCC post by OPCC staff who can see its force."
)
HANDOVER_BEFORE_START = (
    "The handover cannot be before {person} took the post on {started:%-d %B %Y}."
)
SAME_HOLDER = "{person} already holds this post."
NOTHING_CHOSEN = "Choose at least one finding."
NOTHING_TO_CHANGE = "Choose an owner post or an OPCC lead to assign (or both)."
NOT_ALLOWED = "You may not assign findings of that force."

# Passed for "leave as it is" in a bulk assignment.
UNCHANGED = object()


def _attribute(obj: object, by: User | None, reason: str) -> None:
    obj._history_user = by  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]


@transaction.atomic
def post_hand_over(*, post: Post, holder: User | None, on: date, by: User) -> Post:
    """`holder` takes the post from `on` (None leaves it vacant); everything it owns moves."""
    if not permissions.can_manage_post(by, post):
        raise PermissionDenied(NOT_ALLOWED)
    post = Post.objects.select_for_update().get(pk=post.pk)
    candidates = User.objects.post_holder_candidates(force_id=post.force_id, is_opcc=post.is_opcc)
    if holder is not None and not candidates.filter(pk=holder.pk).exists():
        raise ValidationError({"holder": HOLDER_NOT_ELIGIBLE.format(person=holder, post=post)})
    if holder is not None and holder.pk == post.holder_id:
        raise ValidationError({"holder": SAME_HOLDER.format(person=holder)})
    current = post.holdings.filter(ended_on__isnull=True).first()
    if current is not None:
        if on < current.started_on:
            raise ValidationError(
                {
                    "on": HANDOVER_BEFORE_START.format(
                        person=current.holder, started=current.started_on
                    )
                }
            )
        current.ended_on = on
        current.save(update_fields=["ended_on"])
    if holder is not None:
        PostHolding.objects.create(post=post, holder=holder, started_on=on, recorded_by=by)
    post.holder = holder
    reason = f"{post.title} handed over to {holder or 'nobody (vacant)'}"
    _attribute(post, by, reason)
    post.save()
    for finding in Finding.objects.select_for_update().filter(owner_post=post).order_by("pk"):
        finding.owner = holder
        finding.version += 1
        _attribute(finding, by, reason)
        finding.save()
    for action in Action.objects.select_for_update().filter(owner_post=post).order_by("pk"):
        action.owner = holder
        _attribute(action, by, reason)
        action.save()
    return post


@transaction.atomic
def findings_assign(
    *,
    findings: Sequence[Finding],
    by: User,
    owner_post: Post | object | None = UNCHANGED,
    opcc_lead: User | object | None = UNCHANGED,
) -> list[Finding]:
    """Give many findings the same owner post and/or OPCC lead, all or none.

    Every finding is checked as a single assignment would be (permission, the post of
    its force, a lead who can see it); the first refusal rolls all of them back.
    """
    from recommendations import services

    if not findings:
        raise ValidationError(NOTHING_CHOSEN)
    changes: dict[str, object] = {}
    if owner_post is not UNCHANGED:
        changes["owner_post"] = owner_post
    if opcc_lead is not UNCHANGED:
        changes["opcc_lead"] = opcc_lead
    if not changes:
        raise ValidationError(NOTHING_TO_CHANGE)
    locked = list(
        Finding.objects.select_for_update().filter(pk__in=[f.pk for f in findings]).order_by("pk")
    )
    return [
        services.finding_update(
            finding=finding, expected_version=finding.version, changed_by=by, **changes
        )
        for finding in locked
    ]
