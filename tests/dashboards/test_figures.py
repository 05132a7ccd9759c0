"""Every dashboard figure against the hand-computed world in conftest.py (today is 20 May 2026)."""

from __future__ import annotations

from datetime import date

import pytest

from dashboards import figures
from dashboards.scope import Scope, load_names
from recommendations.models import FindingKind, Status
from tests.dashboards.conftest import TODAY
from tests.factories import make_report

pytestmark = pytest.mark.django_db


def board_for(user, **filters):
    scope = Scope(user=user, today=TODAY, filters=filters, names=load_names(user, today=TODAY))
    return figures.dashboard(scope)


@pytest.fixture
def board(world, opcc):
    return board_for(opcc, force=world.force.pk)


def values(figure_list):
    return {figure.label: figure.value for figure in figure_list}


def test_headline_figures(board):
    assert values(board.headline) == {
        "Open": 6,  # C1, A-R1, A-R2, A-R3, B-R1, B-AFI
        "Overdue": 1,  # A-R1 (A-R3 is reported complete, so not overdue)
        "Due in the next 30 days": 1,  # A-R2, due 10 June
        "Awaiting assurance": 1,  # A-R3
        "Challenged": 1,  # A-R2
        "Unowned": 3,  # C1, B-R1, B-AFI: open with no owner
        "Closed this quarter": 2,  # A-R4 (letter 15 April), B-R3 (superseded 2 May)
    }
    assert board.total == 9
    unowned = next(f for f in board.headline if f.label == "Unowned")
    assert "no_owner=on" in unowned.link and "status=open" in unowned.link


def test_kind_by_status_matrix(board):
    matrix = {row.kind: values(row.cells) | {"Total": row.total.value} for row in board.matrix}
    zero = dict.fromkeys(Status.labels, 0)
    assert matrix[FindingKind.CAUSE_OF_CONCERN] == zero | {"In progress": 1, "Total": 1}
    assert matrix[FindingKind.RECOMMENDATION] == zero | {
        "Not started": 1,
        "In progress": 2,
        "Reported complete": 1,
        "Closed by HMICFRS": 1,
        "Superseded": 1,
        "No further action": 1,
        "Total": 7,
    }
    assert matrix[FindingKind.AREA_FOR_IMPROVEMENT] == zero | {"Not started": 1, "Total": 1}


def test_rag_distribution_counts_open_findings_only(board):
    assert values(board.rag) == {"Red": 2, "Amber": 2, "Green": 1, "Not rated": 1}


def test_breakdown_by_report(board):
    rows = [
        (r.label, r.total.value, r.open.value, r.overdue.value) for r in board.breakdowns.reports
    ]
    assert rows == [("Report A", 5, 4, 1), ("Report B", 4, 2, 0)]


def test_breakdown_by_owner_puts_the_most_overdue_first(board, lead, other_lead):
    rows = [(r.label, r.open.value, r.overdue.value) for r in board.breakdowns.owners]
    assert rows == [(str(lead), 2, 1), ("No owner", 3, 0), (str(other_lead), 1, 0)]
    assert "no_owner=on" in board.breakdowns.owners[1].open.link


def test_breakdown_by_theme_counts_a_finding_under_each_of_its_themes(board):
    rows = [
        (r.label, r.total.value, r.open.value, r.overdue.value) for r in board.breakdowns.themes
    ]
    assert rows == [("Theme X", 2, 2, 1), ("Theme Y", 2, 2, 0), ("No theme", 6, 3, 0)]


def test_burn_up_by_month(board):
    months = {m.month: (m.opened.value, m.closed.value, m.due.value) for m in board.burn_up}
    assert months[date(2026, 1, 1)] == (5, 0, 0)  # report A published
    assert months[date(2026, 3, 1)] == (4, 1, 1)  # report B; B-R2 finished; A-R4 due
    assert months[date(2026, 4, 1)] == (0, 1, 2)  # A-R4 closed; A-R3, B-R2 due
    assert months[date(2026, 5, 1)] == (0, 1, 1)  # B-R3 superseded; A-R1 due
    assert months[date(2026, 6, 1)] == (0, 0, 1)  # A-R2 due
    assert months[date(2026, 7, 1)] == (0, 0, 1)  # B-R3 due
    assert months[date(2026, 9, 1)] == (0, 0, 1)  # B-R1 due
    last = board.burn_up[-1]
    assert last.month == date(2026, 9, 1)  # trimmed after the last deadline
    assert (last.opened_total, last.closed_total) == (9, 3)
    assert board.burn_up[0].month == date(2026, 1, 1)  # trimmed before the first finding


def test_forecast_and_at_risk_recommendations(board, world):
    # Finished recommendations in the 12 weeks to 20 May: A-R4, B-R2, B-R3 = 3, so one
    # closes every 28 days. Queue by due date: A-R3 (30 Apr), A-R1 (1 May), A-R2 (10 Jun),
    # B-R1 (30 Sep), closing on 17 Jun, 15 Jul, 12 Aug and 9 Sep.
    f = board.forecast
    assert (f.finished, f.open_count, f.at_risk) == (3, 4, 3)
    assert f.completion_on == date(2026, 9, 9)
    at_risk = [(item.finding.pk, item.projected_close) for item in board.at_risk]
    assert at_risk == [
        (world.findings["A-R3"].pk, date(2026, 6, 17)),
        (world.findings["A-R1"].pk, date(2026, 7, 15)),
        (world.findings["A-R2"].pk, date(2026, 8, 12)),
    ]


