"""Settings for the recommendations tracker.

Every value an operator may change is read from the environment here, and only here. The defaults
run the whole system on one machine with nothing installed but Python: SQLite in ``var/``, Celery
on kombu's filesystem transport, email written to files under ``var/mail/``. ``DATABASE_URL``,
``REDIS_URL`` and ``EMAIL_HOST`` switch to PostgreSQL, Redis and SMTP.
"""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django_stubs_ext
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from holidays.countries.canada import Canada

# Lets Django's generic classes be subscripted at run time (admin.ModelAdmin[Agency]) as they
# are for mypy.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable; anything but a clear yes or no stops start-up, naming the variable."""
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no.")


def _whole_number(raw: str, minimum: int | None, maximum: int | None) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError("is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ValueError(f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ValueError(f"must be at most {maximum}")
    return value


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A whole number, within bounds when given; anything else stops start-up, naming it."""
    raw = env.str(name, default=str(default))
    try:
        return _whole_number(raw, minimum, maximum)
    except ValueError as problem:
        raise ImproperlyConfigured(f"{name}={raw!r} {problem}.") from None


def env_int_list(name: str, default: list[int], *, minimum: int | None = None) -> list[int]:
    """Comma-separated whole numbers (e.g. ``7,1``); a bad one stops start-up, naming it."""
    raw = env.str(name, default=",".join(str(value) for value in default))
    values = []
    for part in (part for part in raw.split(",") if part.strip()):
        try:
            values.append(_whole_number(part, minimum, None))
        except ValueError as problem:
            raise ImproperlyConfigured(f"{name}={raw!r}: {part.strip()!r} {problem}.") from None
    return values


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw: str = env.str(name, default=default).strip()
    if raw not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of: {', '.join(choices)}.")
    return raw


VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

# Off unless asked for: a forgotten variable must not give a production instance Django's debug
# pages. `make run` (the local trial) sets what it needs; see the Makefile.
DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (DEBUG is off unless set; for a local "
            "trial use `make run`, which generates a key under var/)."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Links in emails and calendar feeds point here. It is one value for every process: under
# honcho each process gets its own PORT (worker 8100, beat 8200), so deriving it from PORT would
# put the worker's port in emails. `make run` exports it from the port the web serves on; in
# production it must be set, because guessing a public address is always wrong somewhere.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured(
        "SITE_URL must be set when DEBUG is off (the address people open, used in email links)."
    )
if urlsplit(SITE_URL).scheme not in {"http", "https"} or not urlsplit(SITE_URL).hostname:
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} is not an http(s) address with a host.")

INSTALLED_APPS = [
    "tracker.apps.TrackerConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "agencies",
    "recommendations",
    "notifications",
    "reports",
    "transparency",
    "quarterly",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "agencies.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
                "django.template.context_processors.i18n",
                "recommendations.accountability.context_processors.accountability_counts",
            ],
            # Dates people read, with « 1er » in French, in every template without a {% load %}.
            "builtins": ["agencies.templatetags.local_dates"],
        },
    },
]

# Database ------------------------------------------------------------------------------------
# Importing the settings creates nothing: tracker.apps.TrackerConfig.ready creates the folders
# under VAR_DIR that the embedded defaults use, when a process starts.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: WAL lets readers run beside a writer,
    # and IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the only queries costly enough to trigger it are the report's
        # aggregates, where compiling took 45 ms of a 100 ms query and saved nothing; the
        # others never reach jit_above_cost. Set per connection, so no extra query.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Redis, cache and Celery ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by every process on the machine, so throttling and locks hold across them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
# kombu's Redis transport waits forever on a socket by default: a broker that accepts connections
# and then stops answering (a stalled server, a network path that drops packets) would hold the
# web request publishing a task, and a worker, for good. Each socket operation gives up after
# BROKER_SOCKET_TIMEOUT seconds instead (above the 1 s a worker's BRPOP waits server-side).
BROKER_SOCKET_TIMEOUT = env_int("BROKER_SOCKET_TIMEOUT", default=3, minimum=1, maximum=60)
REDIS_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
    # A task not acknowledged within this time is delivered again; no task waits longer than this
    # (reminders come from the periodic scan, never from far-future ETAs).
    "visibility_timeout": 3600,
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        # Kombu's exchange tables; by default a "control" folder in the current directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = dict(REDIS_BROKER_TRANSPORT_OPTIONS)
# A web request publishes its tasks after its commit (tracker.queueing): a broker that is down or
# stalled costs it at most three attempts of BROKER_SOCKET_TIMEOUT seconds each (about 10 s), and
# then the request answers all the same, the rows left for the periodic retry.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Every periodic job, in one place.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Every 15 minutes: find reminders, escalations and digests that are due and queue their
    # sending. A missed run (scheduler stopped) is caught up by the next one.
    "reminders-scan": {
        "task": "notifications.tasks.reminders_scan",
        "schedule": crontab(minute="*/15"),
    },
    # Every 10 minutes: re-queue emails left pending by a crash or an outage of the mail server.
    "notifications-retry-pending": {
        "task": "notifications.tasks.notifications_retry_pending",
        "schedule": crontab(minute="*/10"),
    },
    # Every morning at 06:30: on and after the first working day of a quarter, produce the
    # quarterly reports of the quarter just ended (once) and send them (once per reader).
    "quarterly-reports": {
        "task": "quarterly.tasks.quarterly_reports_due",
        "schedule": crontab(hour=6, minute=30),
    },
}

# Email ----------------------------------------------------------------------------------------
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tracker@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # One .eml file per message, which a person opens in any mail program.
    EMAIL_BACKEND = "notifications.backends.EmlFileBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=EMAIL_BACKEND)

# Accountability: evidence, verification, extensions, assessments -----------------------------
# Largest evidence file accepted, in bytes (20 MB).
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
# A latest assessment older than the latest self-report by more than this is "out of date".
ASSESSMENT_OUT_OF_DATE_DAYS = env_int("ASSESSMENT_OUT_OF_DATE_DAYS", default=90)
# Verifiers and deciders are reminded of what has waited longer than this (the default of the two
# thresholds below, which set each one; checked at start-up like the REMINDER_* settings).
DECISION_REMINDER_DAYS = env_int("DECISION_REMINDER_DAYS", default=10, minimum=1)
# A submission waiting this many days for a verifier: a reminder to the verifiers, then again
# every as many days while it waits.
REMINDER_VERIFICATION_WAITING_DAYS = env_int(
    "REMINDER_VERIFICATION_WAITING_DAYS", default=DECISION_REMINDER_DAYS, minimum=1
)
# An extension request waiting this many days: a reminder to those who may decide it, repeated.
REMINDER_EXTENSION_WAITING_DAYS = env_int(
    "REMINDER_EXTENSION_WAITING_DAYS", default=DECISION_REMINDER_DAYS, minimum=1
)

# Reminder rules (calendar days unless REMINDER_BUSINESS_DAYS is on) ---------------------------
# Each is checked here, at start-up: a bad value stops every process naming the variable, instead
# of failing later inside a scan. An empty REMINDER_DUE_SOON_DAYS turns due-soon reminders off.
REMINDER_DUE_SOON_DAYS = env_int_list("REMINDER_DUE_SOON_DAYS", default=[7, 1], minimum=1)
REMINDER_OVERDUE_REPEAT_DAYS = env_int("REMINDER_OVERDUE_REPEAT_DAYS", default=7, minimum=1)
REMINDER_ESCALATION_DAYS = env_int("REMINDER_ESCALATION_DAYS", default=14, minimum=1)
REMINDER_STALE_DAYS = env_int("REMINDER_STALE_DAYS", default=30, minimum=1)

# Spreadsheet imports (imports/): the largest workbook or CSV accepted, in bytes and in data rows,
# and the number of rows of a progress workbook applied inline; larger ones run as a Celery task.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", default=20_000, minimum=1)
IMPORT_INLINE_ROWS = env_int("IMPORT_INLINE_ROWS", default=200, minimum=0)
# A workbook is a zip: refuse one whose parts would expand past this (a zip bomb).
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int(
    "IMPORT_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024, minimum=1
)
REMINDER_BUSINESS_DAYS = env_bool("REMINDER_BUSINESS_DAYS", default=False)
# The hour (local time) from which the day's reminders go out.
REMINDER_SEND_HOUR = env_int("REMINDER_SEND_HOUR", default=7, minimum=0, maximum=23)
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", default=12, minimum=1)
# Province or territory whose statutory holidays count as well as the federal ones ("" = federal).
REMINDER_HOLIDAYS_SUBDIVISION = env_choice(
    "REMINDER_HOLIDAYS_SUBDIVISION", default="", choices=("", *Canada.subdivisions)
)
# A notification claimed by a worker that died is sent again after this many seconds; longer than
# any one send can take (EMAIL_TIMEOUT), so a slow send is never doubled.
NOTIFICATION_LEASE_SECONDS = env_int("NOTIFICATION_LEASE_SECONDS", default=600, minimum=1)
# Longest wait between two attempts at a failed send (the backoff doubles up to this): with the
# defaults, a send is retried for about seven hours before it is marked failed.
NOTIFICATION_RETRY_MAX_DELAY = env_int("NOTIFICATION_RETRY_MAX_DELAY", default=3600, minimum=60)

# Public progress page -------------------------------------------------------------------------
# Seconds a reader's browser (and any shared cache) may keep a public page; the server's own
# cache is dropped at once when anything public changes.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", default=300)
# Requests per minute per address on the public pages and open data (0 turns the limit off).
PUBLIC_RATE_LIMIT = env_int("PUBLIC_RATE_LIMIT", default=300)
# The request header holding the reader's address behind a proxy that sets it (e.g.
# HTTP_X_FORWARDED_FOR); empty uses REMOTE_ADDR.
PUBLIC_CLIENT_IP_HEADER = env.str("PUBLIC_CLIENT_IP_HEADER", default="")

# Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Toronto")
# Celery's schedules (the reminder scan's crontab) run in the same zone as everything else.
CELERY_TIMEZONE = TIME_ZONE
USE_I18N = True
USE_TZ = True

# Static files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and produced files (the archived quarterly reports), through Django's storage.
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Evidence files: never under a public URL (base_url None); served by a view that checks
    # who may see the item. Any Django storage backend can replace it (S3, Azure...).
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(MEDIA_ROOT) / "evidence"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security (production) ------------------------------------------------------------------------
# (Secure cookies, HSTS and the HTTPS redirect follow SITE_URL: see "Hardening" below.)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # orjson: the same JSON as DRF's renderer (UTF-8, compact), written several times faster.
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # ?page= and ?page_size= (at most 200).
    "DEFAULT_PAGINATION_CLASS": "apis.pagination.ApiPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", default=50),
    # Maps the services' ValidationError, PermissionDenied and ActionItemConflict to 400, 403, 412.
    "EXCEPTION_HANDLER": "recommendations.api.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Recommendations tracker API",
    "DESCRIPTION": "Recommendations and action items of the Law Enforcement Roundtable on Drugs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get their own components, without the read-only fields of the responses.
    "COMPONENT_SPLIT_REQUEST": True,
    # Operations are tagged by resource (action-items, agencies...), not all as "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # One name for each choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {"StatusEnum": "recommendations.models.Status"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}


# Hardening (issue 10: tokens, sign-in throttling, limits, production defaults) ------------------
# API tokens (agencies.ApiToken, stored hashed) die after this many days without use.
API_TOKEN_IDLE_DAYS = env_int("API_TOKEN_IDLE_DAYS", default=30)
# How many proxies in front of the app add themselves to X-Forwarded-For. 0: the header is
# ignored and the client address is REMOTE_ADDR (anyone can write X-Forwarded-For).
NUM_PROXIES = env_int("NUM_PROXIES", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
# Sign-in throttling (agencies.throttling), on the web, admin and API sign-ins: this many failures
# per account and address are free, then a cool-off that doubles with each further failure.
SIGNIN_FREE_ATTEMPTS = env_int("SIGNIN_FREE_ATTEMPTS", default=5)
SIGNIN_COOLOFF_SECONDS = env_int("SIGNIN_COOLOFF_SECONDS", default=60)
SIGNIN_COOLOFF_MAX_SECONDS = env_int("SIGNIN_COOLOFF_MAX_SECONDS", default=900)
# Password reset requests per account per hour (an address may make four times as many).
PASSWORD_RESET_PER_HOUR = env_int("PASSWORD_RESET_PER_HOUR", default=3)
AUTHENTICATION_BACKENDS = ["agencies.backends.SigninThrottleBackend"]

# The cache degrades instead of failing when Redis is unreachable (tracker.cache).
if REDIS_URL:
    CACHES["default"]["BACKEND"] = "tracker.cache.ResilientRedisCache"
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 1}

# Request bodies: DRF's JSON parser refuses more than this many bytes (413) or levels (400).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", default=32)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "apis.parsers.BoundedJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
# The browsable API only while debugging: production speaks JSON (and serves /api/docs/).
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"] + (
    ["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []
)

# Settings whose values never appear on a debug page or in an error report, even with DEBUG on.
DEFAULT_EXCEPTION_REPORTER_FILTER = "tracker.reporting.MaskingExceptionReporterFilter"

# HTTPS: when SITE_URL is https, the app is served over TLS only (behind a proxy that sets
# X-Forwarded-Proto): redirect, HSTS, secure cookies. Each can still be overridden.
_HTTPS = SITE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31_536_000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# Joining the browsers' preload list binds every subdomain of the organisation's domain for
# years: the domain's owner decides, not this app (SECURE_HSTS_PRELOAD=1 when they have).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Content-Security-Policy (django-csp): scripts and styles from our own static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
