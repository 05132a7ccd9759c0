"""The dashboard and pack pages: who may see them, drill-down links, the PDF, no inline script."""

from __future__ import annotations

import io
import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from recommendations.models import Finding
from tests.factories import make_user

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboards:dashboard")
PACK = reverse("dashboards:pack")
PACK_PDF = reverse("dashboards:pack-pdf")


@pytest.fixture(autouse=True)
def on_the_worlds_today():
    with time_machine.travel(datetime(2026, 5, 20, 12, tzinfo=ZoneInfo("Europe/London"))):
        yield


def listed_count(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, link
    form = response.context["form"]
    # Every parameter of the link must be understood by the findings list.
    unknown = set(parse_qs(urlsplit(link).query)) - set(form.fields)
    assert not unknown, f"{link}: the findings list ignores {unknown}"
    assert form.is_valid(), (link, form.errors)
    return response.context["page"].paginator.count


def every_figure(board):
    yield from board.headline
    for row in board.matrix:
        yield from row.cells
        yield row.total
    yield from board.rag
    for row in board.breakdowns.reports + board.breakdowns.themes + board.breakdowns.owners:
        yield from (
            figure for figure in (row.total, row.open, row.overdue) if figure and figure.link
        )
    for month in board.burn_up:
        yield from (month.opened, month.closed, month.due)
    if board.engage:
        for cause in board.engage.causes:
            yield from cause.children


@pytest.mark.parametrize("who", ["opcc", "viewer"])
def test_every_number_links_to_a_findings_list_with_that_many_findings(request, client, world, who):
    client.force_login(request.getfixturevalue(who))
    params = {"force": world.force.pk} if who == "opcc" else {}
    board = client.get(DASHBOARD, params).context["board"]
    checked = 0
    for figure in every_figure(board):
        assert listed_count(client, figure.link) == figure.value, (figure.label, figure.link)
        checked += 1
    assert checked > 60
    links = board.forecast_links()
    assert listed_count(client, links["open"]) == board.forecast.open_count
    assert listed_count(client, links["finished"]) == board.forecast.finished


def test_drill_down_keeps_the_dashboard_filters(client, world, opcc):
    client.force_login(opcc)
    board = client.get(
        DASHBOARD,
        {"force": world.force.pk, "theme": world.theme_x.pk, "published_to": "2026-02-01"},
    ).context["board"]
    overdue = next(f for f in board.headline if f.label == "Overdue")
    query = parse_qs(urlsplit(overdue.link).query)
    assert query == {
        "force": [str(world.force.pk)],
        "theme": [str(world.theme_x.pk)],
        "published_to": ["2026-02-01"],
        "overdue": ["on"],
    }
    assert overdue.value == listed_count(client, overdue.link) == 1


def test_engage_figures_link_to_lists_of_as_many_findings_whatever_the_filters(client, world, opcc):
    """They count every recommendation under the cause, so their lists do not take the
    dashboard's other filters (a kind or theme filter would empty them)."""
    client.force_login(opcc)
    filters = {"force": world.force.pk, "kind": "area_for_improvement", "theme": world.theme_x.pk}
    board = client.get(DASHBOARD, filters).context["board"]
    figures = [figure for cause in board.engage.causes for figure in cause.children]
    assert sum(figure.value for figure in figures) > 0
    for figure in figures:
        assert listed_count(client, figure.link) == figure.value, (figure.label, figure.link)


def test_a_viewer_sees_their_own_force_only(client, world, viewer):
    client.force_login(viewer)
    response = client.get(DASHBOARD, {"force": world.other_force.pk})
    assert response.status_code == 200
    assert response.context["scope_name"] == str(world.force)
    assert response.context["board"].total == 9
    content = response.content.decode()
    assert "Report C" not in content
    assert 'name="force"' not in content  # nothing to choose


def test_a_report_of_another_force_is_refused_and_ignored(client, world, viewer):
    client.force_login(viewer)
    other_report = Finding.objects.get(reference="R1", force=world.other_force).report
    response = client.get(DASHBOARD, {"report": other_report.pk})
    assert response.context["board"].total == 9
    assert "Choose a report from the list." in response.content.decode()


def test_opcc_staff_can_choose_any_force(client, world, opcc):
    client.force_login(opcc)
    response = client.get(DASHBOARD, {"force": world.other_force.pk})
    assert response.context["board"].total == 1
    assert response.context["scope_name"] == str(world.other_force)


def test_dates_the_wrong_way_round_are_reported_on_the_form(client, world, opcc):
    client.force_login(opcc)
    response = client.get(DASHBOARD, {"published_from": "2026-04-01", "published_to": "2026-01-01"})
    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()
    # The valid end of the range still applies: no report with findings was published
    # from 1 April, so the page says what to do instead.
    assert response.context["board"].total == 0
    assert "No findings match these filters." in response.content.decode()


@pytest.mark.parametrize("url", [DASHBOARD, PACK, PACK_PDF])
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url", [DASHBOARD, PACK, PACK_PDF])
def test_a_user_without_a_role_is_refused(client, db, url):
    client.force_login(make_user(None, username="no-role"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["viewer", "lead", "opcc", "administrator"])
def test_every_role_that_can_view_findings_sees_the_dashboard(request, client, world, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(DASHBOARD).status_code == 200


def test_the_dashboard_has_no_inline_script_style_or_handlers(client, world, opcc):
    client.force_login(opcc)
    html = client.get(DASHBOARD, {"force": world.force.pk}).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page loads its scripts"
    for tag in scripts:
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert 'id="dashboard-data"' in html
    assert html.count("<canvas") == 4
    for heading in ("Headline figures", "Burn-up", "Forecast", "Engage", "s.55"):
        assert heading in html


def test_the_pack_page_prints_with_svg_charts_and_no_inline_script(client, world, opcc):
    client.force_login(opcc)
    response = client.get(PACK, {"force": world.force.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Performance and accountability session pack" in html
    assert "Prepared Wednesday 20 May 2026" in html
    assert html.count("<svg") == 4
    assert not re.search(r"\sstyle=", html)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert len(scripts) == 1
    assert re.fullmatch(r'<script src="/static/js/dashboard\.[0-9a-f.]*js">', scripts[0])
    assert "css/pack" in html


def test_the_pdf_pack_is_a_dated_paginated_pdf_with_the_sections(client, world, opcc):
    client.force_login(opcc)
    response = client.get(PACK_PDF, {"force": world.force.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="accountability-pack-2026-05-20.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
    for heading in (
        "Performance and accountability session pack",
        "Headline figures",
        "Decisions needed",
        "Charts",
        "Overdue findings",
        "Recommendations at risk of missing their deadline",
        "Awaiting the OPCC's assurance",
        "Engage (enhanced monitoring)",
        "PCC responses (Police Act 1996, s.55)",
        "Notes on the figures",
    ):
        assert heading in text, heading
    assert "Prepared Wednesday 20 May 2026" in text
    assert str(world.force) in text
    # The overdue item is listed with its owner.
    assert "R1" in text and "lead" in text


def test_the_pdf_for_a_force_scoped_user_leaves_other_forces_out(client, world, viewer):
    client.force_login(viewer)
    response = client.get(PACK_PDF)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Report C" not in text
    assert "Report A" in text
