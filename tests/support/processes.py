"""Real service processes for end-to-end tests: Redis, Celery workers and beat."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], object], *, timeout: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what or predicate}")


def test_database_url() -> str:
    """The URL of the database the tests are using, for child processes."""
    s = connection.settings_dict
    user = s["USER"] or "postgres"
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class RedisServer:
    """A private redis-server on a free port, so a test can stop and restart it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (scripts/test installs it)"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        wait_for(lambda: self._ping(redis), timeout=10, what="redis-server")
        return self

    def _ping(self, redis) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Service:
    """A child process running a Celery command (or any manage.py-style command)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Service:
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def child_env(*, redis_url: str, smtp_port: int, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "OVERSIGHT_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="oversight.settings",
        DJANGO_SECRET_KEY="test-only-secret-key-not-for-production",
        DATABASE_URL=test_database_url(),
        DATABASE_CONN_MAX_AGE="0",
        REDIS_URL=redis_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_TIMEOUT="5",
        OVERSIGHT_DIGEST_HOUR="0",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "oversight", *args]


def worker(name: str) -> list[str]:
    return celery(
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "-n",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    )


class ClamdServer:
    """ClamAV's real daemon on a free loopback port, with a private signature database.

    The public signature databases are downloaded by freshclam, which needs the
    internet; clamd starts just as well with a database of our own. Ours holds one
    signature, for the EICAR test string, so the app's INSTREAM exchange, verdicts
    and refusals are checked against the real scanner.
    """

    SIGNATURE = "Oversight.Test.EICAR"

    def __init__(self, workdir: Path, *, stream_max_bytes: int = 25 * 1024 * 1024) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.stream_max_bytes = stream_max_bytes
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> ClamdServer:
        from recommendations.antivirus import EICAR

        binary = shutil.which("clamd") or "/usr/sbin/clamd"
        assert Path(binary).exists(), "clamd is not installed (scripts/test installs it)"
        database = self.workdir / "signatures"
        database.mkdir(parents=True, exist_ok=True)
        (database / "oversight-test.ndb").write_text(f"{self.SIGNATURE}:0:*:{EICAR.hex()}\n")
        config = self.workdir / "clamd.conf"
        config.write_text(
            "\n".join(
                [
                    "Foreground yes",
                    f"TCPSocket {self.port}",
                    "TCPAddr 127.0.0.1",
                    f"DatabaseDirectory {database}",
                    f"LogFile {self.workdir / 'clamd.log'}",
                    f"PidFile {self.workdir / 'clamd.pid'}",
                    f"StreamMaxLength {self.stream_max_bytes}",
                    "",
                ]
            )
        )
        self.process = subprocess.Popen(
            [binary, f"--config-file={config}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(self._ping, timeout=60, what="clamd")
        except BaseException:
            self.stop()  # never leave a daemon behind
            raise
        return self

    def _ping(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"zPING\0")
                return conn.recv(16).startswith(b"PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
