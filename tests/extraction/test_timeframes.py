from datetime import date

import pytest

from intake.extraction import extract, parse_timeframe
from intake.extraction.timeframes import parse_date

PUBLISHED = date(2025, 3, 12)


@pytest.mark.parametrize(
    ("phrase", "published", "due"),
    [
        ("immediately", PUBLISHED, PUBLISHED),
        ("with immediate effect", PUBLISHED, PUBLISHED),
        ("With immediate effect", PUBLISHED, PUBLISHED),
        ("Within three months", PUBLISHED, date(2025, 6, 12)),
        ("within 3 months", PUBLISHED, date(2025, 6, 12)),
        ("Within six months", PUBLISHED, date(2025, 9, 12)),
        ("Within 18 months", PUBLISHED, date(2026, 9, 12)),
        ("within eighteen months", PUBLISHED, date(2026, 9, 12)),
        ("within twenty-four months", PUBLISHED, date(2027, 3, 12)),
        ("Within six weeks", PUBLISHED, date(2025, 4, 23)),
        ("within 6 weeks of publication", PUBLISHED, date(2025, 4, 23)),
        ("within twelve months of the publication of this report", PUBLISHED, date(2026, 3, 12)),
        ("By 30 September 2024", None, date(2024, 9, 30)),
        ("By 9th February 2017", None, date(2017, 2, 9)),
        ("By September 2025", None, date(2025, 9, 30)),
        ("By February 2024", None, date(2024, 2, 29)),
        ("By February 2025", None, date(2025, 2, 28)),
        ("By Sept 2025", None, date(2025, 9, 30)),
        ("By the end of March 2026", None, date(2026, 3, 31)),
        ("Not later than 1 April 2026", None, date(2026, 4, 1)),
        ("not later than June 2026", None, date(2026, 6, 30)),
        ("No later than 31/03/2026", None, date(2026, 3, 31)),
    ],
)
def test_each_timeframe_rule_gives_its_due_date(phrase, published, due):
    timeframe = parse_timeframe(phrase)
    assert timeframe is not None
    assert timeframe.phrase == phrase
    assert timeframe.due_on(published) == due


@pytest.mark.parametrize(
    ("published", "months", "due"),
    [
        # Calendar months clamp to the month's last day rather than spilling over.
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
    ],
)
def test_months_are_calendar_months_at_month_end_and_in_leap_years(published, months, due):
    assert parse_timeframe(f"within {months} months").due_on(published) == due


def test_immediate_is_flagged_and_dated_on_publication():
    timeframe = parse_timeframe("immediately")
    assert timeframe.immediate
    assert timeframe.due_on(PUBLISHED) == PUBLISHED
    assert not parse_timeframe("Within three months").immediate


@pytest.mark.parametrize("phrase", ["immediately", "Within three months", "within 6 weeks"])
def test_relative_timeframe_without_publication_date_has_no_due_date(phrase):
    assert parse_timeframe(phrase).due_on(None) is None


def test_absolute_dates_need_no_publication_date():
    assert parse_timeframe("By 31 May 2025").due_on(None) == date(2025, 5, 31)


@pytest.mark.parametrize(
    "phrase", ["", "soon", "within the next few months", "by the end of the year", "in 2025"]
)
def test_phrases_that_are_not_timeframes_parse_to_none(phrase):
    assert parse_timeframe(phrase) is None


def test_an_impossible_date_is_kept_as_written_without_a_due_date():
    timeframe = parse_timeframe("By 31 February 2025")
    assert timeframe.phrase == "By 31 February 2025"
    assert timeframe.due_on(PUBLISHED) is None


def test_parse_date_formats():
    assert parse_date("30 September 2024") == (date(2024, 9, 30), False)
    assert parse_date("9th February 2017") == (date(2017, 2, 9), False)
    assert parse_date("September 2025") == (date(2025, 9, 30), True)
    assert parse_date("14/03/2017") == (date(2017, 3, 14), False)
    assert parse_date("Smarch 2025") == (None, False)


