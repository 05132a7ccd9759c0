"""The one definition of when a report's s.55 response is settled, for every reader.

A report's response is **settled** when it has at least one finished response
(published, or not applicable) and none unfinished: a force's report has one
response; a national report has one for each force answering it, and stays
outstanding while any of them is. The dashboard's tracker, the reminders and the
calendar all filter with these, so none reminds of or counts as overdue a response
the others call done.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from publishing.models import FINISHED_STAGES, S55Response
from recommendations.models import Report


def _responses(report_ref: str = "pk") -> QuerySet[S55Response]:
    return S55Response.objects.filter(report=OuterRef(report_ref))


def settled_q(report_ref: str = "pk") -> Q:
    """Reports (or rows whose `report_ref` column is a report's id) whose response is settled."""
    responses = _responses(report_ref)
    return Q(Exists(responses.filter(stage__in=FINISHED_STAGES))) & ~Q(
        Exists(responses.exclude(stage__in=FINISHED_STAGES))
    )


def outstanding(reports: QuerySet[Report]) -> QuerySet[Report]:
    """The reports whose PCC response is still to come: the domain's rule (not published,
    not entered after the fact) and no settled response here."""
    return reports.s55_response_outstanding().exclude(settled_q())


def report_stage() -> Subquery:
    """A report's response stage, for annotating reports: the least advanced unfinished
    response's, or when all are finished a finished one's; None when none is started."""
    unfinished_first = Case(
        When(stage__in=FINISHED_STAGES, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return Subquery(
        _responses()
        .annotate(finished=unfinished_first)
        .order_by("finished", "pk")
        .values("stage")[:1]
    )
