"""The rules of open, active, overdue … select what their definitions say, as SQL and per row."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from recommendations.models import Finding, Status
from recommendations.rules import ACTIVE_STATUSES, OPEN_STATUSES
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
                fields |= {
                    "closed_on": TODAY,
                    "closure_basis": "letter",
                    "closure_reference": "Letter",
                }
            if status == Status.NO_FURTHER_ACTION:
                fields["no_further_action_reason"] = "Done elsewhere"
            if status == Status.IN_PROGRESS and offset == 1:
                fields["challenged_at"] = datetime(2026, 5, 1, tzinfo=UTC)
            Finding.objects.filter(pk=finding.pk).update(**fields)
    return Finding.objects.all()


def _expected(finding: Finding, rule: str) -> bool:
    """Each rule as the README states it, spelt out for one row."""
    offset = None if finding.due_on is None else (finding.due_on - TODAY).days
    active = finding.status in ACTIVE_STATUSES
    return {
        "open": finding.status in OPEN_STATUSES,
        "active": active,
        "overdue": active and offset is not None and offset < 0,
        "due_soon": active and offset is not None and 0 <= offset <= 30,
        "awaiting_assurance": finding.status == Status.REPORTED_COMPLETE,
        "challenged": finding.status == Status.IN_PROGRESS and finding.challenged_at is not None,
    }[rule]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rule", "method"),
    [
        ("open", lambda qs: qs.open()),
        ("active", lambda qs: qs.active()),
        ("overdue", lambda qs: qs.overdue(today=TODAY)),
        ("due_soon", lambda qs: qs.due_soon(today=TODAY, days=30)),
        ("awaiting_assurance", lambda qs: qs.awaiting_assurance()),
        ("challenged", lambda qs: qs.challenged()),
    ],
)
def test_each_rule_selects_the_findings_its_definition_names(spread, rule, method):
    expected = {f.pk for f in spread if _expected(f, rule)}
    assert expected, "the spread must exercise the rule"
    assert set(method(Finding.objects.all()).values_list("pk", flat=True)) == expected


@pytest.mark.django_db
def test_the_row_rules_on_a_finding_in_memory_match_the_definitions(spread):
    for finding in spread:
        assert finding.is_open == _expected(finding, "open")
        assert finding.is_overdue(today=TODAY) == _expected(finding, "overdue")
        assert finding.is_due_soon(today=TODAY, days=30) == _expected(finding, "due_soon")


@pytest.mark.django_db
def test_finished_on_is_the_letter_date_or_the_london_date_of_the_change(force):
    report = make_report(force=force)
    closed = make_finding(report=report)
    Finding.objects.filter(pk=closed.pk).update(
        status=Status.CLOSED,
        closed_on=date(2026, 4, 15),
        closure_basis="letter",
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
    in_june = Finding.objects.finished_between(date(2026, 6, 1), date(2026, 6, 30))
    in_july = Finding.objects.finished_between(date(2026, 7, 1), date(2026, 7, 31))
    in_april = Finding.objects.finished_between(date(2026, 4, 1), date(2026, 4, 30))
    assert list(in_april) == [closed]
    assert list(in_june) == []
    assert list(in_july) == [nfa]
