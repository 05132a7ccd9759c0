"""The all-forces counts kept per force always equal a full recount, and a write
recounts only the force it touched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboards import counts, freshness, tallies
from dashboards.scope import Scope, load_names
from recommendations.models import Finding, FindingKind, Role, Status, Theme
from tests.factories import make_finding, make_report, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 60


class CountSpy:
    """`counts.grouped_rows`, noting which forces each call recounted."""

    def __init__(self) -> None:
        self.calls: list[set | None] = []

    def __call__(self, scope, *, forces=None):
        self.calls.append(None if forces is None else set(forces))
        return counts.grouped_rows(scope, forces=forces)


def all_forces(user) -> Scope:
    today = timezone.localdate()
    return Scope(user=user, today=today, names=load_names(user, today=today))


def normalised(rows: list[tuple]) -> list[tuple]:
    """Rows with the force column dropped and missing counts as 0, in a fixed order."""
    return sorted(
        ((*row[: counts.FORCE], *(value or 0 for value in row[counts.COUNTS])) for row in rows),
        key=repr,
    )


def assert_kept_equals_recount(user, spy: CountSpy) -> None:
    scope = all_forces(user)
    assert tallies.kept_per_force(scope)
    kept_rows = tallies.all_forces_rows(scope, spy)
    assert normalised(kept_rows) == normalised(counts.grouped_rows(scope))


@pytest.fixture
def world(force, other_force, lead):
    today = timezone.localdate()
    themes = [Theme.objects.create(name=f"Tally theme {i}", slug=f"tally-{i}") for i in range(2)]
    findings = {}
    # Each force's findings are owned by a lead of that force (only they may own them).
    elsewhere_lead = make_user(Role.FORCE_LEAD, force=other_force, username="elsewhere-lead")
    for f, owner in ((force, lead), (other_force, elsewhere_lead)):
        report = make_report(force=f)
        for i, status in enumerate([Status.NOT_STARTED, Status.IN_PROGRESS, Status.ASSURED]):
            findings[(f.pk, i)] = make_finding(
                report=report,
                owner=owner,
                due_on=today + timedelta(days=10 * i - 15),
                status=status,
                themes=[themes[i % 2]],
            )
    return findings, themes


def test_kept_counts_equal_a_full_recount_after_every_kind_of_write(
    kept, opcc, force, other_force, world
):
    findings, themes = world
    spy = CountSpy()
    assert_kept_equals_recount(opcc, spy)

    # A new finding, through the service.
    make_finding(report=make_report(force=force), kind=FindingKind.AREA_FOR_IMPROVEMENT)
    assert_kept_equals_recount(opcc, spy)

    # A status change and a new due date, saved through the ORM.
    finding = Finding.objects.get(pk=findings[(other_force.pk, 0)].pk)
    finding.status = Status.IN_PROGRESS
    finding.due_on = timezone.localdate() - timedelta(days=40)
    finding.save()
    assert_kept_equals_recount(opcc, spy)

    # A theme added from the finding's side, then one removed.
    finding.themes.add(themes[1])
    assert_kept_equals_recount(opcc, spy)
    finding.themes.remove(themes[0])
    assert_kept_equals_recount(opcc, spy)

    # A finding moved to the other force (a correction): both forces change.
    moved = Finding.objects.get(pk=findings[(force.pk, 1)].pk)
    moved.force = other_force
    moved.save()
    assert_kept_equals_recount(opcc, spy)

    # A finding deleted.
    Finding.objects.filter(pk=findings[(force.pk, 2)].pk).delete()
    assert_kept_equals_recount(opcc, spy)

    # A theme deleted: its links go by cascade, with no signal from the finding's side.
    themes[1].delete()
    assert_kept_equals_recount(opcc, spy)

    # A bulk write, which says so itself.
    report = make_report(force=force)
    Finding.objects.bulk_create(
        [Finding(report=report, force=force, kind="area_for_improvement", reference="B", text="x")]
    )
    freshness.data_changed()
    assert_kept_equals_recount(opcc, spy)

    # A finding of no force (national work no force has taken on) counts too.
    Finding.objects.filter(pk=findings[(other_force.pk, 2)].pk).update(force=None)
    freshness.data_changed()
    assert_kept_equals_recount(opcc, spy)


def test_a_write_recounts_only_the_force_it_touched(kept, opcc, force, other_force, world):
    findings, _ = world
    spy = CountSpy()
    assert_kept_equals_recount(opcc, spy)
    assert spy.calls[-1] == {force.pk, other_force.pk, None}  # the first look counts all

    assert_kept_equals_recount(opcc, spy)
    assert len(spy.calls) == 1  # nothing changed: nothing recounted

    finding = Finding.objects.get(pk=findings[(force.pk, 0)].pk)
    finding.status = Status.REPORTED_COMPLETE
    finding.save()
    assert_kept_equals_recount(opcc, spy)
    assert spy.calls[-1] == {force.pk}

    finding.force = other_force
    finding.save()
    assert_kept_equals_recount(opcc, spy)
    assert spy.calls[-1] == {force.pk, other_force.pk}

    freshness.data_changed()  # a bulk write: anything may have changed
    assert_kept_equals_recount(opcc, spy)
    assert spy.calls[-1] == {force.pk, other_force.pk, None}


def test_counts_are_kept_only_for_views_across_every_force(settings, opcc, viewer, force, world):
    settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 60
    assert tallies.kept_per_force(all_forces(opcc))
    assert not tallies.kept_per_force(all_forces(viewer))  # scoped to one force
    one_force = all_forces(opcc)
    one_force.filters = {"force": force.pk}
    assert not tallies.kept_per_force(one_force)
    settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 0  # caching off: always counted afresh
    assert not tallies.kept_per_force(all_forces(opcc))


def test_filtered_counts_are_kept_apart_and_follow_report_dates(
    kept, opcc, force, other_force, world
):
    findings, themes = world
    spy = CountSpy()
    today = timezone.localdate()
    report = findings[(force.pk, 0)].report
    report.published_on = today - timedelta(days=400)
    report.save()
    filters = [
        {"kind": FindingKind.RECOMMENDATION},
        {"theme": themes[0].pk},
        {"published_from": today - timedelta(days=100)},
    ]

    def check_every_filter() -> None:
        for chosen in filters:
            scope = all_forces(opcc)
            scope.filters = chosen
            assert tallies.kept_per_force(scope)
            kept_rows = tallies.all_forces_rows(scope, spy)
            assert normalised(kept_rows) == normalised(counts.grouped_rows(scope)), chosen

    check_every_filter()
    # A report's publication date moves it into the date filter's range.
    report.published_on = today - timedelta(days=10)
    report.save()
    check_every_filter()
    finding = Finding.objects.get(pk=findings[(other_force.pk, 1)].pk)
    finding.kind = FindingKind.AREA_FOR_IMPROVEMENT
    finding.due_on = None
    finding.save()
    check_every_filter()


@pytest.fixture
def local_memory_cache(settings):
    """The embedded default: each process its own cache."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_kept_counts_expire_when_the_cache_is_per_process(
    kept, local_memory_cache, opcc, force, other_force, world, monkeypatch
):
    assert not tallies.shared()
    spy = CountSpy()
    assert_kept_equals_recount(opcc, spy)
    later = tallies.time.monotonic() + 61
    monkeypatch.setattr(tallies.time, "monotonic", lambda: later)
    assert_kept_equals_recount(opcc, spy)
    assert spy.calls == [{force.pk, other_force.pk, None}] * 2


