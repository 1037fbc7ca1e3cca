"""Django settings for Crane Ledger, read from environment variables only.

Variables: DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, plus the
tuning knobs below. With none set, the service runs on an SQLite file under
var/ with the django-q2 ORM broker, so a fresh checkout starts with no services.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from craneledger.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CRANELEDGER_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])


def _secret_key() -> str:
    """Return SECRET_KEY, or a key kept in var/secret_key for local installs."""
    configured = env_str("SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters.")
        return configured
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "craneledger",
    "ledger",
    "operations",
    "webhooks",
]

MIDDLEWARE = [
    "craneledger.middleware.RequestIdMiddleware",
    "craneledger.middleware.JsonErrorMiddleware",
    "craneledger.middleware.RejectNullCharactersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "craneledger.middleware.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "craneledger.urls"
WSGI_APPLICATION = "craneledger.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite allows one writer at a time. WAL lets readers run beside the writer.
# IMMEDIATE takes the write lock when a transaction starts, so a transaction
# never has to upgrade a read lock and fail. The timeout makes a second writer
# wait for the lock instead of failing with "database is locked".
DATABASE_URL = env_url(
    "DATABASE_URL",
    {"sqlite", "postgres", "postgresql", "pgsql"},
    default=f"sqlite:///{VAR_DIR / 'craneledger.sqlite3'}",
)
# Persistent connections (seconds) suit a fixed pool of WSGI workers; the
# threaded development server would leave one open per finished thread.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Stores decimal columns as text, because SQLite's NUMERIC keeps only 15
    # significant digits.
    DATABASES["default"]["ENGINE"] = "craneledger.db.sqlite3"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, when configured, carries the task queue and the cache. Otherwise the
# django-q2 ORM broker and a database cache table do, because the API process
# must read the worker cluster's statistics from a store both can reach.
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss", "unix"})
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "craneledger_cache",
        }
    }

# django-q2. OperationStatus owns retries, so the broker must never run a task
# a second time on its own: `retry` (seconds before an unacknowledged task is
# handed out again) is larger than `timeout` (seconds a task may run), a failed
# task is acknowledged rather than left for redelivery, and max_attempts=1
# stops the cluster from resubmitting failures.
Q_CLUSTER = {
    "name": env_str("Q_CLUSTER_NAME", "craneledger"),
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": env_int("Q_TIMEOUT", 300, minimum=1),
    "retry": env_int("Q_TIMEOUT", 300, minimum=1) * 2,
    "max_attempts": 1,
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "poll": 0.5,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serving from the finders needs no collectstatic step, which keeps `make run`
# to one command; the files are few (the admin and the API docs UI).
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["ledger.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: endpoints that take files declare their own parsers.
    "DEFAULT_PARSER_CLASSES": ["craneledger.parsers.DecimalJSONParser"],
    # ?format= would select a renderer; the API has one, so the parameter is
    # ignored instead of returning 404 for an unknown format.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "craneledger.pagination.ListPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "craneledger.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
    "PAGE_SIZE": 20,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Crane Ledger API",
    "DESCRIPTION": "Double-entry accounting over HTTP.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Queued operations. A worker holds an operation under a lease; if it dies,
# the reaper takes the operation back once the lease has expired.
OPERATIONS_MAX_ATTEMPTS = env_int("OPERATIONS_MAX_ATTEMPTS", 5, minimum=1)
OPERATIONS_LEASE_SECONDS = env_int("OPERATIONS_LEASE_SECONDS", 60, minimum=1)
# A queued operation that no worker has claimed this long after it was
# enqueued is enqueued again (the broker may have lost it).
OPERATIONS_REENQUEUE_AFTER_SECONDS = env_int(
    "OPERATIONS_REENQUEUE_AFTER_SECONDS", 60, minimum=1
)
OPERATIONS_RETRY_BASE_SECONDS = env_int("OPERATIONS_RETRY_BASE_SECONDS", 1, minimum=0)
OPERATIONS_RETRY_MAX_SECONDS = env_int("OPERATIONS_RETRY_MAX_SECONDS", 60, minimum=1)
# Entries of the form {"contacts.create": "direct"} override the mode table.
OPERATION_MODES: dict[str, str] = {}

# Credits. Each request costs CREDIT_COSTS["resource.action"]; an unlisted
# write costs CREDIT_COSTS["write"] and an unlisted read nothing.
CREDIT_COSTS = {
    "write": 1,
    "contacts.create": 1,
    "contacts.update": 1,
    "contacts.delete": 1,
    "transfers.create": 1,
    "accounts.create": 1,
    "accounts.update": 1,
    "accounts.delete": 1,
    "invoices.create": 5,
    "bills.create": 5,
    "reports.trial_balance": 5,
    "organizations.create": 10,
    # Canceling a queued operation refunds it; the cancel itself is free.
    "operations.delete": 0,
}
# How long an idempotency key and its stored response are kept, in hours.
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24, minimum=24)

# Largest journal file an import accepts, in bytes.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)

# Credits a new root organization starts with.
CREDITS_INITIAL_GRANT = env_int("CREDITS_INITIAL_GRANT", 10_000)

# How often `last_used_at` on an API key is written, in seconds. Writing it on
# every request would turn each read into a write.
API_KEY_LAST_USED_RESOLUTION = env_int("API_KEY_LAST_USED_RESOLUTION", 60)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "craneledger": {"level": LOG_LEVEL},
        "ledger": {"level": LOG_LEVEL},
        "operations": {"level": LOG_LEVEL},
        "webhooks": {"level": LOG_LEVEL},
    },
}
