"""Load test: 20 concurrent OPCC staff for 60 s against gunicorn + PostgreSQL at scale.

    .venv/bin/python bench/load.py [--scale 50000] [--users 20] [--seconds 60]

Seeds the benchmark database (bench/common.py), starts gunicorn on a free
loopback port, runs Locust headless (bounded in users and time; loopback only),
and prints p50, p95 and requests per second per page, and the error rate.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, setup_django
from tests.support.smtp import free_port

PASSWORD = "benchmark-pass-123"


def prepare_load(prefix: str) -> Path:
    """What a load test's clients need, in a new working folder (returned): the demo
    OPCC user signs in with PASSWORD (any sign-in lockout left from an earlier run
    cleared), `findings.json` lists the synthetic findings to open, and the static
    files are collected for a server with DEBUG off."""
    from django.core.management import call_command

    from recommendations.models import Finding, User

    opcc = User.objects.get(username="opcc")
    opcc.set_password(PASSWORD)
    opcc.save(update_fields=["password"])
    call_command("axes_reset", verbosity=0)
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    findings = list(
        Finding.objects.active()
        .filter(report__title__startswith="Synthetic")
        .values_list("pk", flat=True)[:5000]
    )
    (workdir / "findings.json").write_text(json.dumps(findings))
    call_command("collectstatic", "--noinput", verbosity=0)
    return workdir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    setup_django(args.scale)

    workdir = prepare_load("oversight-load-")

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "OVERSIGHT_EVIDENCE_ROOT": str(workdir / "evidence"),
        "GUNICORN_WORKERS": "3",
        "LOAD_FINDINGS_FILE": str(workdir / "findings.json"),
        "LOAD_PASSWORD": PASSWORD,
    }
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--config",
            "oversight/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "oversight.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=(workdir / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz")
        subprocess.run(
            [
                str(Path(sys.executable).with_name("locust")),
                "-f",
                "bench/locustfile.py",
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{args.seconds}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(workdir / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            timeout=args.seconds + 120,
        )
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    _report(workdir / "load_stats.csv", args)


def _wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {url}")


def _report(
    stats: Path, args: argparse.Namespace, *, setup: str = "gunicorn 3 workers x 2 threads"
) -> None:
    rows = list(csv.DictReader(stats.open()))
    print(f"\n{args.users} users for {args.seconds} s, {setup}, {args.scale:,} findings\n")
    print(f"{'page':<22}{'requests':>9}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>8}")
    for row in rows:
        print(
            f"{row['Name']:<22}{row['Request Count']:>9}{row['Failure Count']:>8}"
            f"{row['50%']:>8}{row['95%']:>8}{float(row['Requests/s']):>8.1f}"
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    rate = int(total["Failure Count"]) / max(1, int(total["Request Count"]))
    print(f"\nError rate: {rate:.2%}")


if __name__ == "__main__":
    main()
