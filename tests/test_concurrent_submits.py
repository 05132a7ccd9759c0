"""A double click sends the same new finding or report twice at once: one is saved, the other
gets a clear message, and neither gets a 500. Run against PostgreSQL with real threads."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from recommendations.models import Finding, Report, ReportKind
from tests.factories import make_report


def _post_together(user, url: str, data: dict, twins: int = 4) -> list[tuple[int, str]]:
    barrier = threading.Barrier(twins)
    results: list[tuple[int, str]] = []

    def submit() -> None:
        client = Client()
        client.force_login(user)
        barrier.wait()
        try:
            response = client.post(url, data)
            results.append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(twins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_twin_submits_of_a_new_finding_save_one_and_explain_the_rest(reference_data, opcc, force):
    report = make_report(force=force)
    url = reverse("recommendations:finding-create", args=[report.pk])
    data = {"kind": "recommendation", "reference": "R7", "text": "The force should act."}
    results = _post_together(opcc, url, data)
    assert sorted(status for status, _ in results) == [200, 200, 200, 302]
    for status, page in results:
        if status == 200:
            assert "already has a finding numbered R7" in page
    assert Finding.objects.filter(report=report, reference="R7").count() == 1


@pytest.mark.django_db(transaction=True)
def test_twin_submits_of_a_new_report_save_one_and_explain_the_rest(reference_data, opcc, force):
    data = {
        "kind": ReportKind.PEEL,
        "title": "Submitted twice",
        "force": force.pk,
        "published_on": "2026-03-01",
    }
    results = _post_together(opcc, reverse("recommendations:report-create"), data)
    assert sorted(status for status, _ in results) == [200, 200, 200, 302]
    for status, page in results:
        if status == 200:
            assert "already" in page
    assert Report.objects.filter(title="Submitted twice").count() == 1
