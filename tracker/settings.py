"""Settings for the recommendations tracker.

Every value an operator may change is read from the environment here, and only here. The defaults
run the whole system on one machine with nothing installed but Python: SQLite in ``var/``, Celery
on kombu's filesystem transport, email written to files under ``var/mail/``. ``DATABASE_URL``,
``REDIS_URL`` and ``EMAIL_HOST`` switch to PostgreSQL, Redis and SMTP.
"""

from pathlib import Path

import environ
import holidays
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

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
    raw = env.str(name, default=default).strip()
    if raw not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of: {', '.join(choices)}.")
    return raw


VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Links in emails and calendar feeds point here; by default, where `make run` serves (PORT).
SITE_URL = env.str(
    "SITE_URL", default=f"http://127.0.0.1:{env.str('PORT', default='8000')}"
).rstrip("/")

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "agencies",
    "recommendations",
    "notifications",
    "reports",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
            ],
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
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        # Kombu's exchange tables; by default a "control" folder in the current directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    # A task not acknowledged within this time is delivered again; no task waits longer than this
    # (reminders come from the periodic scan, never from far-future ETAs).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Every periodic job, in one place.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
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
    "REMINDER_HOLIDAYS_SUBDIVISION", default="", choices=("", *holidays.CA.subdivisions)
)
# A notification claimed by a worker that died is sent again after this many seconds; longer than
# any one send can take (EMAIL_TIMEOUT), so a slow send is never doubled.
NOTIFICATION_LEASE_SECONDS = env_int("NOTIFICATION_LEASE_SECONDS", default=600, minimum=1)
# Longest wait between two attempts at a failed send (the backoff doubles up to this): with the
# defaults, a send is retried for about seven hours before it is marked failed.
NOTIFICATION_RETRY_MAX_DELAY = env_int("NOTIFICATION_RETRY_MAX_DELAY", default=3600, minimum=60)

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
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
        # POST /api/v1/auth/token/, per address: slows down password guessing.
        "auth_token": env.str("API_THROTTLE_AUTH_TOKEN", default="10/minute"),
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
