# Shared set-up for scripts/run and scripts/test: install what a fresh Debian
# machine lacks, then start PostgreSQL and Redis if they are not already up.
# Sourced, not executed. Every step is idempotent and quick when done already.

VENV=${VENV:-.venv}
PY="$VENV/bin/python"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        log "Need root to run: $*"; return 1
    fi
}

_apt_updated=
apt_install() {
    local missing=()
    for pkg in "$@"; do
        # Not `dpkg -s`: it succeeds for a removed package whose config files remain.
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "Installing Debian packages: ${missing[*]}"
    if [ -z "$_apt_updated" ]; then as_root apt-get update -qq; _apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_python_env() {  # $1: extras, e.g. "dev" or ""
    local extras=${1:-}
    local spec="."
    [ -n "$extras" ] && spec=".[$extras]"
    if ! python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
        log "Oversight needs Python 3.11 as python3 (found $(python3 --version 2>&1))."; return 1
    fi
    if [ ! -x "$PY" ]; then
        python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$VENV"; }
    fi
    local stamp="$VENV/.installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)-${extras:-base}"
    if [ ! -f "$stamp" ]; then
        log "Installing Python packages ($spec) pinned by requirements.lock"
        "$PY" -m pip install -q --disable-pip-version-check --upgrade pip
        "$PY" -m pip install -q --disable-pip-version-check -c requirements.lock -e "$spec"
        touch "$stamp"
    fi
}

ensure_postgres() {
    # Use a server already on 127.0.0.1:5432 if it lets us in; otherwise start
    # Debian's cluster; otherwise a throwaway cluster under var/ (initdb refuses root).
    export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
    command -v psql >/dev/null || apt_install postgresql postgresql-client
    if psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then return 0; fi
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        for version in $(ls /etc/postgresql); do
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
        done
        for _ in $(seq 1 20); do
            psql -d postgres -Atqc 'select 1' >/dev/null 2>&1 && return 0
            sleep 0.5
        done
    fi
    log "Starting a throwaway PostgreSQL cluster in var/pgdata on port 5433"
    local bindir datadir="$PWD/var/pgdata"
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
    mkdir -p var
    if [ ! -f "$datadir/PG_VERSION" ]; then
        mkdir -p "$datadir" && chown postgres "$datadir"
        as_root runuser -u postgres -- "$bindir/initdb" -D "$datadir" -U postgres --auth=trust \
            -E UTF8 --locale=C.UTF-8 -N >/dev/null
    fi
    as_root runuser -u postgres -- "$bindir/pg_ctl" -D "$datadir" -l "$datadir/log" -w -o \
        "-p 5433 -k $datadir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || true
    export PGPORT=5433
    psql -d postgres -Atqc 'select 1' >/dev/null
}

ensure_redis() {
    export REDIS_PORT=${REDIS_PORT:-6379}
    command -v redis-server >/dev/null || apt_install redis-server
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return 0; fi
    log "Starting Redis on 127.0.0.1:$REDIS_PORT"
    mkdir -p var/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
        --appendonly no --maxmemory-policy noeviction --dir "$PWD/var/redis" \
        --logfile "$PWD/var/redis/redis.log"
    for _ in $(seq 1 20); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.25; done
    log "Redis did not start"; return 1
}

ensure_chromium() {
    [ -x /usr/bin/chromium ] || apt_install chromium fonts-dejavu-core
}

ensure_clamd() {
    # ClamAV's daemon, for the malware-scanning tests; they start it themselves with a
    # signature database of their own. Debian's policy-rc.d (exit 101) keeps the
    # packages from starting clamd and freshclam (which would download signatures)
    # as services while installing; one is put in place for the install if the
    # machine has none.
    [ -x /usr/sbin/clamd ] && return 0
    local made_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
        as_root chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local status=0
    apt_install clamav-daemon || status=$?
    # Removed whatever happened: left behind, it would stop every later service start.
    [ -n "$made_policy" ] && as_root rm -f /usr/sbin/policy-rc.d
    return "$status"
}

ensure_pdf_libraries() {
    # WeasyPrint (the accountability pack's PDF) draws text with Pango; DejaVu is its font.
    apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
}
