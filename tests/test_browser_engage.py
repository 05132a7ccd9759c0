"""End to end in headless Chromium: OPCC staff record Engage, a PPOG meeting and exit, and add
an inspection framework and grade a report with it, with no administration pages
(issue 16, item 4). Also saves screenshots for the README."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from recommendations.models import Finding, FindingKind, Force, MonitoringPeriod, Report
from tests.factories import make_finding, make_report
from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_opcc_staff_record_engage_entry_a_ppog_meeting_and_exit(page: Page, demo, console_errors):
    base = demo.url
    today = timezone.localdate()
    force = Force.objects.get(name="Wiltshire Police")
    report = make_report(force=force, title="PEEL 2023–25: Wiltshire (illustrative)")
    cause = make_finding(
        report=report,
        kind=FindingKind.CAUSE_OF_CONCERN,
        reference="CoC1",
        text="Illustrative: the force does not always respond to calls in time.",
    )
    entered, met, exited = (
        today - timedelta(days=90),
        today - timedelta(days=30),
        today - timedelta(days=1),
    )

    sign_in(page, base, "opcc")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Monitoring").click()
    expect(page.get_by_role("heading", name="Monitoring: Scan and Engage")).to_be_visible()
    page.get_by_label("A force's monitoring record").select_option(label="Wiltshire Police")
    page.get_by_role("button", name=re.compile("^Open")).click()
    expect(page.get_by_role("heading", name="Wiltshire Police: HMICFRS monitoring")).to_be_visible()

    # Entry, with the cause of concern that led there.
    page.get_by_role("link", name="Record a move into Engage").click()
    page.get_by_label("Date of the move into Engage").fill(entered.isoformat())
    page.get_by_label(re.compile("CoC1: Illustrative")).check()
    page.get_by_role("button", name="Record the move into Engage").click()
    expect(page.get_by_text("Wiltshire Police is recorded as in Engage.")).to_be_visible()
    expect(page.locator("#current-phase")).to_contain_text(f"Engage since {entered:%-d %B %Y}")
    expect(page.get_by_role("link", name="CoC1")).to_be_visible()

    # A PPOG meeting held, with its outcome and the next one planned.
    page.get_by_role("link", name="Record a PPOG meeting").click()
    page.get_by_label("Date of the meeting").fill(met.isoformat())
    page.get_by_label("Outcome").fill("Illustrative: improvement plan accepted; report back.")
    page.get_by_label("Date of the next meeting").fill((today + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.get_by_text(f"PPOG meeting of {met:%-d %B %Y} recorded.")).to_be_visible()
    expect(
        page.get_by_text("Illustrative: improvement plan accepted; report back.")
    ).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Cancel the meeting of"))).to_be_visible()
    shot(page, "force-monitoring")

    # The dashboard's Engage panel shows it and links back to the record.
    page.goto(f"{base}{reverse('dashboards:dashboard')}?force={force.pk}")
    engage = page.locator("section[aria-labelledby=engage-heading]")
    expect(engage.get_by_text(f"since {entered:%-d %B %Y}")).to_be_visible()
    engage.get_by_role("link", name="Its monitoring record").click()

    # Exit, as HMICFRS decided: without the confirmation it is refused and nothing changes.
    page.get_by_role("link", name="Record the exit from Engage").click()
    page.get_by_label("Date the force left Engage").fill(exited.isoformat())
    page.get_by_role("button", name="Record the exit").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text("only HMICFRS moves a force out of Engage")
    assert MonitoringPeriod.objects.current_engage().filter(force=force).exists()
    page.get_by_label("HMICFRS has decided that the force leaves Engage").check()
    page.get_by_role("button", name="Record the exit").click()
    expect(page.get_by_text("Wiltshire Police is recorded as back in Scan.")).to_be_visible()
    expect(page.locator("#current-phase")).to_contain_text("In Scan")
    expect(page.get_by_role("button", name=re.compile("^Cancel the meeting of"))).to_have_count(0)
    period = MonitoringPeriod.objects.get(force=force, phase="engage")
    assert (period.started_on, period.ended_on) == (entered, exited)
    assert list(period.causes_of_concern.all()) == [cause]
    assert list(period.ppog_meetings.values_list("meets_on", flat=True)) == [met]
    # Nothing went wrong but the refused exit, answered 400 on purpose.
    assert sorted(console_errors) == [
        f"400 {base}/monitoring/forces/{force.pk}/exit/",
        "Failed to load resource: the server responded with a status of 400 (Bad Request)",
    ]


def test_opcc_staff_add_a_framework_and_grade_a_report_with_it(page: Page, demo, console_errors):
    base = demo.url
    sign_in(page, base, "opcc")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Inspection frameworks").click()
    expect(page.get_by_role("heading", name="PEEL 2014–2020")).to_be_visible()
    page.get_by_role("link", name="Add a framework").click()

    page.get_by_label("Name").fill("HMIC crime data integrity 2016 (illustrative)")
    page.get_by_label("Kind of report it grades").select_option(label="Other")
    # HMICFRS's five points are offered ticked; this older inspection graded on four.
    for grade in ("Outstanding", "Good", "Requires improvement", "Inadequate"):
        expect(page.get_by_label(grade, exact=True)).to_be_checked()
    page.get_by_label("Adequate", exact=True).uncheck()
    page.get_by_label("Area 1", exact=True).fill("Crime recording accuracy")
    page.get_by_label("Area 2", exact=True).fill("Leadership and culture")
    page.get_by_label("Area 3", exact=True).fill("Context")
    page.get_by_label("Area 3 is graded").uncheck()
    shot(page, "framework-form")
    page.get_by_role("button", name="Save framework").click()
    expect(
        page.get_by_text("Framework “HMIC crime data integrity 2016 (illustrative)” saved.")
    ).to_be_visible()
    card = page.locator(
        "section",
        has=page.get_by_role("heading", name="HMIC crime data integrity 2016 (illustrative)"),
    )
    expect(card).to_contain_text(
        "graded on 4 points: Outstanding, Good, Requires improvement, Inadequate"
    )
    expect(card).to_contain_text("Context (assessed, not graded)")

    page.get_by_role("link", name="Reports", exact=True).first.click()
    page.get_by_role("link", name="Add a report").click()
    page.get_by_label("Kind").select_option(label="Other")
    page.get_by_label("Title").fill("Crime data integrity inspection 2016 (illustrative)")
    page.get_by_label("Force").select_option(label="Wiltshire Police")
    page.get_by_label("Framework").select_option(
        label="HMIC crime data integrity 2016 (illustrative)"
    )
    page.locator("#id_published_on").fill("2016-08-11")
    page.get_by_role("button", name="Save report").click()
    expect(
        page.get_by_role("heading", name="Crime data integrity inspection 2016 (illustrative)")
    ).to_be_visible()

    page.get_by_role("link", name="Edit report").click()
    accuracy = page.get_by_label("Crime recording accuracy")
    assert accuracy.locator("option").all_inner_texts() == [
        "Not graded",
        "Outstanding",
        "Good",
        "Requires improvement",
        "Inadequate",
    ]
    expect(page.get_by_label("Context")).to_have_count(0)
    accuracy.select_option(label="Requires improvement")
    page.get_by_label("Leadership and culture").select_option(label="Good")
    page.get_by_role("button", name="Save report").click()
    judgments = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("^Graded judgments"))
    )
    expect(judgments).to_contain_text("Crime recording accuracy")
    expect(judgments).to_contain_text("Requires improvement")
    expect(judgments).to_contain_text("Good")
    report = Report.objects.get(title="Crime data integrity inspection 2016 (illustrative)")
    assert sorted(report.judgments.values_list("grade", flat=True)) == [
        "good",
        "requires_improvement",
    ]
    assert not Finding.objects.filter(report=report).exists()
    assert console_errors == []
