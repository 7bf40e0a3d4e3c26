"""Repono settings: one module, driven by environment variables, safe embedded defaults.

Embedded default (no variables set): SQLite and files under ``./var``, database
full-text search, Celery on a filesystem broker. Scale-out: set ``DATABASE_URL``,
``CELERY_BROKER_URL``, ``SEARCH_BACKEND`` and ``FILES_STORAGE``.
Every variable is listed in README.md.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable (1/true/yes/on)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# "embedded" (default: one machine, no services) or "production" (scale-out,
# HTTPS behind a proxy, SECRET_KEY required).
REPONO_ENV = os.environ.get("REPONO_ENV", "embedded").strip().lower()
if REPONO_ENV not in {"embedded", "production"}:
    raise ImproperlyConfigured("REPONO_ENV must be 'embedded' or 'production'.")
PRODUCTION = REPONO_ENV == "production"

DATA_DIR = Path(os.environ.get("REPONO_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when REPONO_ENV=production.")
    # Embedded: generate once, keep it in the data directory (mode 0600).
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Repono")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "repository",
    "repository.vocabularies",
    "accounts",
    "records",
    "communities",
    "workflows",
    "files",
    "oaipmh",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "repository.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "records.access.links.SecretLinkMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "repository.urls"
WSGI_APPLICATION = "repository.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "repository" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "repository.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# Persistent connections in every profile (CONN_MAX_AGE), health-checked.
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 600)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'repono.sqlite3'}"
_database = dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids
    # "database is locked" upgrades inside write transactions.
    _database.setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/account/login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Registration: new accounts log in only after following the link e-mailed to them.
ACCOUNTS_REQUIRE_EMAIL_VERIFICATION = env_bool("ACCOUNTS_REQUIRE_EMAIL_VERIFICATION", True)
ACCOUNTS_VERIFICATION_MAX_AGE = 3 * 24 * 3600  # seconds a verification link works
PASSWORD_RESET_TIMEOUT = 30 * 60  # a password reset link works for 30 minutes
# Sign in with ORCID (OAuth 2.0): on when both the client id and secret are set.
ORCID_CLIENT_ID = os.environ.get("ORCID_CLIENT_ID", "")
ORCID_CLIENT_SECRET = os.environ.get("ORCID_CLIENT_SECRET", "")
ORCID_BASE_URL = os.environ.get("ORCID_BASE_URL", "https://orcid.org").rstrip("/")
ORCID_TIMEOUT_SECONDS = 10
# A first ORCID sign-in creates an account (asking for an e-mail address, verified as for
# registration) unless ORCID_SIGNUP=false; only meaningful when ORCID is configured.
ORCID_SIGNUP = env_bool("ORCID_SIGNUP", True)
ORCID_SIGNUP_MAX_AGE = 15 * 60  # seconds a confirmed iD waits for the sign-up form
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous access is the policy's job

# --- Internationalization ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start if it is missing
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (embedded runs, tests) whitenoise serves from the app dirs.
WHITENOISE_USE_FINDERS = True
FILES_STORAGE = os.environ.get("FILES_STORAGE", "local")
if FILES_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", "repono"),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
            "default_acl": None,
            "querystring_auth": True,
        },
    }
elif FILES_STORAGE != "local":
    raise ImproperlyConfigured("FILES_STORAGE must be 'local' or 's3'.")
# Record files live in named locations (STORAGES["files-<name>"]): "local" always, "s3" when
# S3 is configured; FILES_STORAGE names the default one that new uploads go to.
from files.conf import files_storages  # noqa: E402

STORAGES.update(files_storages(DATA_DIR, s3=FILES_STORAGE == "s3" or bool(os.environ.get("S3_BUCKET"))))
FILES_DEFAULT_LOCATION = FILES_STORAGE
GB = 1000**3
FILES_MAX_FILE_SIZE = env_int("FILES_MAX_FILE_SIZE", 50 * GB)
FILES_MAX_RECORD_SIZE = env_int("FILES_MAX_RECORD_SIZE", 50 * GB)
FILES_MAX_FILES = env_int("FILES_MAX_FILES", 1000)
FILES_ORPHAN_GRACE_SECONDS = env_int("FILES_ORPHAN_GRACE_SECONDS", 2 * 24 * 3600)
FILES_FIXITY_PERIOD_DAYS = env_int("FILES_FIXITY_PERIOD_DAYS", 14)
FILES_S3_PRESIGNED_DOWNLOADS = env_bool("FILES_S3_PRESIGNED_DOWNLOADS", False)
FILES_X_ACCEL_REDIRECT = os.environ.get("FILES_X_ACCEL_REDIRECT", "")

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    USE_X_FORWARDED_HOST = False

# Largest request body read into memory (JSON API bodies, forms); larger -> 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BODY_BYTES", 10 * 1024 * 1024)

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["repository.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "repository.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Rate limits per client (anonymous: by IP; signed in: by user), 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # Anonymous clients are counted by address: in production the one nginx put last in
    # X-Forwarded-For (a client cannot forge it), elsewhere the connection's address.
    "NUM_PROXIES": 1 if PRODUCTION else 0,
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_RATE_LIMIT_ANONYMOUS", "500/min"),
        "user": os.environ.get("API_RATE_LIMIT_AUTHENTICATED", "1000/min"),
    },
}
# Counters of the rate limits (and other short-lived data): per process by default; set
# CACHE_URL=redis://... so that every web process shares them.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Rate limits of the pages that anonymous visitors POST to (django-ratelimit on the cache
# above): "<count>/<period>" with period s, m, h or d (optionally a multiple: "10/15m").
# Counted per client address (the same address as the API limits) and, for the login, also
# per account (the e-mail address typed); over a limit: 429 with Retry-After and a page.
PAGE_RATE_LIMITS = {
    "login": os.environ.get("PAGE_RATE_LIMIT_LOGIN", "30/m"),
    "login_account": os.environ.get("PAGE_RATE_LIMIT_LOGIN_ACCOUNT", "10/15m"),
    "register": os.environ.get("PAGE_RATE_LIMIT_REGISTER", "10/h"),
    "password_reset": os.environ.get("PAGE_RATE_LIMIT_PASSWORD_RESET", "10/h"),
    "verification_resend": os.environ.get("PAGE_RATE_LIMIT_VERIFICATION_RESEND", "10/h"),
    "access_request": os.environ.get("PAGE_RATE_LIMIT_ACCESS_REQUEST", "20/h"),
}
RATELIMIT_IP_META_KEY = "accounts.ratelimits.client_address"

# --- E-mail -----------------------------------------------------------------
# Without EMAIL_HOST, e-mails (verification, password reset, access requests, request
# notifications, fixity reports) go to the log. Notifications are sent after commit by Celery.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@{urlsplit(SITE_URL).hostname}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who receives operational reports (fixity failures): superusers plus these addresses.
ADMINS = [("Admin", email) for email in env_list("ADMIN_EMAILS", "")]
SPECTACULAR_SETTINGS = {
    "TITLE": "Repono REST API",
    "DESCRIPTION": "InvenioRDM-compatible REST API of the Repono research-data repository.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "repository.api.schema.document_not_acceptable",
    ],
}

# --- Records ----------------------------------------------------------------
# Host part of OAI identifiers: oai:<host>:<id>.
OAI_ID_HOST = os.environ.get("OAI_ID_HOST") or (urlsplit(SITE_URL).hostname or "localhost")
# Instance switches (records.access.validation): restricted records; records without files.
RECORDS_ALLOW_RESTRICTED = env_bool("RECORDS_ALLOW_RESTRICTED", True)
RECORDS_ALLOW_METADATA_ONLY = env_bool("RECORDS_ALLOW_METADATA_ONLY", True)
SEARCH_MAX_RESULT_WINDOW = 10_000
# Database backends: relevance ranking and facet counts look at the newest N matching records
# (bounded work per query; docs/adr/0006-search-query-language-and-indexing.md).
SEARCH_CANDIDATE_WINDOW = env_int("SEARCH_CANDIDATE_WINDOW", 1_000)
SEARCH_DEFAULT_PAGE_SIZE = 25
SEARCH_MAX_PAGE_SIZE = 100

# --- Search -----------------------------------------------------------------
# "database": SQLite FTS5 or PostgreSQL full-text search on the record table (embedded default).
# "elasticsearch": an Elasticsearch 9 cluster at ELASTICSEARCH_URL, fed from the durable
# indexing queue (docs/adr/0003-search-interface.md, docs/adr/0006-search-query-language-and-indexing.md).
SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "database")
if SEARCH_BACKEND not in {"database", "elasticsearch"}:
    raise ImproperlyConfigured("SEARCH_BACKEND must be 'database' or 'elasticsearch'.")
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
if SEARCH_BACKEND == "elasticsearch" and not ELASTICSEARCH_URL:
    raise ImproperlyConfigured("ELASTICSEARCH_URL must be set when SEARCH_BACKEND=elasticsearch.")
# Prefix of index and alias names, so that several sites can share one cluster.
SEARCH_INDEX_PREFIX = os.environ.get("SEARCH_INDEX_PREFIX", "repono-")
# How often beat drains the indexing queue, and how many records one bulk request carries.
# Elasticsearch is fed only by the queue: every few seconds. The database backends use it only
# for background rebuilds, which kick a drain themselves: beat only resumes one after a crash.
SEARCH_QUEUE_INTERVAL_SECONDS = float(
    os.environ.get("SEARCH_QUEUE_INTERVAL_SECONDS", "3" if SEARCH_BACKEND == "elasticsearch" else "60")
)
SEARCH_QUEUE_BATCH_SIZE = min(env_int("SEARCH_QUEUE_BATCH_SIZE", 500), 500)
# Processes that read and project records in parallel during a database backend's full rebuild
# (search_reindex; records.search_rebuild). 1: all in the command's own process.
SEARCH_REBUILD_WORKERS = max(env_int("SEARCH_REBUILD_WORKERS", os.cpu_count() or 1), 1)
# django-elasticsearch-dsl: documents are indexed by our queue, never by model signals.
ELASTICSEARCH_DSL = {"default": {"hosts": ELASTICSEARCH_URL or "http://127.0.0.1:9200"}}
ELASTICSEARCH_DSL_AUTOSYNC = False
ELASTICSEARCH_DSL_AUTO_REFRESH = False
if SEARCH_BACKEND == "elasticsearch":
    INSTALLED_APPS.append("django_elasticsearch_dsl")

# --- OAI-PMH (oaipmh/, docs/oai-pmh.md) ---------------------------------------
OAI_BASE_URL = f"{SITE_URL}/oai2d"
OAI_REPOSITORY_NAME = os.environ.get("OAI_REPOSITORY_NAME", SITE_NAME)
# Identify's adminEmail (comma-separated; the protocol requires at least one).
OAI_ADMIN_EMAILS = env_list(
    "OAI_ADMIN_EMAILS", f"admin@{OAI_ID_HOST if '.' in OAI_ID_HOST else 'example.org'}"
)
OAI_PAGE_SIZE = env_int("OAI_PAGE_SIZE", 100)
OAI_RESUMPTION_TOKEN_DAYS = env_int("OAI_RESUMPTION_TOKEN_DAYS", 7)
# datacentreSymbol of the oai_datacite format (the DataCite client id once DOIs are minted).
OAI_DATACITE_SYMBOL = os.environ.get("OAI_DATACITE_SYMBOL", SITE_NAME.upper())
# Formats rendered and cached in the background when records change (and by oai_render), so
# harvests serve them from the cache (docs/adr/0015). Others are rendered at their first harvest.
OAI_PRERENDER_FORMATS = env_list("OAI_PRERENDER_FORMATS", "oai_dc,datacite,oai_datacite")
# Read-ahead of list pages (docs/adr/0019): when a list page is answered, the next one is prepared
# in the background; it is served to its token's request if that comes within this many seconds
# (0: off). A page served so is as of the moment it was prepared.
OAI_READ_AHEAD_SECONDS = env_int("OAI_READ_AHEAD_SECONDS", 5)

# --- Celery -----------------------------------------------------------------
# Embedded default: kombu's filesystem transport, a broker that needs no server,
# so a real worker and beat run on one machine. Scale-out: amqp:// or redis://.
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # The queue is a directory: poll it often enough that tasks start promptly.
        "polling_interval": 0.2,
    }
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "lift-expired-embargoes": {
        "task": "records.tasks.lift_expired_embargoes",
        "schedule": env_int("EMBARGO_LIFT_INTERVAL_SECONDS", 24 * 3600),
    },
    "purge-expired-grants": {
        "task": "records.access.tasks.purge_expired_grants",
        "schedule": env_int("EMBARGO_LIFT_INTERVAL_SECONDS", 24 * 3600),
    },
    "files-fixity": {"task": "files.tasks.check_fixity", "schedule": 3600},
    "files-cleanup-orphans": {"task": "files.tasks.cleanup_orphans", "schedule": 6 * 3600},
    "check-search-index": {
        "task": "records.tasks.check_search_index",
        "schedule": env_int("SEARCH_CHECK_INTERVAL_SECONDS", 24 * 3600),
    },
    "expire-requests": {
        "task": "workflows.tasks.expire_requests",
        "schedule": env_int("REQUEST_EXPIRY_INTERVAL_SECONDS", 24 * 3600),
    },
}
# Every backend: Elasticsearch is fed only by the queue; the database backends write their
# index with the record and use the queue for background rebuilds (search_reindex --queue).
CELERY_BEAT_SCHEDULE["drain-search-queue"] = {
    "task": "records.tasks.drain_search_queue",
    "schedule": SEARCH_QUEUE_INTERVAL_SECONDS,
}

# --- Communities ------------------------------------------------------------
# Largest community logo accepted (PNG, JPEG, GIF or WebP).
COMMUNITY_LOGO_MAX_BYTES = env_int("COMMUNITY_LOGO_MAX_BYTES", 1024 * 1024)

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
