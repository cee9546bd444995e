"""PingBack settings: one module, driven by environment variables.

With no configuration PingBack runs embedded: SQLite (WAL), in-memory channel layer,
in-process Socket.IO manager and Celery tasks on an in-process thread pool. Set
DATABASE_URL and REDIS_URL to scale out on PostgreSQL, Redis and Celery workers.
The configuration table in README.md documents every variable read here.
"""

import sys
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
    is_loopback,
    is_server_command,
    load_or_create_secret_key,
    parse_email_url,
    server_bind_hosts,
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
# The data directory: where the SQLite database lives, and the generated secret key with it.
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "pingback.sqlite3"))
DATA_DIR = Path(SQLITE_PATH).resolve().parent
_EXPLICIT_SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Without SECRET_KEY a random key is generated once and kept in the data directory (never a
# published one): sessions and tokens survive restarts, and nobody else knows the key.
try:
    SECRET_KEY = _EXPLICIT_SECRET_KEY or load_or_create_secret_key(DATA_DIR)
except ConfigError as exc:
    _errors.append(str(exc))
    SECRET_KEY = ""  # start-up stops with the message above
if _EXPLICIT_SECRET_KEY == DEFAULT_SECRET_KEY:
    _errors.append(
        "SECRET_KEY is the development key published with PingBack: anyone could forge "
        "tokens. Set a long random string, or unset it to use a generated one."
    )
ALLOWED_HOSTS = _read(env_list, "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = _read(env_list, "CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Reports fold an event into the rollups once it is this old (a transaction that took its id
# earlier may still commit): how far behind the live figures may be.
REPORTS_SETTLE_SECONDS = _read(env_int, "REPORTS_SETTLE_SECONDS", 5)
# How long a customer's signed rating link (email and channels) stays valid.
CSAT_LINK_MAX_AGE_DAYS = _read(env_int, "CSAT_LINK_MAX_AGE_DAYS", 30)

if not DEBUG and not _EXPLICIT_SECRET_KEY:
    _errors.append(
        "DEBUG is off but SECRET_KEY is not set: set SECRET_KEY to a long random string, the "
        "same in every process (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
# Development defaults (DEBUG on) never listen beyond this machine.
_public_binds = [h for h in server_bind_hosts(sys.argv) if not is_loopback(h)]
if DEBUG and _public_binds:
    _errors.append(
        f"DEBUG is on (the development default) but the server would listen on "
        f"{', '.join(_public_binds)}: debug mode must not be reachable from other machines. "
        "Set DEBUG=false and SECRET_KEY for a deployment, or bind 127.0.0.1."
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
        "NAME": SQLITE_PATH,
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
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            # realtime.hub: one channel per process carries every topic push, so it must not
            # be held to the default 100 queued messages.
            "CONFIG": {"capacity": 10_000},
        }
    }
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
# Celery's Django fix-up closes all connections around every task unless this is set; it now
# does so every 10,000 tasks, and pingback.db_connections applies CONN_MAX_AGE in between.
CELERY_DB_REUSE_MAX = 10_000
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "prune-event-log": {"task": "conversations.tasks.prune_event_log", "schedule": 3600.0},
    # Expired JWTs leave the token blacklist tables (conversations/tokens.py).
    "flush-expired-tokens": {
        "task": "conversations.tokens.flush_expired_tokens",
        "schedule": 86400.0,
    },
    # Automatic assignment's safety net (each event that frees or adds work runs it at once).
    "assign-waiting": {"task": "conversations.tasks.assign_waiting_everywhere", "schedule": 60.0},
    # The reports' rollups fold the settled new events of the event log (reports/rollup.py).
    "reports-fold": {"task": "reports.tasks.fold_events", "schedule": 10.0},
    # Snoozed conversations reopen when their time comes (teamtools.actions.snooze).
    "wake-snoozed": {"task": "teamtools.tasks.wake_snoozed", "schedule": 30.0},
    # Data exports (personal data) are deleted after EXPORTS_RETENTION_DAYS (privacy/tasks.py).
    "delete-old-exports": {"task": "privacy.tasks.delete_old_exports", "schedule": 3600.0},
}

# --- Applications -----------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "conversations",
    "realtime",
    "webhooks",
    "inbox",
    "ai",
    "attachments",
    "privacy",
    "customer_channels",
    "csat",
    "reports",
    "accounts",
    "business_settings",
    "teamtools",
    "search",
]

MIDDLEWARE = [
    "pingback.middleware.RequestMiddleware",  # request id, access log line, latency metric
    "django.middleware.security.SecurityMiddleware",
    "pingback.middleware.ErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "conversations.api.throttling.RateLimitHeadersMiddleware",
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
USE_I18N = True  # the widget's texts (business_settings/widget_texts.py)
# First in precedence: the widget's own words win over Django's catalogs for the same msgid.
LOCALE_PATHS = [BASE_DIR / "business_settings" / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
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

# Form logins (/inbox/login/, /admin/login/): failed attempts per client IP and per account
# within LOGIN_LOCKOUT_MINUTES before every attempt is refused with a 429 (0 disables).
LOGIN_FAILURES_PER_IP = _read(env_int, "LOGIN_FAILURES_PER_IP", 20)
LOGIN_FAILURES_PER_ACCOUNT = _read(env_int, "LOGIN_FAILURES_PER_ACCOUNT", 10)
LOGIN_LOCKOUT_MINUTES = _read(env_int, "LOGIN_LOCKOUT_MINUTES", 15)

# --- REST framework and JWT ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "conversations.api.schema.PingBackAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON with a size (413) and depth (400 MALFORMED_JSON) bound: conversations/api/parsers.py
    "DEFAULT_PARSER_CLASSES": ["conversations.api.parsers.BoundedJSONParser"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_AUTHENTICATION_CLASSES": ["conversations.api.auth.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["conversations.api.permissions.IsBusinessCaller"],
    "EXCEPTION_HANDLER": "conversations.api.errors.exception_handler",
    # REST API rate limits (conversations/api/throttling.py, docs/api.md): per business plan,
    # and per client IP for unauthenticated or refused requests.
    "DEFAULT_THROTTLE_CLASSES": ["conversations.api.throttling.PlanRateThrottle"],
    # Reverse proxies in front of PingBack whose X-Forwarded-For is trusted for the client IP.
    "NUM_PROXIES": _read(env_int, "API_NUM_PROXIES", 0),
}
# Requests per minute per client IP without valid credentials (0 disables).
API_ANON_RATE_PER_MINUTE = _read(env_int, "API_ANON_RATE_PER_MINUTE", 60)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=_read(env_int, "JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=_read(env_int, "JWT_REFRESH_DAYS", 7)),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
    # Token lifecycle (conversations/tokens.py): refresh tokens rotate and the used one is
    # blacklisted; tokens carry a hash of the password hash, so a password change revokes all.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "CHECK_REVOKE_TOKEN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PingBack API",
    "DESCRIPTION": "REST API of PingBack, the self-hosted customer-support live chat.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # REST API docs: Swagger UI and Redoc served locally (no CDN), schema at /api/v1/schema/.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "conversations.api.schema.readable_operation_ids",
        "conversations.api.schema.strict_nullable_references",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "conversations.models.Conversation.Status",
        "AgentStatusEnum": "conversations.models.Agent.Status",
        "SessionMessageTypeEnum": "conversations.api.sessions.MESSAGE_TYPES",
        "AgentRoleEnum": "conversations.models.Agent.Role",
    },
}

# --- PingBack behaviour -------------------------------------------------------------------------
# Largest message a customer or agent may send, in characters.
MESSAGE_MAX_LENGTH = _read(env_int, "MESSAGE_MAX_LENGTH", 5000)
# Customer and conversation metadata: JSON size in bytes and top-level keys (0 = unlimited).
METADATA_MAX_BYTES = _read(env_int, "METADATA_MAX_BYTES", 8192)
METADATA_MAX_KEYS = _read(env_int, "METADATA_MAX_KEYS", 50)
# New conversations from anonymous widgets per minute, per client IP and per business (0 = off).
WIDGET_CONVERSATIONS_PER_IP_PER_MINUTE = _read(env_int, "WIDGET_CONVERSATIONS_PER_IP_PER_MINUTE", 5)
WIDGET_CONVERSATIONS_PER_BUSINESS_PER_MINUTE = _read(
    env_int, "WIDGET_CONVERSATIONS_PER_BUSINESS_PER_MINUTE", 120
)
# New anonymous widget connections per client IP per minute (0 = off; agents are not counted).
WIDGET_CONNECTS_PER_IP_PER_MINUTE = _read(env_int, "WIDGET_CONNECTS_PER_IP_PER_MINUTE", 120)
# --- Widget realtime (Socket.IO, realtime/widget/) -----------------------------------------------
# Per-socket token bucket for client events: refill rate (events/s; 0 disables) and burst.
SOCKETIO_RATE_LIMIT_PER_SECOND = _read(env_int, "SOCKETIO_RATE_LIMIT_PER_SECOND", 10)
SOCKETIO_RATE_LIMIT_BURST = _read(env_int, "SOCKETIO_RATE_LIMIT_BURST", 30)
# How long a widget session token (proof of being a customer) stays valid.
WIDGET_SESSION_MAX_AGE_DAYS = _read(env_int, "WIDGET_SESSION_MAX_AGE_DAYS", 30)
# Domain events kept in the event log for cursor resume (days).
EVENT_LOG_RETENTION_DAYS = _read(env_int, "EVENT_LOG_RETENTION_DAYS", 7)
# Data exports (files of personal data) are deleted this many days after they were requested.
EXPORTS_RETENTION_DAYS = _read(env_int, "EXPORTS_RETENTION_DAYS", 7)


# --- Realtime topics API (/api/) and event stream (/ws) — realtime/consumers ------------------
def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds.") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative.")
    return value


# Items in the snapshot a subscribe sends first (the most recent ones).
TOPICS_SNAPSHOT_SIZE = max(1, _read(env_int, "TOPICS_SNAPSHOT_SIZE", 100))
# New topic connections per user per minute, and open ones at a time (0 = unlimited).
TOPICS_CONNECTIONS_PER_MINUTE = _read(env_int, "TOPICS_CONNECTIONS_PER_MINUTE", 60)
TOPICS_MAX_CONNECTIONS_PER_USER = _read(env_int, "TOPICS_MAX_CONNECTIONS_PER_USER", 20)
TOPICS_MAX_SUBSCRIPTIONS = _read(env_int, "TOPICS_MAX_SUBSCRIPTIONS", 100)
# The server sends a heartbeat ping every INTERVAL s and closes a connection that sent
# nothing (a pong counts) for IDLE_TIMEOUT s. 0 disables either.
TOPICS_HEARTBEAT_INTERVAL = _read(_env_seconds, "TOPICS_HEARTBEAT_INTERVAL", 30.0)
TOPICS_IDLE_TIMEOUT = _read(_env_seconds, "TOPICS_IDLE_TIMEOUT", 90.0)
# How long a concurrent-connection count outlives its last heartbeat (crashed processes).
TOPICS_CONNECTION_COUNT_TTL = max(
    60, int(3 * max(TOPICS_HEARTBEAT_INTERVAL, TOPICS_IDLE_TIMEOUT, 1))
)
# /ws: seconds a client has to send its {"type": "auth"} frame.
EVENT_STREAM_AUTH_TIMEOUT = _read(_env_seconds, "EVENT_STREAM_AUTH_TIMEOUT", 10.0)


# --- AI assistant (ai/) --------------------------------------------------------------------
def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number.") from None


# Which provider answers: "knowledge_base" (offline, the business's own articles) or "openai"
# (any OpenAI-compatible /chat/completions endpoint). Businesses can override most of these
# in the admin (AI settings).
AI_PROVIDER = os.environ.get("AI_PROVIDER", "knowledge_base").strip()
if AI_PROVIDER not in {"knowledge_base", "openai"}:
    _errors.append(f"AI_PROVIDER must be knowledge_base or openai, not {AI_PROVIDER!r}.")
AI_OPENAI_BASE_URL = os.environ.get("AI_OPENAI_BASE_URL", "https://api.openai.com/v1").rstrip("/")
AI_OPENAI_MODEL = os.environ.get("AI_OPENAI_MODEL", "gpt-4o-mini")
# Optional for local servers (llama.cpp, Ollama, vLLM) that need no key.
AI_OPENAI_API_KEY = os.environ.get("AI_OPENAI_API_KEY", "")
AI_TIMEOUT_SECONDS = _read(_env_float, "AI_TIMEOUT_SECONDS", 15.0)
# Below this confidence (0-1) the assistant hands the conversation to a person.
AI_CONFIDENCE_THRESHOLD = _read(_env_float, "AI_CONFIDENCE_THRESHOLD", 0.5)
AI_HANDOFF_KEYWORDS = _read(
    env_list,
    "AI_HANDOFF_KEYWORDS",
    [
        "human",
        "agent",
        "person",
        "representative",
        "real person",
        "talk to someone",
        "speak to someone",
        "operator",
        "support team",
    ],
)
# AI replies per conversation; the next customer message hands off instead.
AI_MAX_REPLIES = _read(env_int, "AI_MAX_REPLIES", 5)
AI_HANDOFF_MESSAGE = os.environ.get(
    "AI_HANDOFF_MESSAGE",
    "I'm connecting you with a member of our team. They'll reply here shortly.",
)
# Earlier messages the provider sees as context.
AI_HISTORY_MESSAGES = _read(env_int, "AI_HISTORY_MESSAGES", 12)

# --- Webhooks (webhooks/, docs/webhooks.md) ----------------------------------------------------
# Deliver to loopback/private/link-local addresses too (local development and tests only).
WEBHOOKS_ALLOW_PRIVATE_URLS = _read(env_bool, "WEBHOOKS_ALLOW_PRIVATE_URLS", False)
# Deadline of one whole delivery attempt: connect, TLS, send, headers and body together.
WEBHOOKS_TIMEOUT_SECONDS = _read(env_int, "WEBHOOKS_TIMEOUT_SECONDS", 10)
# Attempts per delivery; retry n waits a random 0..min(MAX, BASE * 4**(n-1)) seconds.
WEBHOOKS_MAX_ATTEMPTS = _read(env_int, "WEBHOOKS_MAX_ATTEMPTS", 12)
WEBHOOKS_RETRY_BASE_SECONDS = _read(env_int, "WEBHOOKS_RETRY_BASE_SECONDS", 15)
WEBHOOKS_RETRY_MAX_SECONDS = _read(env_int, "WEBHOOKS_RETRY_MAX_SECONDS", 6 * 3600)
# An endpoint failing without a single success for this many days is disabled.
WEBHOOKS_DISABLE_AFTER_DAYS = _read(env_int, "WEBHOOKS_DISABLE_AFTER_DAYS", 5)
# How long a worker owns a claimed delivery before another may retry it (> the timeout).
WEBHOOKS_LEASE_SECONDS = _read(env_int, "WEBHOOKS_LEASE_SECONDS", 60)
# The sweeper (Celery beat, or a thread in the embedded default) runs this often.
WEBHOOKS_SWEEP_SECONDS = _read(env_int, "WEBHOOKS_SWEEP_SECONDS", 30)

# --- Inbox presence (conversations/presence.py, docs/inbox-and-widget.md) -----------------------
# An agent with no input in any inbox tab for this long shows as away.
PRESENCE_IDLE_SECONDS = _read(env_int, "PRESENCE_IDLE_SECONDS", 300)
# A connection not renewed for this long (its process died) no longer counts as online.
PRESENCE_TTL_SECONDS = _read(env_int, "PRESENCE_TTL_SECONDS", 30)
# The inbox's public address, for links in notification emails.
INBOX_BASE_URL = os.environ.get("INBOX_BASE_URL", "http://127.0.0.1:8000")
# Outgoing email (invitations, password resets, notifications, channels): one URL, read by
# pingback/email.py at send time. The console default prints every email in the server log.
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip() or "console://"
try:
    globals().update(parse_email_url("EMAIL_URL", EMAIL_URL))
except ConfigError as exc:
    _errors.append(str(exc))
    EMAIL_URL = "console://"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "PingBack <pingback@localhost>")

