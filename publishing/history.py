"""Every saved version of a response, read back from its history rows, so the OPCC can
see who changed which part of the statement and when without the Django admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.text import capfirst

from publishing.models import NARRATIVE_FIELDS, RecommendationResponse, S55Response, Stage

_RESPONSE_FIELDS = (*NARRATIVE_FIELDS, "not_applicable_reason")
_ANSWER_FIELDS = ("steps", "no_action_reason")


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Version:
    at: datetime
    by: str
    changes: tuple[Change, ...]
    number: int | None = None  # the response's own version counter, for the narrative
    reference: str = ""  # the recommendation, for an answer's change


def _who(record: Any) -> str:
    user = record.history_user
    if user is None:
        return "Oversight"
    return user.get_full_name() or user.get_username()


def _label(model: type, name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _changes(model: type, names: tuple[str, ...], previous: Any, record: Any) -> list[Change]:
    return [
        Change(_label(model, name), getattr(previous, name, "") or "", getattr(record, name) or "")
        for name in names
        if (getattr(previous, name, "") or "") != (getattr(record, name) or "")
    ]


def response_versions(response: S55Response) -> list[Version]:
    """The statement's versions, newest first: each save that changed its narrative, its
    reason for not applying, or its stage."""
    records = response.history.select_related("history_user").order_by("history_date", "pk")
    versions: list[Version] = []
    previous = None
    for record in records:
        changes = _changes(S55Response, _RESPONSE_FIELDS, previous, record)
        if previous is not None and previous.stage != record.stage:
            before, after = Stage(previous.stage).label, Stage(record.stage).label
            changes.insert(0, Change("Stage", before, after))
        if changes or previous is None:
            versions.append(
                Version(
                    at=record.history_date,
                    by=_who(record),
                    changes=tuple(changes),
                    number=record.version,
                )
            )
        previous = record
    return versions[::-1]


def answer_versions(response: S55Response) -> list[Version]:
    """Every change to a recommendation's response, newest first, each naming its
    recommendation."""
    references = dict(response.recommendation_responses.values_list("pk", "finding__reference"))
    records = (
        RecommendationResponse.history.filter(response_id=response.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "pk")
    )
    versions: list[Version] = []
    previous_by_row: dict[int, Any] = {}
    for record in records:
        previous = previous_by_row.get(record.id)
        changes = _changes(RecommendationResponse, _ANSWER_FIELDS, previous, record)
        if changes:
            versions.append(
                Version(
                    at=record.history_date,
                    by=_who(record),
                    changes=tuple(changes),
                    reference=references.get(record.id, "(removed)"),
                )
            )
        previous_by_row[record.id] = record
    return sorted(versions, key=lambda version: version.at, reverse=True)
