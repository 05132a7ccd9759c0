"""Oversight settings: one file, read from the environment.

Every variable is listed in `.env.example`. With nothing set the app runs
embedded: SQLite under `var/`, email written to files, reminders run by a
management command. `DATABASE_URL` and `REDIS_URL` switch on PostgreSQL and
Redis.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OVERSIGHT_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    # An empty variable means "not set", as it does for the other helpers.
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)


def _embedded_secret_key() -> str:
    """The embedded default's own key, made on first use and kept beside its database, so
    that `manage.py send_reminders` works there with no set-up (and sessions survive)."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as key:
            key.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        # A fixed development key keeps sessions alive across restarts of the dev server.
        SECRET_KEY = "insecure-development-key-only-used-when-DJANGO_DEBUG-is-on"  # nosec
    elif not env_str("DATABASE_URL"):
        SECRET_KEY = _embedded_secret_key()
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (see .env.example)."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")


def _default_site_url() -> str:
    """The first host name served, so that links in emails follow DJANGO_ALLOWED_HOSTS
    when SITE_URL is not set; the development server's address for local names."""
    host = next((h for h in ALLOWED_HOSTS if h != "*" and not h.startswith(".")), "127.0.0.1")
    if host in {"localhost", "127.0.0.1", "[::1]"}:
        return f"http://{host}:8000"
    return f"{'https' if env_bool('OVERSIGHT_HTTPS') else 'http'}://{host}"


# Absolute base for links in emails and calendar feeds, e.g. https://oversight.opcc.example
SITE_URL = env_str("SITE_URL", _default_site_url()).rstrip("/")

# Shown on every page when the database holds seed_demo's illustrative data.
DEMO_MODE = env_bool("OVERSIGHT_DEMO_MODE", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "audit",
    "recommendations",
    "intake",
    "reminders",
    "dashboards",
    "rest_framework",
    "drf_spectacular",
    "api",
    "publishing",
    "accountability",
    # Project-wide hooks (oversight/apps.py): history's change reasons kept in their column.
    "oversight.apps.OversightConfig",
]

MIDDLEWARE = [
    # First: no NUL or other control character in any header reaches the code below.
    "oversight.middleware.CleanHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "oversight.middleware.UploadSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "oversight.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Early, so middleware further down (session timeouts) can leave a message.
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.AuditMiddleware",
    # Deny by default: every view needs a signed-in user unless marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns lockouts raised during sign-in into responses.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username or address never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ModelBackendOneQuery",
]

ROOT_URLCONF = "oversight.urls"
WSGI_APPLICATION = "oversight.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "recommendations.context_processors.oversight",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    # The embedded default: a SQLite file beside the code, created on first use.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'oversight.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
HASH_MEM_MULTIPLIER = env_int("DATABASE_HASH_MEM_MULTIPLIER", 8)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and HASH_MEM_MULTIPLIER > 0:
    # The dashboard groups every finding by expressions whose number of groups
    # PostgreSQL cannot estimate, and at the default it sorts them on disk rather
    # than hash them in memory (at 50,000 findings: 280 ms against 170 ms; see
    # docs/performance.md). Only hash tables get the extra memory, not sorts. 0 sets
    # nothing (for a pooler that refuses startup options, such as PgBouncer). Added to
    # any options given in DATABASE_URL (?options=…), never in place of them.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join(
        filter(None, [options.get("options", ""), f"-c hash_mem_multiplier={HASH_MEM_MULTIPLIER}"])
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two requests writing at once must queue, not fail with "database is locked": each
    # transaction takes the write lock when it begins (so none upgrades a read lock it
    # cannot get), and waits up to 20 s for it. WAL lets readers carry on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "recommendations.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "recommendations:home"
LOGOUT_REDIRECT_URL = "login"

# Length and a common-password check, no composition rules (NCSC and NIST guidance).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "staticfiles")))