# --- Accounts (accounts/, docs/setup.md) --------------------------------------------------------
# Anyone may create a new business at /setup/ (the first one can always be created there).
ALLOW_SIGNUP = _read(env_bool, "ALLOW_SIGNUP", False)
# An invitation link works once, for this many hours.
INVITATION_MAX_AGE_HOURS = _read(env_int, "INVITATION_MAX_AGE_HOURS", 72)
# A password reset link works once, for this many seconds.
PASSWORD_RESET_TIMEOUT = _read(env_int, "PASSWORD_RESET_TIMEOUT", 3600)
# The Celery queue delivery tasks go to (a worker must consume it: -Q).
WEBHOOKS_CELERY_QUEUE = os.environ.get("WEBHOOKS_CELERY_QUEUE", "celery")
# Fairness: attempts in flight at once per endpoint and per business (0 = unlimited); a
# delivery over either limit is put back for a moment instead of holding a worker.
WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = _read(env_int, "WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT", 2)
WEBHOOKS_MAX_IN_FLIGHT_PER_BUSINESS = _read(env_int, "WEBHOOKS_MAX_IN_FLIGHT_PER_BUSINESS", 3)
if WEBHOOKS_TIMEOUT_SECONDS < 1:
    _errors.append("WEBHOOKS_TIMEOUT_SECONDS must be at least 1.")
