"""Load test across two web instances sharing one PostgreSQL, Redis and S3 server
(issue 18: running on several hosts).

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/hosts.py [--users 20] [--seconds 60]

Seeds the benchmark database (bench/common.py), starts moto's S3-compatible server
(`moto_server`, as the tests do) with a private bucket, and two gunicorn instances on
two loopback ports, each as a host would run it (2 workers × 2 threads) with
`OVERSIGHT_STORAGE=s3` and the same Redis. Locust (bench/locustfile.py) sends each
request to one instance at random, as a load balancer without sticky sessions would:
a user signs in on one and carries on on both. Besides the mix of bench/load.py, some
progress updates attach a small PDF through one instance, and the file is downloaded
again through either. Prints p50, p95 and requests per second per page, and the
error rate. Loopback only, bounded in users and time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, setup_django
from bench.load import PASSWORD, _report, _wait_for, prepare_load
from tests.support.s3 import BUCKET, KEY_ID, REGION, SECRET, S3Server
from tests.support.smtp import free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("REDIS_URL must name the Redis the instances share")
    setup_django(args.scale)

    workdir = prepare_load("oversight-hosts-")

    s3 = S3Server()
    s3.start()
    instances: list[subprocess.Popen[bytes]] = []
    try:
        s3.client().create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        ports = [free_port(), free_port()]
        hosts = [f"http://127.0.0.1:{port}" for port in ports]
        env = {
            **os.environ,
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "OVERSIGHT_STORAGE": "s3",
            "OVERSIGHT_S3_BUCKET": BUCKET,
            "OVERSIGHT_S3_ENDPOINT_URL": s3.endpoint,
            "OVERSIGHT_S3_REGION": REGION,
            "OVERSIGHT_S3_ACCESS_KEY_ID": KEY_ID,
            "OVERSIGHT_S3_SECRET_ACCESS_KEY": SECRET,
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "2",
            # The client stands in for the load balancer: keep its idle connections open
            # for longer than the run, as behind a real one (docs/operations.md).
            "GUNICORN_KEEPALIVE": "75",
            "LOAD_FINDINGS_FILE": str(workdir / "findings.json"),
            "LOAD_PASSWORD": PASSWORD,
            "LOAD_HOSTS": ",".join(hosts),
            "LOAD_EVIDENCE": "1",
        }
        for port in ports:
            instances.append(
                subprocess.Popen(
                    [
                        str(Path(sys.executable).with_name("gunicorn")),
                        "--config",
                        "oversight/gunicorn.conf.py",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--access-logfile",
                        "/dev/null",
                        # Each instance its own (gunicorn 27 puts both at one path).
                        "--no-control-socket",
                        "oversight.wsgi:application",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=(workdir / f"gunicorn-{port}.log").open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
        for host in hosts:
            _wait_for(f"{host}/healthz")
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
                hosts[0],
                "--csv",
                str(workdir / "load"),
                # At the end, let each user finish its request rather than cut it
                # (a cut request counts as a failure that no server made).
                "--stop-timeout",
                "30",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            timeout=args.seconds + 150,
        )
        stored = s3.client().list_objects_v2(Bucket=BUCKET).get("KeyCount", 0)
    finally:
        for instance in instances:
            instance.terminate()
        for instance in instances:
            instance.wait(timeout=30)
        s3.stop()
    load = os.getloadavg()
    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: two instances "
        f"({', '.join(hosts)}), each gunicorn 2 workers x 2 threads; S3 (moto) at "
        f"{s3.endpoint}, {stored} objects stored; load average {load[0]:.1f} {load[1]:.1f}"
    )
    _report(workdir / "load_stats.csv", args, setup="two instances, 2 workers x 2 threads each")
    failures = workdir / "load_failures.csv"
    if failures.exists() and failures.read_text().count("\n") > 1:
        print("\nFailures:\n" + failures.read_text())


if __name__ == "__main__":
    main()
