"""Fixtures for bringing a report in: a report, its text, and helpers to drive the screens."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from recommendations.models import Report
from tests.extraction import CORPUS
from tests.factories import make_report

# tests/extraction/corpus/peel_2023_coc.txt, published 14 November 2024, holds (in order):
# CoC1; R1–R3 "Within three months" (due 14 February 2025) under CoC1; R4 "By 31 May 2025"
# under CoC1; AFI1–AFI3.
PUBLISHED = date(2024, 11, 14)
EXPECTED_REFERENCES = ["CoC1", "R1", "R2", "R3", "R4", "AFI1", "AFI2", "AFI3"]


@pytest.fixture
def peel_text() -> str:
    return (CORPUS / "peel_2023_coc.txt").read_text(encoding="utf-8")


@pytest.fixture
def report(force) -> Report:
    return make_report(
        force=force, title="PEEL 2023–25: Eastholme Police (illustrative)", published_on=PUBLISHED
    )


@pytest.fixture
def opcc_client(client: Client, opcc) -> Client:
    client.force_login(opcc)
    return client


def intake_url(report: Report) -> str:
    return reverse("intake:report-intake", args=[report.pk])


def review_url(report: Report) -> str:
    return reverse("intake:report-intake-review", args=[report.pk])


def import_url(report: Report) -> str:
    return reverse("intake:report-import", args=[report.pk])
