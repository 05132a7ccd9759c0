"""Which permissions each role's group holds. A migration applies this table.

Deny by default: a user with no group can sign in and see nothing. Object-level
rules (force scoping, ownership) are in `permissions.py`. A codename without an
app label belongs to the recommendations app.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from recommendations.models import Role

DOMAIN_MODELS = (
    "force",
    "monitoringperiod",
    "ppogmeeting",
    "framework",
    "assessmentarea",
    "report",
    "gradedjudgment",
    "theme",
    "finding",
    "duedaterevision",
    "action",
    "progressupdate",
    "evidence",
    "assurancedecision",
    "post",
    "postholding",
)

_VIEW_ALL = {f"view_{model}" for model in DOMAIN_MODELS} | {
    # What the PCC publishes (the publishing app): everyone who reads findings reads
    # the s.55 responses of the forces they see.
    "publishing.view_s55response",
    "publishing.view_recommendationresponse",
    "publishing.view_responsedocument",
    # Performance and accountability sessions (the accountability app): everyone who reads
    # findings reads the sessions of the forces they see.
    "accountability.view_session",
    "accountability.view_agendaitem",
    "accountability.view_question",
    "accountability.view_answer",
    "accountability.view_itemrecord",
    "accountability.view_sessionaction",
}
# OPCC staff draft the PCC's responses and publish the public page; only the PCC
# approves a response (the PCC group below).
_OPCC_PUBLISHING = {
    "publishing.add_s55response",
    "publishing.change_s55response",
    "publishing.change_recommendationresponse",
    "publishing.add_responsedocument",
    "publishing.supply_comments_s55response",
    "publishing.view_publicsummary",
    "publishing.change_publicsummary",
    "publishing.view_publicrelease",
    "publishing.publish_publicrelease",
}
# OPCC staff plan sessions, set their agendas and questions, and record the meeting.
_OPCC_SESSIONS = {
    "accountability.add_session",
    "accountability.change_session",
    "accountability.add_agendaitem",
    "accountability.change_agendaitem",
    "accountability.delete_agendaitem",
    "accountability.add_question",
    "accountability.add_itemrecord",
    "accountability.change_itemrecord",
    "accountability.add_sessionaction",
}

ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.VIEWER: _VIEW_ALL,
    Role.FORCE_LEAD: _VIEW_ALL
    | {
        "report_progress",
        "add_progressupdate",
        "add_evidence",
        "change_action",
        # The chief constable's comments on a report come through the force.
        "publishing.supply_comments_s55response",
        # Written answers to a session's questions, for the posts they hold (accountability).
        "accountability.add_answer",
        "accountability.change_answer",
    },
    Role.OPCC_STAFF: _VIEW_ALL
    | {f"add_{model}" for model in DOMAIN_MODELS if model != "force"}
    | {f"change_{model}" for model in DOMAIN_MODELS if model != "force"}
    | {
        "delete_gradedjudgment",
        "delete_action",
        "delete_theme",
        "delete_ppogmeeting",
        "report_progress",
        "assure_finding",
        "close_finding",
        "view_user",
        "reminders.view_delivery",
        "reminders.view_reminderschedule",
        "reminders.change_reminderschedule",
        "reminders.add_reminderschedule",
        # The team address, like the schedule, only by staff across all forces (its view).
        "reminders.view_teamaddress",
        "reminders.change_teamaddress",
        "reminders.add_teamaddress",
        # Used only by OPCC staff who work across all forces (accounts/people.py).
        "accounts.manage_people",
    }
    | _OPCC_PUBLISHING
    | _OPCC_SESSIONS,
}
# Groups held beside a role, adding permissions to it. The PCC (or whoever the PCC
# delegates to) holds OPCC staff's role and this group, which approves s.55 responses.
PCC_GROUP = "PCC"
ADDITIONAL_GROUPS: dict[str, set[str]] = {PCC_GROUP: {"publishing.approve_s55response"}}
# Administrators hold every permission of these apps, user management included.
ADMINISTRATOR_APPS = (
    "recommendations",
    "reminders",
    "auth",
    "audit",
    "accounts",
    "otp_totp",
    "publishing",
    "accountability",
)


def sync_role_groups(apps: Any) -> None:
    """Create or reset the four role groups.

    `apps` is a migration's app registry or the real one.
    """
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrations run; a fresh database
    # needs them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        # Migration app registries hold stubs without models_module, which
        # create_permissions reads only to skip apps that have no models.
        if getattr(app_config, "models_module", None) is None:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = {role.value: codenames for role, codenames in ROLE_PERMISSIONS.items()}
    for name, codenames in (groups | ADDITIONAL_GROUPS).items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Q()
        for name in codenames:
            app_label, _, codename = name.rpartition(".")
            wanted |= Q(content_type__app_label=app_label or "recommendations", codename=codename)
        group.permissions.set(Permission.objects.filter(wanted))
    administrators, _ = Group.objects.get_or_create(name=Role.ADMINISTRATOR.value)
    administrators.permissions.set(
        Permission.objects.filter(content_type__app_label__in=ADMINISTRATOR_APPS)
    )
