"""The dashboard's calendar arithmetic: quarters and months."""

from datetime import date

import pytest

from dashboards import measures


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
