"""Gunicorn settings for Oversight: `gunicorn -c oversight/gunicorn.conf.py oversight.wsgi`.

The GUNICORN_* variables are listed in `.env.example`.
"""

import os

bind = "0.0.0.0:8000"

# With threads > 1 gunicorn uses its threaded (gthread) worker.
workers = int(os.environ.get("GUNICORN_WORKERS") or 3)
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5

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

# Worker heartbeat files on tmpfs: on a container's overlay filesystem they can stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # nosec
