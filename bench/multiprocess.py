"""Benchmark of the dashboard across three gunicorn processes sharing PostgreSQL and Redis
(issue 18).

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/multiprocess.py [--runs 20]

Seeds the benchmark database (bench/common.py), starts three gunicorn processes (one
sync worker each, on three loopback ports) with Redis as the shared cache, and signs in
as OPCC staff who see every force. Requests go over HTTP; `bench/counted_wsgi.py` puts
each request's server time, SQL statements and what the counts kept per force did
(forces read from Redis, forces counted in SQL) in response headers. Prints medians,
95th percentiles, query counts and ratios against an empty authenticated page
measured in the same run:

- **after a write**: a progress update posted through one process (its RAG flips
  between red and green, so the RAG figures move; the post is timed too), then the
  dashboard through the second process (the first look after the write: it counts, or
  since the write counts at commit reads, the force written to), the third (the page
  from the shared cache) and the writer. The process that writes
  turns with each run. Every view's RAG figures are checked against a full recount:
  a run that showed an old figure is counted and reported.
- **first look of the day**: the cache emptied (as on a new day: new versions, nothing
  kept, in every process), then the dashboard through one process, with and without
  the warm-up task (`dashboards.tasks.dashboard_counts_warm`, run here in this process
  as a Celery worker would) run first.

The write path and the warm-up run untimed. Timings are for reading, never for
asserting: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, setup_django, summary
from tests.support.smtp import free_port

BASELINE = "/accounts/password/done/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
# A row of the RAG table: the rating, the force's count, then the OPCC's own rating's.
RAG_ROW = re.compile(
    r'<tr><th scope="row">(.*?)</th><td><a href="[^"]*">([\d,]+)</a></td><td>', re.S
)
RAG_LABEL = re.compile(r"\b(Red|Amber|Green|Not rated)\b")


class Sample:
    def __init__(self) -> None:
        self.server: list[float] = []
        self.client: list[float] = []
        self.queries: Counter[int] = Counter()
        self.tally: Counter[str] = Counter()

    def add(self, response) -> None:
        self.server.append(float(response.headers["X-Bench-Ms"]) / 1000)
        self.client.append(response.elapsed.total_seconds())
        self.queries[int(response.headers["X-Bench-Queries"])] += 1
        self.tally[response.headers["X-Bench-Tally"]] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("REDIS_URL must name the Redis the processes share")
    setup_django(args.scale)

    import requests
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from dashboards import counts

    try:
        from dashboards import services
    except ImportError:  # the code before issue 18, measured for comparison: no warm-up
        services = None
    from dashboards.scope import Scope, load_names
    from recommendations.filters import NOT_RATED
    from recommendations.models import OPEN_STATUSES, Finding, Force, User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("axes_reset", verbosity=0)
    with connection.cursor() as cursor:
        for table in ("recommendations_finding", "recommendations_finding_themes"):
            cursor.execute(f"VACUUM ANALYZE {table}")

    user = User.objects.get(username="opcc")
    signed_in = Client()
    signed_in.force_login(user)  # sessions are in the database all processes share
    busiest = (
        Force.objects.filter(findings__isnull=False).order_by("name").values_list("pk", flat=True)
    ).first()
    edited = (
        Finding.objects.filter(force_id=busiest, status__in=OPEN_STATUSES, kind="recommendation")
        .order_by("pk")
        .first()
    )

    def expected_rag() -> dict[str, int]:
        """The RAG figures, counted afresh in this process."""
        today = timezone.localdate()
        scope = Scope(user=user, today=today, names=load_names(user, today=today))
        status_rows, _ = counts.split_rows(counts.grouped_rows(scope))
        by_name = counts.totals(scope, status_rows).by_name
        return {
            label: by_name[f"rag:{key}"]
            for label, key in (
                ("Red", "red"),
                ("Amber", "amber"),
                ("Green", "green"),
                ("Not rated", NOT_RATED),
            )
        }

    workdir = Path(tempfile.mkdtemp(prefix="oversight-multiprocess-"))
    ports = [free_port() for _ in range(3)]
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"],  # the benchmark's (setup_django)
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "OVERSIGHT_EVIDENCE_ROOT": str(workdir / "evidence"),
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "1",
    }
    servers = [
        subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--config",
                "oversight/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
                "bench.counted_wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=(workdir / f"gunicorn-{port}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    try:
        http = requests.Session()
        http.cookies.set(settings.SESSION_COOKIE_NAME, signed_in.cookies["sessionid"].value)
        for port in ports:
            _wait_for(http, f"http://127.0.0.1:{port}/healthz")
        _run(args, http, ports, cache, services, edited, expected_rag, timezone)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def _run(args, http, ports, cache, services, edited, expected_rag, timezone) -> None:
    base = [f"http://127.0.0.1:{port}" for port in ports]

    def get(process: int, path: str, sample: Sample | None = None):
        response = http.get(base[process] + path, allow_redirects=False)
        assert response.status_code == 200, (path, response.status_code)
        if sample is not None:
            sample.add(response)
        return response

    rag = "red" if edited.rag != "red" else "green"
    writes = Sample()

    def write(process: int) -> None:
        nonlocal rag
        url = f"{base[process]}/findings/{edited.pk}/updates/new/"
        form = http.get(url).text
        posted = http.post(
            url,
            {
                "csrfmiddlewaretoken": TOKEN.search(form).group(1),
                "version": VERSION.search(form).group(1),
                "narrative": "Benchmark update: progress reviewed.",
                "rag": rag,
                "as_at": timezone.localdate().isoformat(),
            },
            headers={"Referer": url},
            allow_redirects=False,
        )
        assert posted.status_code == 302, (posted.status_code, posted.text[:2000])
        writes.add(posted)
        rag = "green" if rag == "red" else "red"

    # Warm every process (imports, connections, templates).
    for process in range(3):
        for _ in range(5):
            get(process, BASELINE)
            get(process, "/dashboard/")

    results: list[tuple[str, Sample]] = []
    baseline = Sample()
    for i in range(args.runs * 3):
        get(i % 3, BASELINE, baseline)
    results.append(("Empty authenticated page (baseline), any process", baseline))

    cached = Sample()
    for i in range(args.runs * 3):
        get(i % 3, "/dashboard/", cached)
    results.append(("Dashboard, from the shared cache, any process", cached))

    first_after, third, writer = Sample(), Sample(), Sample()
    stale = 0
    for i in range(args.runs):
        a, b, c = i % 3, (i + 1) % 3, (i + 2) % 3
        write(a)
        wanted = expected_rag()
        for process, sample in ((b, first_after), (c, third), (a, writer)):
            shown = _rag_figures(get(process, "/dashboard/", sample).text)
            stale += shown != wanted
    results.append(("After a write in A: first view, through B", first_after))
    results.append(("  then through C", third))
    results.append(("  then through A (the writer)", writer))
    results.append(("The write itself: a progress update posted", writes))

    cold, warmed = Sample(), Sample()
    for i in range(args.runs):
        cache.clear()
        get(i % 3, "/dashboard/", cold)
    results.append(("First look of the day, no warm-up", cold))
    if services is not None:
        for i in range(args.runs):
            cache.clear()
            services.dashboard_counts_warm(today=timezone.localdate())
            get(i % 3, "/dashboard/", warmed)
        results.append(("First look of the day, after the warm-up", warmed))

    load = os.getloadavg()
    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; three gunicorn processes "
        f"(1 sync worker each); load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
        f"{args.runs} writes, {args.runs * 3} requests for the baseline and cached rows\n"
    )
    print(
        f"{'Page':<50} {'queries':>8} {'median ms':>10} {'p95 ms':>8} {'ratio':>7} "
        f"{'client ms':>10}  counts kept per force"
    )
    baseline_ms = summary(baseline.server)[0]
    for label, sample in results:
        median, p95 = summary(sample.server)
        queries = "/".join(str(q) for q, _ in sample.queries.most_common())
        tally = ", ".join(f"{t} ×{n}" for t, n in sample.tally.most_common(2))
        print(
            f"{label:<50} {queries:>8} {median:>10.1f} {p95:>8.1f} "
            f"{median / baseline_ms:>6.1f}x {statistics.median(sample.client) * 1000:>10.1f}  "
            f"{tally}"
        )
    print(
        f"\nViews after a write showing an old RAG figure: {stale} of {args.runs * 3} "
        "(each checked against a full recount)"
    )


def _rag_figures(html: str) -> dict[str, int]:
    section = html.split('id="rag-heading"', 1)[1].split("</section>", 1)[0]
    figures = {}
    for label_html, value in RAG_ROW.findall(section):
        label = RAG_LABEL.search(label_html)
        figures[label.group(1) if label else label_html.strip()] = int(value.replace(",", ""))
    # A table this script cannot read must not pass for a stale one, nor a fresh one.
    if set(figures) != {"Red", "Amber", "Green", "Not rated"}:
        raise SystemExit(f"the dashboard's RAG table was not read: {figures}")
    return figures


def _wait_for(http, url: str) -> None:
    for _ in range(150):
        try:
            http.get(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {url}")


if __name__ == "__main__":
    main()