def test_a_version_lost_from_the_cache_never_comes_back_equal(force):
    from django.core.cache import cache

    _, before = freshness.findings_versions([force.pk])
    cache.delete(freshness.FORCE_KEY.format(force.pk))
    _, after = freshness.findings_versions([force.pk])
    assert after[force.pk] != before[force.pk]


def test_one_copy_moved_twice_and_a_refreshed_copy_recount_the_right_forces(
    kept, opcc, force, other_force, world
):
    from tests.factories import make_force

    third = make_force()
    findings, _ = world
    spy = CountSpy()
    assert_kept_equals_recount(opcc, spy)
    finding = Finding.objects.get(pk=findings[(force.pk, 0)].pk)
    finding.force = other_force
    finding.save()
    assert_kept_equals_recount(opcc, spy)
    finding.force = third  # the same copy again: it is now in other_force, not force
    finding.save()
    assert_kept_equals_recount(opcc, spy)
    assert spy.calls[-1] == {other_force.pk, third.pk}

    stale = Finding.objects.get(pk=findings[(force.pk, 1)].pk)
    Finding.objects.filter(pk=stale.pk).update(force=other_force)
    freshness.data_changed()
    stale.refresh_from_db()  # now knows it is in other_force
    assert_kept_equals_recount(opcc, spy)
    stale.force = force
    stale.save()
    assert_kept_equals_recount(opcc, spy)
    assert spy.calls[-1] == {force.pk, other_force.pk}


def test_a_finding_of_no_force_recounts_only_the_no_force_counts(kept, opcc, world):
    findings, _ = world
    finding = Finding.objects.get(pk=next(iter(findings.values())).pk)
    Finding.objects.filter(pk=finding.pk).update(force=None)
    freshness.data_changed()
    spy = CountSpy()
    assert_kept_equals_recount(opcc, spy)
    nowhere = Finding.objects.get(pk=finding.pk)
    nowhere.status = Status.IN_PROGRESS
    nowhere.save()
    assert_kept_equals_recount(opcc, spy)
    assert spy.calls[-1] == {None}
