from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat


def _permission_names(user_ref: Any) -> QuerySet[Permission]:
    """'app_label.codename' of every permission a user holds, their own and their roles'."""
    return (
        Permission.objects.filter(Q(user=user_ref) | Q(group__user=user_ref))
        .annotate(name_with_app=Concat("content_type__app_label", Value("."), "codename"))
        .values_list("name_with_app", flat=True)
    )


class ModelBackendOneQuery(ModelBackend):
    """Django's ModelBackend, with fewer queries on every page.

    On PostgreSQL the signed-in person is loaded with their force, their
    permissions and their role names in one query (array subqueries) instead of
    four: every page checks permissions and shows the roles in its menu. On other
    databases (the embedded SQLite run) the person is loaded with their force, and
    permissions in one query of their own.
    """

    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()._default_manager.select_related("force")
        annotated = connection.vendor == "postgresql"
        if annotated:
            from django.contrib.postgres.expressions import ArraySubquery
            from django.db.models import OuterRef

            users = users.annotate(
                permission_names=ArraySubquery(_permission_names(OuterRef("pk"))),
                group_names=ArraySubquery(
                    Group.objects.filter(user=OuterRef("pk")).values_list("name", flat=True)
                ),
            )
        user = users.filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        if annotated:
            # Superusers hold every permission, assigned or not: left to get_all_permissions.
            if not user.is_superuser:
                user._perm_cache = set(user.permission_names)
            user.__dict__["role_names"] = sorted(user.group_names)
        return user

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                ).distinct()
            }
        return user_obj._perm_cache