# Evidence files live outside static/ and are never served by URL: only the
# permission-checked download view reads them.
MEDIA_ROOT = Path(env_str("OVERSIGHT_EVIDENCE_ROOT", str(VAR_DIR / "evidence")))
EVIDENCE_MAX_UPLOAD_BYTES = env_int("OVERSIGHT_EVIDENCE_MAX_MB", 20) * 1024 * 1024
# Largest spreadsheet accepted by "Bring findings in".
OVERSIGHT_IMPORT_MAX_MB = env_int("OVERSIGHT_IMPORT_MAX_MB", 10)
# Largest report file (PDF, Word, web page or text) accepted by "Bring findings in".
REPORT_MAX_UPLOAD_BYTES = env_int("OVERSIGHT_REPORT_MAX_MB", 20) * 1024 * 1024
# Reading and extracting one report stops, with a message saying so, after this long.
OVERSIGHT_EXTRACTION_SECONDS = env_int("OVERSIGHT_EXTRACTION_SECONDS", 20)
# host:port of a ClamAV daemon to scan every upload; unset = EICAR test signature only.
OVERSIGHT_CLAMD_ADDRESS = env_str("OVERSIGHT_CLAMD_ADDRESS")
# Whole-request cap, checked before the body is read; per-file limits are smaller.
OVERSIGHT_MAX_REQUEST_BYTES = env_int("OVERSIGHT_MAX_REQUEST_MB", 100) * 1024 * 1024

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Evidence and report files in S3-compatible object storage (oversight/storage.py), so
# that several web hosts serve the same files. Private: no ACL is granted, and files
# only leave through the permission-checked download, which streams them.
OVERSIGHT_STORAGE = env_str("OVERSIGHT_STORAGE", "filesystem")
if OVERSIGHT_STORAGE == "s3":
    from botocore.config import Config as S3ClientConfig

    if not env_str("OVERSIGHT_S3_BUCKET"):
        raise ImproperlyConfigured("OVERSIGHT_STORAGE=s3 needs OVERSIGHT_S3_BUCKET.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("OVERSIGHT_S3_BUCKET"),
            "endpoint_url": env_str("OVERSIGHT_S3_ENDPOINT_URL") or None,
            "region_name": env_str("OVERSIGHT_S3_REGION") or None,
            # Unset: boto3's usual chain (AWS_ACCESS_KEY_ID, an instance role …).
            "access_key": env_str("OVERSIGHT_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("OVERSIGHT_S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("OVERSIGHT_S3_PREFIX"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 60,
            # A store that is down should cost a page seconds, not minutes.
            "client_config": S3ClientConfig(
                connect_timeout=3, read_timeout=30, retries={"max_attempts": 2}
            ),
        },
    }
elif OVERSIGHT_STORAGE != "filesystem":
    raise ImproperlyConfigured("OVERSIGHT_STORAGE must be filesystem or s3.")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: SMTP when EMAIL_HOST is set, otherwise one file per message under var/mail.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_FILE_PATH = Path(env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail")))
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Oversight <oversight@opcc.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when REDIS_URL is set. Without it nothing is queued; reminders
# run through `manage.py send_reminders` instead.
REDIS_URL = env_str("REDIS_URL")
# The cache is shared through Redis when there is one, so that every process and host
# sees a write at once (oversight/cache.py); each process keeps its own otherwise.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "oversight.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "oversight-cache",
            # Down or unreachable Redis: give up fast and compute instead.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Intervals, not crontabs: beat's crontabs misfire around clock changes. Business
# dates are worked out in Europe/London inside the tasks, whenever they run.
CELERY_BEAT_SCHEDULE = {
    "reminders-scan": {
        "task": "reminders.tasks.reminders_scan",
        "schedule": timedelta(seconds=env_int("OVERSIGHT_SCAN_EVERY_SECONDS", 600)),
    },
    "reminders-send": {
        "task": "reminders.tasks.reminders_send",
        "schedule": timedelta(seconds=env_int("OVERSIGHT_SEND_EVERY_SECONDS", 60)),
    },
    # The day's all-forces dashboard counts, counted shortly after midnight (and after
    # a bulk write) so that the first look reads them from the shared cache.
    "dashboard-counts-warm": {
        "task": "dashboards.tasks.dashboard_counts_warm",
        "schedule": timedelta(seconds=env_int("OVERSIGHT_WARM_EVERY_SECONDS", 300)),
    },
}

# Defaults for the reminder schedule (see reminders/policy.py); OPCC staff can
# change them in the admin (Reminder schedule), which takes precedence.
OVERSIGHT_REMINDER_POLICY: dict[str, object] = {}
# The OPCC team's shared mailbox: reminders of deadlines no one owns (no owner, a vacant
# owner post or a deactivated holder) go to it, and the monthly summary of a historic
# report's overdue findings when they have no OPCC lead. OPCC staff across all forces
# can set it in Oversight (Reminders → Team address), which takes precedence.
OVERSIGHT_TEAM_ADDRESS = env_str("OVERSIGHT_TEAM_ADDRESS")
# Dashboard figures are cached for this long at most (and dropped at any write).
OVERSIGHT_DASHBOARD_CACHE_SECONDS = env_int("OVERSIGHT_DASHBOARD_CACHE_SECONDS", 60)
# Daily digests are composed from this hour (Europe/London) onwards.
OVERSIGHT_DIGEST_HOUR = env_int("OVERSIGHT_DIGEST_HOUR", 7)
# The health endpoint reports the scan as stale after this many minutes.
OVERSIGHT_SCAN_STALE_MINUTES = env_int("OVERSIGHT_SCAN_STALE_MINUTES", 30)
# ... and an outage once the oldest undelivered digest is this old, whatever its backoff.
OVERSIGHT_UNDELIVERED_ALERT_MINUTES = env_int("OVERSIGHT_UNDELIVERED_ALERT_MINUTES", 60)
# ... and failed digests for this long after they failed (then only Sent reminders shows them).
OVERSIGHT_FAILED_ALERT_HOURS = env_int("OVERSIGHT_FAILED_ALERT_HOURS", 24)
# A digest the mail server turns away for now is retried with backoff (2, 4, 8 …
# minutes) at most this far apart, until it is this many hours old; then its
# reminders go into the person's next digest.
OVERSIGHT_DIGEST_RETRY_MAX_MINUTES = env_int("OVERSIGHT_DIGEST_RETRY_MAX_MINUTES", 30)
OVERSIGHT_DIGEST_RETRY_HOURS = env_int("OVERSIGHT_DIGEST_RETRY_HOURS", 24)
# Seconds to wait for the reply to a message's data, longer than EMAIL_TIMEOUT: a server
# may check a message before it answers (RFC 5321 suggests up to 10 minutes). A reply
# later than this is treated as maybe delivered: the retry is flagged a possible duplicate.
OVERSIGHT_SMTP_DATA_TIMEOUT = env_int("OVERSIGHT_SMTP_DATA_TIMEOUT", 120)
# A digest lists at most this many items of each kind, the most urgent first, then
# says how many more there are and links to them in Oversight.
OVERSIGHT_DIGEST_ITEMS_PER_KIND = env_int("OVERSIGHT_DIGEST_ITEMS_PER_KIND", 20)

# Findings due within this many days count as "due soon" everywhere.
OVERSIGHT_DUE_SOON_DAYS = env_int("OVERSIGHT_DUE_SOON_DAYS", 30)

# ---------------------------------------------------------------- security

# Sessions: signed out after 30 minutes idle and 12 hours at most (middleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("OVERSIGHT_SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("OVERSIGHT_SESSION_MAX_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Behind HTTPS (production): set OVERSIGHT_HTTPS=true. Off by default so the
# embedded run command and the test suite work over plain http://127.0.0.1.
HTTPS = env_bool("OVERSIGHT_HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    # Container and load-balancer health checks call plain http on the inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz"]
    # The TLS-terminating proxy says the request was https; only trust it from
    # the proxy (gunicorn's forwarded_allow_ips).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("OVERSIGHT_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are only accepted over https, for this host, path /.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content Security Policy: only this origin's files; no inline script, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Origins that may show the public progress page in a frame (the PCC's own website), as
# CSP frame-ancestors values, e.g. "https://www.northmoor-pcc.example". Every other page,
# and the public page when this is empty, refuses to be framed.
OVERSIGHT_PUBLIC_FRAME_ANCESTORS = env_list("OVERSIGHT_PUBLIC_FRAME_ANCESTORS")
# The public progress page, its CSV and JSON are served from the cache for this long.
OVERSIGHT_PUBLIC_CACHE_SECONDS = env_int("OVERSIGHT_PUBLIC_CACHE_SECONDS", 300)
# A final version of a response uploaded may be at most this large.
OVERSIGHT_RESPONSE_MAX_MB = env_int("OVERSIGHT_RESPONSE_MAX_MB", 20)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Sign-in throttling (django-axes): 5 failures lock that username from that
# address for 15 minutes; a success resets the count. Never the username alone,
# or anyone could lock anyone out (issue 12 item 5); never the address alone, or
# one person's typos would lock everyone behind a force's shared address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Axes' database handler plus a slower limit per username across all addresses,
# which delays each address's next try but never locks (accounts/throttle.py).
AXES_HANDLER = "accounts.throttle.SlowingAxesHandler"
OVERSIGHT_SIGN_IN_SLOW_AFTER = env_int("OVERSIGHT_SIGN_IN_SLOW_AFTER", 10)
OVERSIGHT_SIGN_IN_SLOW_MAX_SECONDS = env_int("OVERSIGHT_SIGN_IN_SLOW_MAX_SECONDS", 900)
# The page for a locked or slowed sign-in (registration/locked_out.html), with Retry-After.
AXES_LOCKOUT_CALLABLE = "accounts.views.sign_in_refused"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("OVERSIGHT_PROXY_COUNT", 0) or None
# django-ipware is not installed, so without this axes would lock the proxy's address
# (everyone's) after five failures: the audit trail's reading of X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
# The username axes counts and stores, without NUL or control characters and at most
# 150 characters: PostgreSQL refuses NUL, and axes' column holds 255 (a 500 before).
AXES_USERNAME_CALLABLE = "oversight.untrusted.axes_username"

# Two-factor sign-in (TOTP) for roles an administrator requires it of.
OTP_TOTP_ISSUER = "Oversight"
# The admin never shows an existing device's secret or QR code: whoever saw it
# could make that person's codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Emailed links (first two-factor set-up) work once, for this many minutes.
OVERSIGHT_EMAIL_LINK_MINUTES = env_int("OVERSIGHT_EMAIL_LINK_MINUTES", 30)
# An invitation's link works once, for this many days: people open it when they can.
OVERSIGHT_INVITATION_DAYS = env_int("OVERSIGHT_INVITATION_DAYS", 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "oversight.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # One JSON object per line for log collectors; plain text for people.
            "formatter": env_str("LOG_FORMAT", "plain"),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}


# The read-only API (api/): a personal token or the session signs people in; JSON only
# (the browsable API would need scripts and styles of its own under the CSP).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.MayRead"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("OVERSIGHT_API_RATE", "600/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Oversight API",
    "DESCRIPTION": (
        "Read-only: HMICFRS reports, their findings (with the latest update, the force's "
        "and the OPCC's ratings and due dates) and actions, scoped as the person's pages "
        "are. Sign in with `Authorization: Bearer <token>` (a personal API token)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["api.permissions.MayRead"],
    "SERVE_AUTHENTICATION": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}


# ---------------------------------------------------------------- single sign-on (OpenID Connect)
# Kept in one block (accounts/sso.py reads it). Off unless a client id and an issuer (or
# the three endpoints) are set: the embedded default signs in by password only.
# mozilla-django-oidc reads the OIDC_* names; people set the OVERSIGHT_OIDC_* variables.
OVERSIGHT_OIDC_ISSUER = env_str("OVERSIGHT_OIDC_ISSUER").rstrip("/")
OIDC_RP_CLIENT_ID = env_str("OVERSIGHT_OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OVERSIGHT_OIDC_CLIENT_SECRET")
# Empty: found through the issuer's /.well-known/openid-configuration (and checked against it).
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OVERSIGHT_OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OVERSIGHT_OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OVERSIGHT_OIDC_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OVERSIGHT_OIDC_JWKS_ENDPOINT")
OVERSIGHT_OIDC_ENABLED = bool(
    OIDC_RP_CLIENT_ID
    and (
        OVERSIGHT_OIDC_ISSUER
        or (OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_JWKS_ENDPOINT)
    )
)
# The button reads "Sign in with <this>".
OVERSIGHT_OIDC_PROVIDER_NAME = env_str("OVERSIGHT_OIDC_PROVIDER_NAME", "Microsoft")
OIDC_RP_SIGN_ALGO = env_str("OVERSIGHT_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OVERSIGHT_OIDC_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env_int("OVERSIGHT_OIDC_TIMEOUT_SECONDS", 10)
# Nobody is made by signing in: people are invited first (accounts/sso.py matches them).
OIDC_CREATE_USER = False
OIDC_STORE_ACCESS_TOKEN = False
OIDC_STORE_ID_TOKEN = False
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso-callback"
# The identity provider already asks for a second factor (Entra ID Conditional Access):
# an SSO sign-in then satisfies the roles' two-factor requirement; otherwise Oversight's
# own TOTP code is asked for after SSO as after a password.
OVERSIGHT_OIDC_IDP_ENFORCES_MFA = env_bool("OVERSIGHT_OIDC_IDP_ENFORCES_MFA", False)
# Entra ID sends no email_verified for work accounts: with this on, its optional claim
# xms_edov (the address's domain is verified by the tenant) counts instead, when present.
OVERSIGHT_OIDC_ACCEPT_XMS_EDOV = env_bool("OVERSIGHT_OIDC_ACCEPT_XMS_EDOV", False)
# Optional: roles from an ID-token claim, as JSON {"<group id or name>": "<role>"}. Roles
# named here follow the claim at each SSO sign-in; others are left as set in Oversight.
OVERSIGHT_OIDC_GROUPS_CLAIM = env_str("OVERSIGHT_OIDC_GROUPS_CLAIM", "groups")
try:
    OVERSIGHT_OIDC_GROUP_ROLES: dict[str, str] = json.loads(
        env_str("OVERSIGHT_OIDC_GROUP_ROLES", "{}")
    )
except ValueError as exc:
    raise ImproperlyConfigured("OVERSIGHT_OIDC_GROUP_ROLES must be a JSON object.") from exc
# Roles that may not sign in with a local password (comma-separated role names), and the
# usernames that still may (break-glass, for when the identity provider is down).
OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES = env_list("OVERSIGHT_PASSWORD_LOGIN_DISABLED_ROLES")
OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES = env_list("OVERSIGHT_PASSWORD_BREAK_GLASS_USERNAMES")
if OVERSIGHT_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "accounts.sso.SingleSignOnBackend"]
