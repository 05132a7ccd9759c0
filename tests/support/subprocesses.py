"""Running Django in a fresh process, with the environment a test chooses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_VARIABLES = ("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "OVERSIGHT_")


def run_python(
    code: str,
    env: dict[str, str],
    *,
    drop: tuple[str, ...] = APP_VARIABLES,
    timeout: int = 120,
) -> subprocess.CompletedProcess:
    """Run `code` with this project's settings, the variables starting with `drop`
    removed from this process's environment, and `env` added."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    clean |= {"DJANGO_SETTINGS_MODULE": "oversight.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
