"""django-simple-history's change reason, kept within its column for every model."""

from __future__ import annotations

from typing import Any

from simple_history.signals import pre_create_historical_record


def fit_change_reason(reason: str | None, limit: int) -> str | None:
    """The reason as it fits the column: whole if it does, else cut with an ellipsis.

    Reasons quote what people typed (a challenge, a due date's revision), which can be
    any length; the column holds 100 characters, and PostgreSQL refuses longer values.
    The full text stays on the decision or revision itself.
    """
    if reason is None or len(reason) <= limit:
        return reason
    return reason[: limit - 1].rstrip() + "…"


def _shorten(sender: type, history_instance: Any, **kwargs: Any) -> None:
    field = type(history_instance)._meta.get_field("history_change_reason")
    history_instance.history_change_reason = fit_change_reason(
        history_instance.history_change_reason, field.max_length
    )


def connect() -> None:
    pre_create_historical_record.connect(_shorten, dispatch_uid="oversight-fit-change-reason")
