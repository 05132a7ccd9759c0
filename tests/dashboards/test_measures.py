"""The dashboard's Q spellings of open, overdue … agree with FindingQuerySet's; quarters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dashboards import measures
from recommendations.models import Finding, Status
from tests.factories import make_finding, make_report

TODAY = date(2026, 5, 20)


@pytest.fixture
def spread(force):
    """Findings in every status, due before, on, just after and well after today."""
    report = make_report(force=force)
    successor = make_finding(report=report)
    for status in Status:
        for offset in (-1, 0, 1, 30, 31, None):
            finding = make_finding(
                report=report, due_on=None if offset is None else TODAY + timedelta(days=offset)
            )
            fields = {"status": status}
            if status == Status.SUPERSEDED:
                fields["superseded_by"] = successor
            if status == Status.CLOSED:
                fields |= {"closed_on": TODAY, "closure_reference": "Letter"}
            if status == Status.NO_FURTHER_ACTION:
                fields["no_further_action_reason"] = "Done elsewhere"
            if status == Status.IN_PROGRESS and offset == 1:
                fields["challenged_at"] = datetime(2026, 5, 1, tzinfo=UTC)
            Finding.objects.filter(pk=finding.pk).update(**fields)
    return Finding.objects.all()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "method"),
    [
        (measures.open_q(), lambda qs: qs.open()),
        (measures.active_q(), lambda qs: qs.active()),
        (measures.overdue_q(today=TODAY), lambda qs: qs.overdue(today=TODAY)),
        (measures.due_soon_q(today=TODAY), lambda qs: qs.due_soon(today=TODAY)),
        (measures.awaiting_assurance_q(), lambda qs: qs.awaiting_assurance()),
        (measures.challenged_q(), lambda qs: qs.challenged()),
    ],
    ids=["open", "active", "overdue", "due_soon", "awaiting_assurance", "challenged"],
)
def test_each_q_selects_what_its_queryset_method_selects(spread, q, method):
    expected = set(method(Finding.objects.all()).values_list("pk", flat=True))
    assert expected, "the spread must exercise the rule"
    assert set(Finding.objects.filter(q).values_list("pk", flat=True)) == expected


@pytest.mark.django_db
def test_finished_on_is_the_letter_date_or_the_london_date_of_the_change(force):
    report = make_report(force=force)
    closed = make_finding(report=report)
    Finding.objects.filter(pk=closed.pk).update(
        status=Status.CLOSED,
        closed_on=date(2026, 4, 15),
        closure_reference="Letter",
        status_changed_at=datetime(2026, 6, 1, tzinfo=UTC),
    )
    nfa = make_finding(report=report)
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: a July closure in London.
    Finding.objects.filter(pk=nfa.pk).update(
        status=Status.NO_FURTHER_ACTION,
        no_further_action_reason="Covered",
        status_changed_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
    )
    in_june = measures.finished_between(Finding.objects.all(), date(2026, 6, 1), date(2026, 6, 30))
    in_july = measures.finished_between(Finding.objects.all(), date(2026, 7, 1), date(2026, 7, 31))
    in_april = measures.finished_between(Finding.objects.all(), date(2026, 4, 1), date(2026, 4, 30))
    assert list(in_april) == [closed]
    assert list(in_june) == []
    assert list(in_july) == [nfa]


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 5, 20), date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 9, 30), date(2026, 7, 1), date(2026, 9, 30)),
        (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_quarter_bounds_are_calendar_quarters(today, start, end):
    assert measures.quarter_bounds(today) == (start, end)


def test_month_arithmetic():
    assert measures.month_end(date(2028, 2, 3)) == date(2028, 2, 29)
    assert measures.month_end(date(2026, 12, 3)) == date(2026, 12, 31)
    assert measures.add_months(date(2026, 11, 20), 3) == date(2027, 2, 1)
    assert measures.add_months(date(2026, 1, 20), -1) == date(2025, 12, 1)