# The engine decides where a timeframe may stand: at the start, after "recommends that",
# or straight after the modal; never a date elsewhere in the sentence (PHRASING.md §3.4).


def _only(text: str, published: date | None = PUBLISHED):
    findings = extract(text, published_on=published).findings
    assert len(findings) == 1, findings
    return findings[0]


def test_leading_timeframe_in_a_sentence_sets_the_due_date():
    finding = _only("Recommendations\nWithin six months the force should review its training.")
    assert finding.timeframe == "Within six months"
    assert finding.due_on == date(2025, 9, 12)


def test_timeframe_after_the_modal_is_taken():
    finding = _only(
        "Recommendations\nThe force should, within three months, review how it grades calls."
    )
    assert finding.timeframe == "within three months"
    assert finding.due_on == date(2025, 6, 12)


def test_should_immediately_is_immediate():
    finding = _only("Recommendations\nChief constables should immediately stop the practice.")
    assert finding.immediate
    assert finding.due_on == PUBLISHED


def test_a_third_partys_date_inside_the_recommendation_is_not_the_deadline():
    finding = _only(
        "Recommendations\nChief constables should adopt the guidance that the College of "
        "Policing will publish by the end of June 2026."
    )
    assert finding.timeframe is None
    assert finding.due_on is None


def test_operational_standards_are_not_deadlines():
    finding = _only(
        "Areas for improvement\nThe force should make sure victims are contacted within "
        "24 hours and that cases are reviewed within 28 days."
    )
    assert finding.timeframe is None
    assert finding.due_on is None


def test_relative_timeframe_without_any_publication_date_warns_and_has_no_due_date():
    result = extract("Recommendations\nWithin three months, the force should act.")
    assert result.findings[0].timeframe == "Within three months"
    assert result.findings[0].due_on is None
    assert any("publication date" in warning for warning in result.warnings)


def test_published_on_line_in_the_text_anchors_relative_timeframes():
    result = extract(
        "Published on: 12 March 2025\nRecommendations\nWithin three months, the force should act."
    )
    assert result.published_on == PUBLISHED
    assert result.published_on_source == "text"
    assert result.findings[0].due_on == date(2025, 6, 12)


def test_given_publication_date_wins_over_the_text():
    result = extract(
        "Published on: 12 March 2025\nRecommendations\nWithin three months, the force should act.",
        published_on=date(2025, 4, 1),
    )
    assert result.published_on_source == "given"
    assert result.findings[0].due_on == date(2025, 7, 1)


@pytest.mark.parametrize(
    "line", ["Last updated 14/03/2017", "Sent on: 12 March 2025", "Last updated: 12 March 2025"]
)
def test_other_dates_are_not_publication_dates(line):
    result = extract(f"{line}\nRecommendations\nWithin three months, the force should act.")
    assert result.published_on is None
    assert result.findings[0].due_on is None


@pytest.mark.parametrize(
    "phrase",
    [
        "Within three months",
        "Within 36 months",
        "Within 12 weeks",
        "Within 30 days",
        "Within 2 years",
    ],
)
def test_a_due_date_beyond_the_calendar_is_none_never_an_error(phrase):
    """Issue 12 item 1: 9999-12-31 plus "within three months" raised (year 10000)."""
    assert parse_timeframe(phrase).due_on(date(9999, 12, 31)) is None
    assert parse_timeframe(phrase).due_on(date(2025, 1, 31)) is not None


def test_extraction_from_the_last_day_of_the_calendar_gives_no_due_date():
    text = "Recommendations\n\nWithin three months, the force should review its plans."
    (finding,) = extract(text, published_on=date(9999, 12, 31)).findings
    assert (finding.timeframe, finding.due_on) == ("Within three months", None)
    (finding,) = extract("Published on: 31 December 9999\n\n" + text).findings
    assert finding.due_on is None
