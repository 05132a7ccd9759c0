from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class MayRead(BasePermission):
    """Signed in (session or token) and holding the permission the matching pages ask
    for: a person who loses every role loses the API with them, token or not."""

    message = "Your roles do not let you read this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        permission = getattr(view, "required_permission", "recommendations.view_finding")
        return bool(user and user.is_authenticated and user.has_perm(permission))