if WEBHOOKS_LEASE_SECONDS < WEBHOOKS_TIMEOUT_SECONDS + 2:
    _errors.append(
        f"WEBHOOKS_LEASE_SECONDS={WEBHOOKS_LEASE_SECONDS} must be at least 2 seconds longer than "
        f"WEBHOOKS_TIMEOUT_SECONDS={WEBHOOKS_TIMEOUT_SECONDS} (the deadline of one attempt): "
        "otherwise a delivery still being sent is handed to a second worker."
    )
CELERY_BEAT_SCHEDULE["webhooks-sweep"] = {
    "task": "webhooks.tasks.sweep_webhooks",
    "schedule": float(WEBHOOKS_SWEEP_SECONDS),
    "options": {"queue": WEBHOOKS_CELERY_QUEUE},
}

# --- Operations: logs and metrics (docs/operations.md) -----------------------------------------
# json: one JSON object per line (default in production); text: human readable (development).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or ("text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    _errors.append(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
    LOG_FORMAT = "text"
# Celery workers keep Django's LOGGING (JSON lines with request ids) instead of their own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT == "text"
# /metrics answers only with "Authorization: Bearer <METRICS_TOKEN>"; unset: 404 (disabled).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Shared by every process of the host (prometheus_client multiprocess mode), emptied at start.
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if PROMETHEUS_MULTIPROC_DIR and not os.path.isdir(PROMETHEUS_MULTIPROC_DIR):
    _errors.append(
        f"PROMETHEUS_MULTIPROC_DIR={PROMETHEUS_MULTIPROC_DIR} is not a directory: create it "
        "(empty, writable by every PingBack process) or unset it."
    )
