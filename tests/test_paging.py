"""Text searches count their matches only as far as anyone reads; filters count exactly."""

from __future__ import annotations

import pytest
from django.urls import reverse

from recommendations import paging
from recommendations.paging import CappedPaginator
from tests.factories import make_finding, make_report


def test_capped_paginator_counts_to_the_cap_and_says_when_there_were_more():
    under = CappedPaginator(list(range(7)), 5, cap=10)
    assert (under.count, under.capped, under.num_pages) == (7, False, 2)
    at = CappedPaginator(list(range(10)), 5, cap=10)
    assert (at.count, at.capped) == (10, False)
    over = CappedPaginator(list(range(23)), 5, cap=10)
    assert (over.count, over.capped, over.num_pages) == (10, True, 2)
    assert list(over.get_page(2).object_list) == [5, 6, 7, 8, 9]
    assert list(over.get_page(3).object_list) == [5, 6, 7, 8, 9]  # as far as it goes


@pytest.mark.django_db
def test_a_broad_search_says_more_than_the_cap_but_filters_count_exactly(
    client, opcc, force, monkeypatch
):
    monkeypatch.setattr(paging, "SEARCH_COUNT_CAP", 3)
    report = make_report(force=force)
    for _ in range(5):
        make_finding(report=report, text="The force should review its common process.")
    client.force_login(opcc)
    url = reverse("recommendations:finding-list")

    searched = client.get(url, {"q": "common process"})
    assert b"<strong>More than 3</strong> findings" in searched.content
    assert searched.context["page"].paginator.capped
    assert b"These are the first 3 matches" in searched.content

    filtered = client.get(url, {"kind": "recommendation"})
    assert b"<strong>5</strong> findings" in filtered.content  # what the dashboard links to

    narrow = client.get(url, {"q": make_finding(report=report, text="A rare phrase.").reference})
    assert b"<strong>1</strong> finding" in narrow.content
    # Exports are never capped.
    exported = client.get(reverse("recommendations:finding-export-csv"), {"q": "common process"})
    assert exported.content.decode("utf-8-sig").count("common process") == 5


@pytest.mark.django_db
def test_an_unknown_theme_is_refused_with_a_message(client, opcc):
    client.force_login(opcc)
    response = client.get(reverse("recommendations:finding-list"), {"theme": "999999"})
    assert response.status_code == 200
    assert response.context["form"].errors["theme"]
    assert b"Select a valid choice" in response.content
