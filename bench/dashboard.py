"""Benchmark of the dashboard and the filtered findings list (issue: dashboards).

    .venv/bin/python bench/dashboard.py [--scale 50000] [--runs 30]

Uses PostgreSQL from BENCH_DATABASE_URL (default: a local `oversight_bench`
database, created and seeded with `seed_demo --scale`). Runs VACUUM ANALYZE
first, as autovacuum would have on a live database. Then, in one process, with
Django's test Client signed in as an OPCC staff user who sees every force,
prints for each page: the number of SQL queries, the median and 95th
percentile server time over --runs requests after warm-up, and each median as a
ratio to an empty authenticated page measured in the same run. The dashboard is
measured with caching off, at the first look, after a write to one force, and
from the cache (docs/performance.md says what each means).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, summary, timed

BASELINE = "/accounts/password/done/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup_django(args.scale)

    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dashboards import tallies
    from recommendations.models import Finding, Force, User

    # The test Client's host, and hashed static file names (DEBUG is off).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("collectstatic", "--noinput", verbosity=0)
    with connection.cursor() as cursor:
        for table in ("recommendations_finding", "recommendations_finding_themes"):
            cursor.execute(f"VACUUM ANALYZE {table}")

    user = User.objects.get(username="opcc")
    assert user.force_id is None, "the benchmark user must see every force"
    client = Client()
    client.force_login(user)
    busiest = (
        Force.objects.filter(findings__isnull=False)
        .order_by("name")
        .values_list("pk", flat=True)
        .first()
    )
    edited = Finding.objects.filter(force_id=busiest).order_by("pk").first()

    def write_to_one_force() -> None:
        """A save through the ORM, as a progress update or assurance makes."""
        edited.save(update_fields=["updated_at"])

    def forget_everything() -> None:
        """As after a restart, a new day, or a bulk write: nothing cached or kept."""
        cache.clear()
        tallies.forget_all()

    # (label, url, dashboard cache seconds, run before each request): the dashboard
    # with caching off (every figure counted on every request); the first look with
    # caching on (nothing cached yet: every force counted, per force); after a write
    # to one force (the cached page is stale; the counts kept per force recount that
    # force); and from the cache (no write since the last look).
    pages = [
        ("Empty authenticated page (baseline)", BASELINE, 0, None),
        ("Dashboard, all forces, no cache", "/dashboard/", 0, None),
        ("Dashboard, one force, no cache", f"/dashboard/?force={busiest}", 0, None),
        ("Dashboard, all forces, first look", "/dashboard/", 60, forget_everything),
        ("Dashboard, all forces, after a write", "/dashboard/", 60, write_to_one_force),
        (
            "Dashboard, one force, after a write",
            f"/dashboard/?force={busiest}",
            60,
            write_to_one_force,
        ),
        ("Dashboard, all forces, from the cache", "/dashboard/", 60, None),
        ("Dashboard, one force, from the cache", f"/dashboard/?force={busiest}", 60, None),
        ("Findings list, no filter", "/findings/", 0, None),
        (
            "Findings list, open + overdue, sorted",
            "/findings/?status=open&overdue=on&sort=-due",
            0,
            None,
        ),
        (
            "Findings list, kind + RAG + theme",
            "/findings/?kind=recommendation&rag=red&theme=1",
            0,
            None,
        ),
        ("Findings list, text search", "/findings/?q=process+number+12", 0, None),
        (
            "Findings list, text search + open",
            "/findings/?q=illustrative+process&status=open",
            0,
            None,
        ),
    ]

    print(
        f"\nFindings: {Finding.objects.count():,}; forces with findings: "
        f"{Force.objects.filter(findings__isnull=False).distinct().count()}; "
        f"{args.runs} runs per page after 5 warm-ups\n"
    )
    print(f"{'Page':<42} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'ratio':>7}")
    baseline_ms = None
    for label, url, cache_seconds, before in pages:
        settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = cache_seconds
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if before:
            before()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # Read now: every request's request_started signal empties the query log.
        query_count = len(queries)
        samples = timed(lambda url=url: client.get(url), runs=args.runs, warmup=5, before=before)
        median, p95 = summary(samples)
        if baseline_ms is None:
            baseline_ms = median
        ratio = median / baseline_ms
        print(f"{label:<42} {query_count:>7} {median:>10.1f} {p95:>8.1f} {ratio:>6.1f}x")

    _after_a_write(args, user, busiest, write_to_one_force, baseline_ms)


def _after_a_write(args, user, busiest, write, baseline_ms) -> None:
    """Where the time of the all-forces dashboard after a write goes, part by part."""
    from django.conf import settings
    from django.utils import timezone

    from dashboards import counts, figures, freshness, tallies
    from dashboards.scope import Scope, load_names

    settings.OVERSIGHT_DASHBOARD_CACHE_SECONDS = 60
    today = timezone.localdate()
    names = load_names(user, today=today)
    scope = Scope(user=user, today=today, names=names)
    forces = [*names.forces, None]
    rows = tallies.all_forces_rows(scope, counts.grouped_rows)
    parts = [
        ("Names (forces, themes, reports …), 1 query", lambda: load_names(user, today=today)),
        ("Findings versions read (cache)", lambda: freshness.findings_versions(forces)),
        ("One force recounted (SQL)", lambda: counts.grouped_rows(scope, forces=[busiest])),
        (
            "Kept counts updated after a write (total)",
            lambda: tallies.all_forces_rows(scope, counts.grouped_rows),
        ),
        (
            "Rows to totals (split_rows, totals)",
            lambda: counts.totals(scope, counts.split_rows(rows)[0]),
        ),
        ("Figures from kept counts (all; 0-1 queries)", lambda: figures.dashboard(scope)),
    ]
    print("\nAfter a write, part by part (in this process; the page adds session, person, render)")
    for label, func in parts:
        before = write if label.startswith("Kept counts") else None
        median, p95 = summary(timed(func, runs=args.runs, warmup=3, before=before))
        print(f"{label:<50} {median:>10.1f} {p95:>8.1f} {median / baseline_ms:>6.1f}x")


if __name__ == "__main__":
    main()
