"""Shared set-up for the benchmark scripts: a dedicated PostgreSQL database seeded at scale.

Benchmarks print figures; they never assert timings (machines differ). Ratios are
against a baseline measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oversight_bench"


def setup_django(scale: int) -> None:
    """Point Django at the benchmark database, create, migrate and seed it if needed."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")
    sys.path.insert(0, str(ROOT))
    _create_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    from recommendations.models import Finding

    call_command("migrate", verbosity=0)
    synthetic = Finding.objects.filter(report__title__startswith="Synthetic").count()
    if synthetic != scale:
        print(f"Seeding {scale:,} synthetic findings (seed_demo --scale {scale}) …", flush=True)
        started = time.perf_counter()
        call_command(
            "seed_demo", "--scale", str(scale), "--password", "benchmark-pass-123", verbosity=0
        )
        print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)


def _create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def timed(
    func: Callable[[], object],
    *,
    runs: int,
    warmup: int = 3,
    before: Callable[[], object] | None = None,
) -> list[float]:
    """Seconds per call, after warm-up calls that are not counted; `before` runs
    ahead of every call, untimed."""
    for _ in range(warmup):
        if before:
            before()
        func()
    samples = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000
