"""The WSGI application, with what each request cost in response headers: for the
benchmarks only (bench/multiprocess.py), never for serving.

- `X-Bench-Queries`: SQL statements the request ran;
- `X-Bench-Ms`: server time up to the response's headers (the page is rendered by then);
- `X-Bench-Tally`: what the all-forces counts kept per force did on this request: how
  many forces were read from the shared cache and how many counted in SQL;
- `X-Bench-Pid`: which process answered.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application
from django.db import connection

django_application = get_wsgi_application()  # sets Django up: models import after it

from dashboards import tallies  # noqa: E402


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if hasattr(tallies, "Look"):  # not before issue 18 (to measure the code before it)
        tallies._last.look = tallies.Look()  # this request's own, not the last one's
    queries = 0

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(*args)

    started = time.perf_counter()

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        look = tallies.last_look() if hasattr(tallies, "Look") else None
        tally = f"read={len(look.read)} counted={len(look.counted)}" if look else "n/a"
        headers = [
            *headers,
            ("X-Bench-Queries", str(queries)),
            ("X-Bench-Ms", f"{(time.perf_counter() - started) * 1000:.2f}"),
            ("X-Bench-Tally", tally),
            ("X-Bench-Pid", str(os.getpid())),
        ]
        return start_response(status, headers, exc_info)

    with connection.execute_wrapper(count):
        return django_application(environ, start)
