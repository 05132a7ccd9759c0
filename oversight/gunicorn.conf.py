"""Gunicorn settings for Oversight: `gunicorn -c oversight/gunicorn.conf.py oversight.wsgi`.

The GUNICORN_* variables are listed in `.env.example`.
"""

import os
from datetime import timedelta

from gunicorn.glogging import Logger

from oversight.logging import mask_secrets

bind = "0.0.0.0:8000"

# With threads > 1 gunicorn uses its threaded (gthread) worker.
workers = int(os.environ.get("GUNICORN_WORKERS") or 3)
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open. Behind a load balancer, set it above
# the balancer's idle timeout (60 s on many): otherwise gunicorn may close a connection
# just as the balancer sends a request on it, and that request fails with a reset.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE") or 5)

# Restart each worker after about this many requests, so a slow leak cannot build up;
# the jitter keeps the workers from all restarting at once.
max_requests = 1000
max_requests_jitter = 100

# Addresses of the reverse proxy, the only clients trusted to set X-Forwarded-Proto.
# From those, gunicorn tells Django the request came over https, which its CSRF
# origin check relies on. "*" only if nothing but the proxy can reach port 8000.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# Logs go to stdout/stderr for the container runtime to collect.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"


class AccessLogger(Logger):
    """Gunicorn's logger, with calendar feed tokens masked in the access log."""

    def atoms(
        self, resp: object, req: object, environ: dict, request_time: timedelta
    ) -> dict[str, object]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_secrets(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


logger_class = AccessLogger

# Worker heartbeat files on tmpfs: on a container's overlay filesystem they can stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # nosec
