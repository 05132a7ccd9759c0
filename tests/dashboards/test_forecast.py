"""The forecast's arithmetic on hand-computed cases (no database)."""

from __future__ import annotations

from datetime import date

from dashboards.forecast import DueGroup, at_risk_in_group, forecast, projected_close

TODAY = date(2026, 5, 20)


def test_the_kth_recommendation_closes_k_over_the_weekly_rate_weeks_from_today():
    # 6 finished in 12 weeks = 0.5 a week: one every 14 days.
    assert projected_close(1, today=TODAY, finished=6, weeks=12) == date(2026, 6, 3)
    assert projected_close(3, today=TODAY, finished=6, weeks=12) == date(2026, 7, 1)


def test_a_fractional_day_rounds_up():
    # 7 finished in 12 weeks: rank 1 closes after 84 / 7 = 12 days, rank 2 after 24,
    # and 5 finished: rank 1 after 84 / 5 = 16.8 days, so on day 17.
    assert projected_close(2, today=TODAY, finished=7, weeks=12) == date(2026, 6, 13)
    assert projected_close(1, today=TODAY, finished=5, weeks=12) == date(2026, 6, 6)


def test_no_rate_means_no_projection():
    assert projected_close(1, today=TODAY, finished=0, weeks=12) is None


def test_queue_in_due_date_order_with_hand_computed_risks():
    # 6 in 12 weeks: rank k closes on today + 14k days.
    groups = [
        DueGroup(date(2026, 5, 30), 1),  # k=1 closes 3 Jun: after 30 May, at risk
        DueGroup(date(2026, 6, 17), 1),  # k=2 closes 17 Jun: on its due date, not at risk
        DueGroup(date(2026, 6, 30), 2),  # k=3 closes 1 Jul (at risk), k=4 15 Jul (at risk)
        DueGroup(date(2026, 12, 31), 1),  # k=5 closes 29 Jul: fine
        DueGroup(None, 2),  # k=6, 7: no deadline, never at risk
    ]
    result = forecast(groups, today=TODAY, finished=6, weeks=12)
    assert [g.at_risk for g in result.groups] == [1, 0, 2, 0, 0]
    assert [g.first_rank for g in result.groups] == [1, 2, 3, 5, 6]
    assert result.at_risk == 3
    assert result.open_count == 7
    assert result.weekly_rate == 0.5
    assert result.completion_on == date(2026, 8, 26)  # today + 7 × 14 = 98 days
    assert result.window_start == date(2026, 2, 26)  # 84 days ending today


def test_only_the_later_ranks_of_a_shared_due_date_are_at_risk():
    # 12 in 12 weeks: one a week. Three due in 15 days: ranks 1 and 2 close on days 7
    # and 14, rank 3 on day 21, after the deadline.
    assert (
        at_risk_in_group(date(2026, 6, 4), first_rank=1, size=3, today=TODAY, finished=12, weeks=12)
        == 1
    )


def test_an_overdue_recommendation_is_always_at_risk():
    assert (
        at_risk_in_group(
            date(2026, 5, 1), first_rank=1, size=2, today=TODAY, finished=1000, weeks=12
        )
        == 2
    )


def test_zero_rate_puts_every_recommendation_with_a_deadline_at_risk():
    groups = [DueGroup(date(2030, 1, 1), 2), DueGroup(None, 1)]
    result = forecast(groups, today=TODAY, finished=0)
    assert result.at_risk == 2
    assert not result.has_projection
    assert result.completion_on is None


def test_an_empty_queue_has_nothing_at_risk():
    result = forecast([], today=TODAY, finished=4)
    assert (result.open_count, result.at_risk) == (0, 0)