# --- Attachments (docs/attachments.md) -------------------------------------------------------
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))
S3_BUCKET = os.environ.get("S3_BUCKET", "").strip()
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "").strip() or None
S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "").strip() or None
S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "").strip() or None
S3_REGION = os.environ.get("S3_REGION", "").strip() or None
S3_PREFIX = os.environ.get("S3_PREFIX", "attachments").strip("/")
S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "path")
if S3_BUCKET:
    _attachment_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL,
            "access_key": S3_ACCESS_KEY_ID,
            "secret_key": S3_SECRET_ACCESS_KEY,
            "region_name": S3_REGION,
            "location": S3_PREFIX,
            "addressing_style": S3_ADDRESSING_STYLE,
            "default_acl": None,
            "querystring_auth": False,  # files are served by PingBack's signed view only
            "file_overwrite": False,
        },
    }
else:
    _attachment_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "attachments"), "base_url": None},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "attachments": _attachment_storage,
}
ATTACHMENTS_MAX_BYTES = _read(env_int, "ATTACHMENTS_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENTS_MAX_PER_MESSAGE = _read(env_int, "ATTACHMENTS_MAX_PER_MESSAGE", 5)
ATTACHMENTS_ALLOWED_TYPES = _read(
    env_list,
    "ATTACHMENTS_ALLOWED_TYPES",
    [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "application/zip",
    ],
)
ATTACHMENTS_MAX_IMAGE_PIXELS = _read(env_int, "ATTACHMENTS_MAX_IMAGE_PIXELS", 40_000_000)
ATTACHMENTS_THUMBNAIL_SIZE = _read(env_int, "ATTACHMENTS_THUMBNAIL_SIZE", 320)
ATTACHMENTS_URL_MAX_AGE = _read(env_int, "ATTACHMENTS_URL_MAX_AGE", 24 * 3600)
ATTACHMENTS_LINK_MAX_AGE = _read(env_int, "ATTACHMENTS_LINK_MAX_AGE", 7 * 24 * 3600)
ATTACHMENTS_ORPHAN_HOURS = _read(env_int, "ATTACHMENTS_ORPHAN_HOURS", 24)
ATTACHMENTS_QUOTA_BYTES = _read(env_int, "ATTACHMENTS_QUOTA_BYTES", 5 * 1024**3)
# A multipart request larger than this is refused while it arrives (before it is stored).
ATTACHMENTS_MAX_REQUEST_BYTES = (
    ATTACHMENTS_MAX_BYTES * max(1, ATTACHMENTS_MAX_PER_MESSAGE) + 1024 * 1024
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # larger uploads stream to a temporary file
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # non-file request bodies (Django's default)
CELERY_BEAT_SCHEDULE["attachments-orphans"] = {
    "task": "attachments.tasks.delete_orphaned_attachments",
    "schedule": 3600.0,
}

# --- Channels: email, WhatsApp, Telegram, API (customer_channels/, docs/channels.md) -----------
# Fernet keys (comma-separated; the first encrypts) for channel credentials at rest. Empty:
# derived from SECRET_KEY. Generate one with
# python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
CHANNEL_CREDENTIALS_KEYS = _read(env_list, "CHANNEL_CREDENTIALS_KEYS", [])
TELEGRAM_API_BASE_URL = os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org")
WHATSAPP_API_BASE_URL = os.environ.get("WHATSAPP_API_BASE_URL", "https://graph.facebook.com/v21.0")
# The deadline of one outbound send; attempts per message; retry n waits a random
# 0..min(MAX, BASE * 4**(n-1)) seconds; a worker owns a claimed send for the lease.
CHANNELS_SEND_TIMEOUT_SECONDS = _read(env_int, "CHANNELS_SEND_TIMEOUT_SECONDS", 15)
CHANNELS_MAX_ATTEMPTS = _read(env_int, "CHANNELS_MAX_ATTEMPTS", 8)
CHANNELS_RETRY_BASE_SECONDS = _read(env_int, "CHANNELS_RETRY_BASE_SECONDS", 10)
CHANNELS_RETRY_MAX_SECONDS = _read(env_int, "CHANNELS_RETRY_MAX_SECONDS", 3600)
CHANNELS_LEASE_SECONDS = _read(env_int, "CHANNELS_LEASE_SECONDS", 60)
CHANNELS_SWEEP_SECONDS = _read(env_int, "CHANNELS_SWEEP_SECONDS", 30)
if CHANNELS_LEASE_SECONDS < CHANNELS_SEND_TIMEOUT_SECONDS + 2:
    _errors.append(
        f"CHANNELS_LEASE_SECONDS={CHANNELS_LEASE_SECONDS} must be at least 2 seconds longer "
        f"than CHANNELS_SEND_TIMEOUT_SECONDS={CHANNELS_SEND_TIMEOUT_SECONDS}."
    )
# A widget reply the visitor's page never received (no delivered receipt) is emailed after
# this many seconds, if they left an email address and the business has an email channel.
CHANNELS_EMAIL_FOLLOWUP_SECONDS = _read(env_int, "CHANNELS_EMAIL_FOLLOWUP_SECONDS", 120)
# The beat sweeper (every CHANNELS_SWEEP_SECONDS) looks back this far: older missed replies
# (after a longer outage) are not emailed.
CHANNELS_EMAIL_FOLLOWUP_MAX_AGE_SECONDS = _read(
    env_int, "CHANNELS_EMAIL_FOLLOWUP_MAX_AGE_SECONDS", 86400
)
CELERY_BEAT_SCHEDULE["channels-followup"] = {
    "task": "customer_channels.tasks.sweep_followups",
    "schedule": float(CHANNELS_SWEEP_SECONDS),
}
CELERY_BEAT_SCHEDULE["channels-csat-links"] = {
    "task": "customer_channels.tasks.sweep_rating_links",
    "schedule": float(CHANNELS_SWEEP_SECONDS),
}
# Email channels with an IMAP mailbox are polled this often.
CHANNELS_IMAP_POLL_SECONDS = _read(env_int, "CHANNELS_IMAP_POLL_SECONDS", 60)
CELERY_BEAT_SCHEDULE["channels-imap"] = {
    "task": "customer_channels.tasks.poll_imap",
    "schedule": float(CHANNELS_IMAP_POLL_SECONDS),
}
# The Celery queue of outbound channel sends (a worker must consume it: -Q).
CHANNELS_CELERY_QUEUE = os.environ.get("CHANNELS_CELERY_QUEUE", "celery")
CELERY_BEAT_SCHEDULE["channels-sweep"] = {
    "task": "customer_channels.tasks.sweep_outbound",
    "schedule": float(CHANNELS_SWEEP_SECONDS),
    "options": {"queue": CHANNELS_CELERY_QUEUE},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "pingback.logging.TextFormatter"},
        "json": {"()": "pingback.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": ("json" if LOG_FORMAT == "json" else "plain"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # uvicorn logs every WebSocket's accept, open and close at INFO.
        "uvicorn.error": {"level": "WARNING"},
    },
}

if _errors:
    fail(_errors)

if DEBUG and is_server_command(sys.argv):
    sys.stderr.write(
        "\n*** PingBack runs with development defaults (DEBUG on): listening on loopback "
        "only. For a deployment set DEBUG=false and SECRET_KEY (README, Configuration). ***\n\n"
    )
