"""Work the dashboard does ahead of anyone looking (called by `dashboards/tasks.py`)."""

from __future__ import annotations

from datetime import date

from django.conf import settings

from dashboards import counts, tallies
from dashboards.scope import Scope, names_for
from recommendations.models import User


def dashboard_counts_share(forces: set[int | None], *, today: date) -> int:
    """Count these forces for the all-forces dashboard (no filters) into the shared
    cache, as the warm-up does for every force; return how many were counted. Called
    once a write to them has committed (`freshness.py`), so the next look from any
    process reads them. Nothing to do without a shared cache or with caching off."""
    if settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS <= 0 or not tallies.shared():
        return 0
    # Names are not needed to count: the forces are given.
    return tallies.share(Scope(user=User(force=None), today=today), counts.grouped_rows, forces)


def dashboard_counts_warm(*, today: date) -> int:
    """Have the day's all-forces counts (no filters) in the shared cache; return how many
    forces had to be counted.

    The first look of a new day (or after a bulk write moved the findings epoch on)
    would otherwise count every force while someone waits. Run by beat every few
    minutes: after midnight the new day's counts are counted once, here; any other
    run counts only the forces written to since the last (as a look would), and
    usually none. Nothing to do without a shared cache: each web process keeps its
    own counts then, and the worker's would help no one.
    """
    if settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS <= 0 or not tallies.shared():
        return 0
    # Never saved: someone of no force, who sees every force's findings, as OPCC staff
    # do. The counts depend only on that (`Finding.objects.visible_to`), not on who.
    everyone = User(force=None)
    scope = Scope(user=everyone, today=today, names=names_for(everyone, today=today))
    tallies.all_forces_rows(scope, counts.grouped_rows)
    return len(tallies.last_look().counted)
