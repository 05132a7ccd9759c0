# One image for the web, worker and beat services (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

# PYTHONPATH=/app: the code runs from /app, beside templates/ and static/, for every
# entry point (gunicorn, celery, manage.py). The copy pip installs into site-packages
# only brings the dependencies; without this, `celery -A oversight` could import
# `recommendations` from site-packages, which has no templates or management commands.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    OVERSIGHT_EVIDENCE_ROOT=/data/evidence

# The unprivileged user everything runs as. It gets a home directory because
# gunicorn puts its control socket under $HOME/.gunicorn.
RUN groupadd --system --gid 10001 oversight \
 && useradd --system --uid 10001 --gid oversight --create-home --home-dir /home/oversight \
        --shell /usr/sbin/nologin oversight

WORKDIR /app

# The project and its runtime dependencies (no dev extras), pinned by the constraints file.
# psycopg[binary] bundles libpq, so no system packages are needed.
COPY . .
RUN pip install -c requirements.lock . \
 && rm -rf build ./*.egg-info

# Static files are collected into the image; whitenoise serves them. The key is a
# dummy that exists for this one command only and never reaches the running image.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret DJANGO_DEBUG=false \
    python manage.py collectstatic --noinput

# The code stays owned by root (read-only to the app). Only var/ (local state) and the
# evidence folder are writable; a named volume mounted on /data/evidence starts with
# this ownership.
RUN mkdir -p /app/var /data/evidence \
 && chown oversight:oversight /app/var /data/evidence

USER 10001:10001

EXPOSE 8000

CMD ["gunicorn", "--config", "/app/oversight/gunicorn.conf.py", "oversight.wsgi:application"]
