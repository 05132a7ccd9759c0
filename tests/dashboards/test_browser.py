"""The dashboard in headless Chromium: charts drawn, no console errors, drill-down lands right.

Saves docs/screenshots/dashboard.png for the README.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from recommendations.models import Finding, User
from tests.support.browser import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Draws every chart, then reports for each canvas whether Chart.js owns it and
# whether any pixel was painted.
CHARTS_DRAWN = """() => Array.from(document.querySelectorAll("canvas[data-chart]")).map((c) => {
  const canvas = c;
  const chart = window.Chart && window.Chart.getChart(canvas);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = false;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { painted = true; break; } }
  return {name: canvas.dataset.chart, chart: Boolean(chart), painted: painted, width: canvas.width};
})"""


def test_dashboard_draws_its_charts_and_drills_down_to_the_findings(
    page: Page, demo, console_errors
):
    base = demo.url
    # Charts drawn at once, without animation, so the pixels can be checked straight away.
    page.emulate_media(reduced_motion="reduce")
    sign_in(page, base, "viewer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    viewer = User.objects.get(username="viewer")
    expect(page.get_by_role("heading", name=f"Dashboard: {viewer.force}")).to_be_visible()

    charts = page.evaluate(CHARTS_DRAWN)
    assert sorted(c["name"] for c in charts) == ["burnUp", "kindStatus", "rag", "themes"]
    for chart in charts:
        assert chart["chart"] and chart["painted"] and chart["width"] > 100, chart
    expect(page.get_by_role("heading", name="Engage (enhanced monitoring)")).to_be_visible()
    expect(page.get_by_text("Next PPOG meeting")).to_be_visible()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    overdue = Finding.objects.visible_to(viewer).overdue(today=timezone.localdate()).count()
    assert overdue > 0, "the demo has overdue findings"
    page.locator(".headline-link", has_text="Overdue").click()
    expect(page).to_have_url(re.compile(r"/findings/\?.*overdue=on"))
    expect(page.locator("#results [role=status] strong")).to_have_text(str(overdue))
    assert console_errors == []


def test_the_accountability_pack_page_opens_from_the_dashboard(page: Page, demo, console_errors):
    base = demo.url
    sign_in(page, base, "opcc")
    page.goto(f"{base}/dashboard/")
    page.get_by_label("Force").select_option(label="Northmoor Constabulary (illustrative)")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"force=\d+"))
    page.get_by_role("link", name="Accountability session pack").click()
    expect(
        page.get_by_role("heading", name="Performance and accountability session pack")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Print this pack")).to_be_visible()
    expect(page.locator("svg.pack-chart")).to_have_count(4)
    assert console_errors == []
