"""A simulated clock that runs fast, shared by a test and the processes it starts.

Hours of a mail outage or of retries cannot be waited for in a test. Every process
given the same `SIMULATED_CLOCK_*` variables reads the same simulated time from
`django.utils.timezone.now()`: it started at `SIMULATED_CLOCK_START` (seconds since the
epoch) when the real clock read `SIMULATED_CLOCK_REAL_START`, and runs `SPEED` times
faster. Beat still ticks in real seconds; everything the app decides by the time
(backoff, leases, retry windows, health) sees the simulated one.

    python -m tests.support.clock -A oversight worker …   # celery, on the simulated clock
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime


class SimulatedClock:
    def __init__(self, *, start: datetime, speed: float, real_start: float | None = None) -> None:
        self.start = start.timestamp()
        self.speed = speed
        self.real_start = time.time() if real_start is None else real_start

    @classmethod
    def from_env(cls) -> SimulatedClock | None:
        if "SIMULATED_CLOCK_START" not in os.environ:
            return None
        return cls(
            start=datetime.fromtimestamp(float(os.environ["SIMULATED_CLOCK_START"]), tz=UTC),
            speed=float(os.environ["SIMULATED_CLOCK_SPEED"]),
            real_start=float(os.environ["SIMULATED_CLOCK_REAL_START"]),
        )

    def env(self) -> dict[str, str]:
        return {
            "SIMULATED_CLOCK_START": repr(self.start),
            "SIMULATED_CLOCK_SPEED": repr(self.speed),
            "SIMULATED_CLOCK_REAL_START": repr(self.real_start),
        }

    def seconds(self) -> float:
        """Simulated seconds since the epoch."""
        return self.start + (time.time() - self.real_start) * self.speed

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.seconds(), tz=UTC)

    def real_seconds(self, simulated: float) -> float:
        """How long `simulated` seconds take on the real clock."""
        return simulated / self.speed

    def install(self) -> Callable[[], datetime]:
        """Make `django.utils.timezone.now()` (and so `localtime()`, `localdate()` and
        `auto_now` fields) read this clock; returns the function it replaced."""
        from django.utils import timezone

        replaced = timezone.now
        timezone.now = self.now
        return replaced


def clocked(args: list[str]) -> list[str]:
    """A `celery …` command line from `tests.support.processes.celery`, run on the
    simulated clock instead."""
    assert args[1:3] == ["-m", "celery"], args
    return [args[0], "-m", "tests.support.clock", *args[3:]]


if __name__ == "__main__":
    clock = SimulatedClock.from_env()
    assert clock is not None, "SIMULATED_CLOCK_* variables are not set"
    clock.install()
    from celery.__main__ import main

    sys.argv = ["celery", *sys.argv[1:]]
    sys.exit(main())