def test_engage_panel(board, world):
    engage = board.engage
    assert engage.days == 110  # 30 January to 20 May
    assert engage.next_ppog == date(2026, 6, 15)
    assert (engage.causes_open, engage.causes_closed) == (1, 0)
    (cause,) = engage.causes
    assert cause.finding == world.findings["C1"]
    assert values(cause.children) == dict.fromkeys(Status.labels, 0) | {
        "Not started": 1,
        "In progress": 1,
    }
    assert cause.children_total == 2


def test_s55_tracker_lists_outstanding_responses_first(board, world):
    rows = [(row.report.title, row.days_left) for row in board.s55.rows]
    # A's last day was 6 March; D (national) is due 25 June; B was published.
    assert rows == [("Report A", -75), ("National D", 36), ("Report B", None)]


def test_s55_tracker_does_not_count_down_a_report_entered_after_the_fact(world, opcc):
    """Its response (if any) predates Oversight: the report page says "Not tracked", and
    so must the dashboard, however recently the report was published."""
    make_report(
        force=world.force,
        published_on=date(2026, 4, 1),  # last day 26 May: would be "due in 6 days"
        title="Report E, entered after the fact",
        entered_after_the_fact=True,
    )
    board = board_for(opcc, force=world.force.pk)
    rows = {row.report.title: row for row in board.s55.rows}
    entered = rows["Report E, entered after the fact"]
    assert entered.days_left is None
    assert entered.report.entered_after_the_fact
    # Listed with the settled responses, after the ones still counted down.
    assert list(rows)[:2] == ["Report A", "National D"]


def test_s55_tracker_lists_fifteen_and_says_how_many_more(world, opcc):
    for day in range(1, 21):
        make_report(force=world.force, published_on=date(2026, 4, day), title=f"Report {day:02}")
    board = board_for(opcc, force=world.force.pk)
    assert len(board.s55.rows) == 15
    assert board.s55.more == 23 - 15  # A, B, D and the twenty
    # The most urgent first: A (overdue), then the twenty by their last day.
    assert [row.report.title for row in board.s55.rows][:3] == [
        "Report A",
        "Report 01",
        "Report 02",
    ]


def test_all_forces_counts_the_other_force_and_lists_forces_in_engage(world, opcc):
    board = board_for(opcc)
    assert board.total == 10
    assert values(board.headline)["Overdue"] == 2  # A-R1 and C-R1
    assert board.engage is None
    assert [period.force for period, _days in board.forces_in_engage] == [world.force]


def test_a_force_scoped_user_sees_only_their_force(world, viewer):
    board = board_for(viewer)
    assert board.total == 9
    assert values(board.headline)["Overdue"] == 1
    assert board.engage is not None  # their own force is in Engage


def test_a_force_scoped_user_sees_their_own_forces_reports_named_not_national(world, viewer):
    board = board_for(viewer)
    assert {row.detail for row in board.breakdowns.reports} == {str(world.force)}
    assert {row.force_name for row in board.s55.rows} <= {str(world.force), "National"}


def test_filters_narrow_every_figure(world, opcc):
    board = board_for(opcc, force=world.force.pk, kind=FindingKind.RECOMMENDATION)
    assert board.total == 7
    assert values(board.headline)["Open"] == 4
    board = board_for(opcc, force=world.force.pk, theme=world.theme_y.pk)
    assert board.total == 2  # A-R2 and B-AFI
    board = board_for(opcc, published_from=date(2026, 3, 1), published_to=date(2026, 3, 31))
    assert board.total == 4  # report B
    assert [row.report.title for row in board.s55.rows] == ["Report B"]
    board = board_for(opcc, report=world.report_a.pk)
    assert board.total == 5


def test_no_rate_means_every_open_recommendation_with_a_deadline_is_at_risk(world, opcc):
    # Nothing finished in the 12 weeks to 1 December 2026.
    scope = Scope(
        user=opcc,
        today=date(2026, 12, 1),
        filters={"force": world.force.pk},
        names=load_names(opcc, today=TODAY),
    )
    board = figures.dashboard(scope)
    assert board.forecast.finished == 0
    assert board.forecast.at_risk == 4
    assert [item.projected_close for item in board.at_risk] == [None] * 4


def test_pack_decisions(world, opcc):
    from dashboards import packs

    scope = Scope(
        user=opcc,
        today=TODAY,
        filters={"force": world.force.pk},
        names=load_names(opcc, today=TODAY),
    )
    pack = packs.build(scope)
    texts = [decision.text for decision in pack.decisions]
    assert texts[0].startswith("Assure or challenge 1 completion claim")
    assert any("3 recommendations projected to miss" in text for text in texts)
    assert any("1 overdue finding" in text for text in texts)
    # Responses due within four weeks, or late, need a decision; 36 days left does not yet.
    assert "Publish the PCC's response to “Report A” (s.55): 75 days late." in texts
    assert not any("National D" in text for text in texts)
    assert any("PPOG on 15 June 2026 on 1 open cause of concern" in text for text in texts)
    assert [f.pk for f in pack.overdue] == [world.findings["A-R1"].pk]
    assert [f.pk for f in pack.awaiting_assurance] == [world.findings["A-R3"].pk]
