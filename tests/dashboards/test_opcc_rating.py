"""The dashboard and the pack show the OPCC's own rating beside the force's RAG (issue 16,
item 6): a challenged finding is never counted by the force's Green alone."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import figures
from dashboards.scope import Scope, load_names
from recommendations.models import Finding, Status
from tests.factories import make_finding, make_report

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)


@pytest.fixture
def challenged(force):
    """Green by the force's RAG, Red by the OPCC's, after a challenge."""
    finding = make_finding(report=make_report(force=force), due_on=date(2026, 9, 1))
    Finding.objects.filter(pk=finding.pk).update(
        status=Status.IN_PROGRESS, rag="green", opcc_rag="red", challenged_at=timezone.now()
    )
    make_finding(report=finding.report, due_on=date(2026, 9, 2))  # rated by neither
    return finding


def board_for(user):
    scope = Scope(user=user, today=TODAY, filters={}, names=load_names(user, today=TODAY))
    return figures.dashboard(scope)


def test_the_dashboard_counts_the_opccs_rating_beside_the_forces(challenged, opcc):
    board = board_for(opcc)
    force = {figure.label: figure.value for figure in board.rag}
    opccs = {figure.label: figure.value for figure in board.opcc_rag}
    assert force == {"Red": 0, "Amber": 0, "Green": 1, "Not rated": 1}
    assert opccs == {"Red": 1, "Amber": 0, "Green": 0, "Not rated": 1}
    chart = board.chart_data()["rag"]
    assert [s["label"] for s in chart["datasets"]] == ["Force's RAG", "OPCC's rating"]


def test_the_opcc_rating_figure_links_to_the_findings_it_counts(client, challenged, opcc):
    board = board_for(opcc)
    [red] = [figure for figure in board.opcc_rag if figure.label == "Red"]
    assert "opcc_rag=red" in red.link
    client.force_login(opcc)
    listed = client.get(red.link).context["page"].object_list
    assert [finding.pk for finding in listed] == [challenged.pk]


def test_the_dashboard_page_and_the_pack_show_both_ratings(client, challenged, opcc):
    client.force_login(opcc)
    page = client.get(reverse("dashboards:dashboard")).content.decode()
    assert "Force's RAG" in page and "OPCC's rating" in page
    pack = client.get(reverse("dashboards:pack")).content.decode()
    assert "OPCC&#x27;s rating" in pack or "OPCC's rating" in pack
    assert "OPCC: " in pack or "OPCC:" in pack  # the at-risk table's ratings
