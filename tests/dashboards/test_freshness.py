"""Dashboard figures are cached, and any write to the findings makes them fresh again."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards import freshness
from recommendations.models import Finding
from tests.factories import make_finding, make_report

pytestmark = pytest.mark.django_db


def open_count(response) -> int:
    return next(f.value for f in response.context["board"].headline if f.label == "Open")


@pytest.fixture
def cached(settings):
    settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 60


def test_a_second_look_is_served_from_the_cache(client, opcc, force, cached):
    make_finding(report=make_report(force=force), due_on=timezone.localdate() + timedelta(days=5))
    client.force_login(opcc)
    client.get(reverse("dashboards:dashboard"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboards:dashboard"))
    assert response.status_code == 200
    assert len(queries) <= 6
    assert open_count(response) == 1


def test_any_write_makes_the_next_look_fresh(client, opcc, force, cached):
    report = make_report(force=force)
    finding = make_finding(report=report)
    client.force_login(opcc)
    assert open_count(client.get(reverse("dashboards:dashboard"))) == 1
    make_finding(report=report)  # a save through the ORM
    assert open_count(client.get(reverse("dashboards:dashboard"))) == 2
    Finding.objects.filter(pk=finding.pk).delete()  # queryset delete sends post_delete
    assert open_count(client.get(reverse("dashboards:dashboard"))) == 1


def test_bulk_writes_say_so_themselves(client, opcc, force, cached):
    report = make_report(force=force)
    make_finding(report=report)
    client.force_login(opcc)
    assert open_count(client.get(reverse("dashboards:dashboard"))) == 1
    Finding.objects.bulk_create(
        [
            Finding(
                report=report, force=force, kind="area_for_improvement", reference="B1", text="Bulk"
            )
        ]
    )
    # A bulk insert sends no signal, so the cached figures stand …
    assert open_count(client.get(reverse("dashboards:dashboard"))) == 1
    # … until the writer says the data changed, as the import and seeding do.
    freshness.data_changed()
    assert open_count(client.get(reverse("dashboards:dashboard"))) == 2


def test_people_with_different_scopes_never_share_figures(
    client, opcc, viewer, force, other_force, cached
):
    make_finding(report=make_report(force=force))
    make_finding(report=make_report(force=other_force))
    client.force_login(opcc)
    assert open_count(client.get(reverse("dashboards:dashboard"))) == 2
    client.force_login(viewer)
    assert open_count(client.get(reverse("dashboards:dashboard"))) == 1


def test_a_cached_board_leaves_the_names_out_and_is_read_back_with_the_readers(
    client, opcc, force, cached
):
    """The names are cached on their own; a board holding them too would carry every
    report title into each cached entry and read back another person's scope."""
    import pickle

    title = "Illustrative report named only in the filters, never in a figure"
    make_report(force=force, title=title, published_on=timezone.localdate() - timedelta(days=800))
    make_finding(
        report=make_report(force=force, published_on=timezone.localdate()),
        due_on=timezone.localdate() + timedelta(days=5),
    )
    client.force_login(opcc)
    first = client.get(reverse("dashboards:dashboard"))
    board = first.context["board"]
    assert title.encode() not in pickle.dumps(board)
    assert pickle.loads(pickle.dumps(board)).scope is None

    second = client.get(reverse("dashboards:dashboard"))
    assert second.context["board"].scope.user == opcc
    assert second.context["board"].scope.names.reports  # the reader's names, not None
    assert title in second.content.decode()  # the report filter, from the reader's names
