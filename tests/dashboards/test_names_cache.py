"""The dashboard's names (forces, themes, reports, owners, Engage, sessions) are kept
across the commonest writes and fetched again after any write that changes one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accountability.models import Session, SessionAction
from dashboards import freshness
from dashboards.scope import load_names, names_for
from publishing.models import S55Response
from recommendations import services
from recommendations.models import (
    Action,
    ActionStatus,
    Finding,
    Force,
    MonitoringPeriod,
    MonitoringPhase,
    PpogMeeting,
    Rag,
    Report,
    Role,
    Status,
    Theme,
)
from tests.factories import make_finding, make_force, make_report, make_user

pytestmark = pytest.mark.django_db

# The names query is the UNION whose first part lists the themes (scope.load_names).
NAMES_QUERY = "'theme' AS \"dimension\""


@pytest.fixture
def kept(settings):
    settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 60


@pytest.fixture
def finding(force, lead):
    report = make_report(force=force, published_on=timezone.localdate() - timedelta(days=20))
    return make_finding(report=report, owner=lead, due_on=timezone.localdate() + timedelta(days=9))


def names_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboards:dashboard"))
    assert response.status_code == 200
    return sum(NAMES_QUERY in query["sql"] for query in queries)


def assert_kept_names_are_fresh(user) -> None:
    today = timezone.localdate()
    kept_names = names_for(user, today=today)
    fresh = load_names(user, today=today)
    assert kept_names == fresh
    # MonitoringPeriod compares by primary key only: compare what the page shows.
    assert [(p.force.name, p.started_on, p.next_ppog) for p in kept_names.engage] == [
        (p.force.name, p.started_on, p.next_ppog) for p in fresh.engage
    ]


def test_a_progress_update_keeps_the_names_and_the_next_look_shows_it(
    client, kept, opcc, lead, finding
):
    client.force_login(opcc)
    assert names_queries(client) == 1
    version = freshness.names_version()
    services.progress_update_add(
        finding=finding,
        expected_version=finding.version,
        author=lead,
        narrative="Illustrative: the new triage process is running in two of three hubs.",
        rag=Rag.GREEN,
        as_at=timezone.localdate(),
    )
    assert freshness.names_version() == version
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboards:dashboard"))
    assert not any(NAMES_QUERY in query["sql"] for query in queries)
    rag = {figure.label: figure.value for figure in response.context["board"].rag}
    assert rag["Green"] == 1  # the page itself is fresh: only the names were kept


def test_a_status_or_rag_saved_by_name_and_a_sign_in_keep_the_names(client, kept, opcc, finding):
    names_for(opcc, today=timezone.localdate())
    version = freshness.names_version()
    finding.status = Status.IN_PROGRESS
    finding.rag = Rag.AMBER
    finding.save(update_fields=["status", "rag"])
    client.force_login(opcc)  # saves last_login
    assert freshness.names_version() == version


def _new_theme(**_):
    Theme.objects.create(name="Illustrative theme: custody", slug="custody-names")


def _theme_renamed(**_):
    theme = Theme.objects.create(name="Illustrative theme", slug="renamed-names")
    freshness.names_version()  # kept before the rename
    theme.name = "Illustrative theme, renamed"
    theme.save()


def _report_retitled(finding, **_):
    report = Report.objects.get(pk=finding.report_id)
    report.title = "Illustrative inspection, corrected title"
    report.save()


def _new_report(force, **_):
    make_report(force=force, title="Illustrative second inspection")


def _response_started(finding, force, **_):
    S55Response.objects.create(report=finding.report, force=force)


def _owner_changed_by_full_save(finding, force, **_):
    finding.owner = make_user(Role.FORCE_LEAD, force=force, username="new-owner")
    finding.save()


def _owner_changed_by_name(finding, force, **_):
    finding.owner = make_user(Role.FORCE_LEAD, force=force, username="named-owner")
    finding.save(update_fields=["owner"])


def _owner_renamed(lead, **_):
    lead.first_name, lead.last_name = "Illustrative", "Renamed"
    lead.save(update_fields=["first_name", "last_name"])


def _reference_corrected(finding, **_):
    finding.reference = "R9"
    finding.save(update_fields=["reference"])


def _finding_in_a_new_force(**_):
    other = make_force(name="Illustrative Constabulary")
    make_finding(report=make_report(force=other))


def _force_renamed(force, **_):
    Force.objects.filter(pk=force.pk).update(name="Renamed Police")
    Force.objects.get(pk=force.pk).save()


def _engage_started(force, **_):
    MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=timezone.localdate()
    )


def _ppog_scheduled(force, **_):
    period = MonitoringPeriod.objects.create(
        force=force, phase=MonitoringPhase.ENGAGE, started_on=timezone.localdate()
    )
    freshness.names_version()
    PpogMeeting.objects.create(
        monitoring_period=period, meets_on=timezone.localdate() + timedelta(days=30)
    )


def _session_scheduled(force, **_):
    Session.objects.create(force=force, held_on=timezone.localdate() + timedelta(days=14))


def _session_moved(force, **_):
    session = Session.objects.create(force=force, held_on=timezone.localdate() + timedelta(days=14))
    session.held_on += timedelta(days=7)
    session.save()


def _session_action_agreed(finding, force, opcc, **_):
    session = Session.objects.create(force=force, held_on=timezone.localdate())
    action = Action.objects.create(finding=finding, description="Illustrative: audit ten cases")
    names_for(opcc, today=timezone.localdate())  # kept before the link to the session
    SessionAction.objects.create(action=action, session=session, created_by=opcc)


def _session_action_done(finding, force, opcc, **_):
    _session_action_agreed(finding=finding, force=force, opcc=opcc)
    action = Action.objects.get(finding=finding)
    action.status = ActionStatus.COMPLETE
    action.completed_on = timezone.localdate()
    action.save()


def _finding_deleted(finding, **_):
    Finding.objects.filter(pk=finding.pk).delete()


@pytest.mark.parametrize(
    "write",
    [
        _new_theme,
        _theme_renamed,
        _report_retitled,
        _new_report,
        _response_started,
        _owner_changed_by_full_save,
        _owner_changed_by_name,
        _owner_renamed,
        _reference_corrected,
        _finding_in_a_new_force,
        _force_renamed,
        _engage_started,
        _ppog_scheduled,
        _session_scheduled,
        _session_moved,
        _session_action_agreed,
        _session_action_done,
        _finding_deleted,
    ],
    ids=lambda write: write.__name__.strip("_"),
)
def test_a_write_that_changes_a_name_is_seen_by_the_next_look(
    kept, opcc, viewer, force, lead, finding, write
):
    for user in (opcc, viewer):
        names_for(user, today=timezone.localdate())
    version = freshness.names_version()
    write(finding=finding, force=force, lead=lead, opcc=opcc)
    assert freshness.names_version() != version
    for user in (opcc, viewer):
        assert_kept_names_are_fresh(user)


def test_a_session_action_done_leaves_the_dashboard(client, kept, opcc, force, finding):
    _session_action_agreed(finding=finding, force=force, opcc=opcc)
    Action.objects.filter(finding=finding).update(due_on=timezone.localdate() - timedelta(days=3))
    freshness.data_changed()  # an update() sends no signal
    client.force_login(opcc)
    first = client.get(reverse("dashboards:dashboard")).text
    assert "Illustrative: audit ten cases" in first
    assert '<strong class="session-actions-open">1</strong>' in first
    action = Action.objects.get(finding=finding)
    action.status = ActionStatus.COMPLETE
    action.completed_on = timezone.localdate()
    action.save()
    after = client.get(reverse("dashboards:dashboard")).text
    assert "Illustrative: audit ten cases" not in after
    assert '<strong class="session-actions-open">0</strong>' in after


def test_the_names_are_kept_per_force_and_per_day(kept, opcc, viewer, outsider, force, finding):
    today = timezone.localdate()
    assert set(names_for(viewer, today=today).reports) == {finding.report_id}
    make_report(force=outsider.force, title="Illustrative: another force's inspection")
    assert finding.report_id not in names_for(outsider, today=today).reports
    assert len(names_for(opcc, today=today).reports) == 2
    # Tomorrow's names are fetched afresh: sessions and PPOG meetings are "from today".
    session = Session.objects.create(force=force, held_on=today)
    assert [s.pk for s in names_for(viewer, today=today).sessions] == [session.pk]
    assert names_for(viewer, today=today + timedelta(days=1)).sessions == []


def test_with_caching_off_the_names_are_fetched_every_time(opcc, finding):
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as queries:
        names_for(opcc, today=today)
        names_for(opcc, today=today)
    assert sum(NAMES_QUERY in query["sql"] for query in queries) == 2


def test_names_kept_in_a_write_that_has_not_committed_are_not_read_after_it_commits(
    kept, opcc, force, finding, django_capture_on_commit_callbacks
):
    """A look between the write and its commit keeps the old names under the version
    the write moved to; the commit moves it on again, so they are never read after."""
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        Theme.objects.create(name="Illustrative theme: written", slug="written-names")
        during = freshness.names_version()
        names_for(opcc, today=today)
    assert freshness.names_version() != during
    assert "Illustrative theme: written" in names_for(opcc, today=today).themes.values()
