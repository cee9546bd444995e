"""PingBack settings: one module, driven by environment variables.

With no configuration PingBack runs embedded: SQLite (WAL), in-memory channel layer,
in-process Socket.IO manager and Celery tasks on an in-process thread pool. Set
DATABASE_URL and REDIS_URL to scale out on PostgreSQL, Redis and Celery workers.
The configuration table in README.md documents every variable read here.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from pingback.config import (
    DEFAULT_SECRET_KEY,
    ConfigError,
    check_url,
    env_bool,
    env_int,
    env_list,
    fail,
)

BASE_DIR = Path(__file__).resolve().parent.parent
_errors: list[str] = []


def _read(fn, *args):
    try:
        return fn(*args)
    except ConfigError as exc:
        _errors.append(str(exc))
        return args[-1] if args else None


import os  # noqa: E402

DEBUG = _read(env_bool, "DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = _read(env_list, "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = _read(env_list, "CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    _errors.append(
        "DEBUG is off but SECRET_KEY is the built-in development key: set SECRET_KEY to a long "
        "random string (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
if not DEBUG and len(SECRET_KEY) < 32:
    _errors.append("SECRET_KEY is shorter than 32 characters: use a long random string.")

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    try:
        check_url("DATABASE_URL", DATABASE_URL, {"postgres", "postgresql", "sqlite"})
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    except (ConfigError, ValueError) as exc:
        _errors.append(str(exc))
        _db = None
else:
    _db = None
if _db is None:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "pingback.sqlite3")),
    }
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers run while a writer commits; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing with "locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file (not :memory:) so test servers started as subprocesses share the test database.
    _db["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_PATH") or str(BASE_DIR / "test-pingback.sqlite3")
    }
DATABASES = {"default": _db}
IS_POSTGRES = _db["ENGINE"].endswith("postgresql")

# --- Redis: channel layer, Socket.IO manager, Celery broker, cache --------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    try:
        check_url("REDIS_URL", REDIS_URL, {"redis", "rediss"})
    except ConfigError as exc:
        _errors.append(str(exc))
        REDIS_URL = ""

# Namespaces every Redis key and pub/sub channel, so several deployments (or parallel test
# workers) can share one Redis server without hearing each other.
REDIS_PREFIX = os.environ.get("REDIS_PREFIX") or "pingback"
if os.environ.get("PYTEST_XDIST_WORKER"):
    REDIS_PREFIX = f"{REDIS_PREFIX}-{os.environ['PYTEST_XDIST_WORKER']}"

# A multi-process deployment needs Redis: without it rooms, topics and rate limits would
# live in each process and clients on different processes would never hear each other.
WEB_CONCURRENCY = _read(env_int, "WEB_CONCURRENCY", 1)
if WEB_CONCURRENCY > 1 and not REDIS_URL:
    _errors.append(
        f"WEB_CONCURRENCY={WEB_CONCURRENCY} needs REDIS_URL: several processes share rooms, "
        "topics, rate limits and tasks only through Redis."
    )
if WEB_CONCURRENCY > 1 and not IS_POSTGRES:
    _errors.append(f"WEB_CONCURRENCY={WEB_CONCURRENCY} needs DATABASE_URL pointing at PostgreSQL.")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pingback",
        }
    }

# --- Celery -----------------------------------------------------------------------------------
# Without REDIS_URL, tasks run on an in-process thread pool (pingback.tasks.enqueue): the
# embedded default needs no broker and a slow task never blocks a request or a socket.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL) or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not bool(REDIS_URL or os.environ.get("CELERY_BROKER_URL"))
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}

# --- Applications -----------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "conversations",
    "realtime",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pingback.urls"
ASGI_APPLICATION = "pingback.asgi.application"

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
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the app and project static folders: no collectstatic step needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/inbox/login/"
LOGIN_REDIRECT_URL = "/inbox/"

# --- Security ---------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SESSION_COOKIE_SECURE = _read(env_bool, "SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- REST framework and JWT ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_AUTHENTICATION_CLASSES": ["conversations.api.auth.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["conversations.api.permissions.IsBusinessCaller"],
    "EXCEPTION_HANDLER": "conversations.api.errors.exception_handler",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=_read(env_int, "JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=_read(env_int, "JWT_REFRESH_DAYS", 7)),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PingBack API",
    "DESCRIPTION": "REST API of PingBack, the self-hosted customer-support live chat.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- PingBack behaviour -------------------------------------------------------------------------
# Largest message a customer or agent may send, in characters.
MESSAGE_MAX_LENGTH = _read(env_int, "MESSAGE_MAX_LENGTH", 5000)
# Domain events kept in the event log for cursor resume (days).
EVENT_LOG_RETENTION_DAYS = _read(env_int, "EVENT_LOG_RETENTION_DAYS", 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}

if _errors:
    fail(_errors)
