"""Object-level access: who may see and do what to a particular finding.

Model permissions (from the role groups) say what kind of thing a user may do;
these functions add force scoping and ownership. Views and services both ask
here, so a page never offers what a service would refuse.
"""

from __future__ import annotations

from recommendations import workflow
from recommendations.models import Finding, Force, Post, Report, User


def can_see_force_of(user: User, finding: Finding) -> bool:
    return user.force_id is None or user.force_id == finding.force_id


def can_view(user: User, finding: Finding) -> bool:
    return (
        user.is_active
        and user.has_perm("recommendations.view_finding")
        and can_see_force_of(user, finding)
    )


def can_edit(user: User, finding: Finding) -> bool:
    return can_view(user, finding) and user.has_perm("recommendations.change_finding")


def can_report_progress(user: User, finding: Finding) -> bool:
    """OPCC staff on any finding they can see; force leads only on findings they own or act on."""
    if not can_view(user, finding) or not user.has_perm("recommendations.report_progress"):
        return False
    if user.has_perm("recommendations.change_finding"):
        return True
    return finding.is_owned_by(user) or finding.actions.filter(owner=user).exists()


def can_post_update(user: User, finding: Finding) -> bool:
    return finding.is_open and can_report_progress(user, finding)


def can_revise_due_date(user: User, finding: Finding) -> bool:
    return finding.due_date_revisable and can_edit(user, finding)


def works_on_report(user: User, report: Report) -> bool:
    """Whether a report is this person's to change. A national report (no force) concerns
    every force, so only people who work across all forces change it; a force's report,
    people of that force or of all forces. Everyone who sees a report may read it."""
    if report.force_id is None:
        return user.force_id is None
    return user.force_id is None or user.force_id == report.force_id


def can_change_report(user: User, report: Report) -> bool:
    return user.has_perm("recommendations.change_report") and works_on_report(user, report)


def can_add_report(user: User, report: Report) -> bool:
    return user.has_perm("recommendations.add_report") and works_on_report(user, report)


def can_add_finding_to(user: User, report: Report) -> bool:
    return user.has_perm("recommendations.add_finding") and works_on_report(user, report)


def can_apply(user: User, finding: Finding, transition: workflow.Transition) -> bool:
    rule = workflow.RULES[transition]
    if rule.permission == "recommendations.report_progress":
        return can_report_progress(user, finding)
    return can_view(user, finding) and user.has_perm(rule.permission)


def can_manage_post(user: User, post: Post) -> bool:
    """OPCC staff manage posts: those of all forces every post, those scoped to a force its
    posts (an OPCC post across all forces is for staff of all forces only)."""
    if not user.has_perm("recommendations.change_post"):
        return False
    return user.force_id is None or (post.force_id is not None and post.force_id == user.force_id)


def can_manage_frameworks(user: User) -> bool:
    """Frameworks are shared by every force's reports, so, as with national reports, only
    OPCC staff who work across all forces add or change them. Everyone may read them."""
    return (
        user.force_id is None
        and user.has_perm("recommendations.add_framework")
        and user.has_perm("recommendations.change_framework")
    )


def can_see_monitoring_of(user: User, force: Force) -> bool:
    """Who may read a force's Scan and Engage record: anyone with the role to, of that
    force or of all forces."""
    return user.has_perm("recommendations.view_monitoringperiod") and (
        user.force_id is None or user.force_id == force.pk
    )


def can_record_monitoring_of(user: User, force: Force) -> bool:
    """Who records a force's move into Engage, its PPOG meetings and its exit: OPCC staff
    of that force or of all forces (force leads and viewers read only)."""
    return can_see_monitoring_of(user, force) and all(
        user.has_perm(f"recommendations.{permission}")
        for permission in (
            "add_monitoringperiod",
            "change_monitoringperiod",
            "add_ppogmeeting",
            "change_ppogmeeting",
            "delete_ppogmeeting",
        )
    )
