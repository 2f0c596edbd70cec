"""Settings for newsarchive, driven by environment variables (see README)."""

import hashlib
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def read_env_file(path: Path) -> None:
    """KEY=VALUE lines of a local .env file (`make run` writes one for development),
    each taken unless the environment already sets it: the environment always wins."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)


# DJANGO_ENV_FILE names another file; set empty, none is read (the tests do that).
_ENV_FILE = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if _ENV_FILE:
    read_env_file(Path(_ENV_FILE))

DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(`make run` writes a development one to .env)."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "axes",
    "articles",
]

MIDDLEWARE = [
    # First, so that every response has their headers and the API's contract holds
    # for any answer, whoever makes it (articles/middleware.py).
    "articles.middleware.SiteHeadersMiddleware",
    "articles.middleware.ApiMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that reads the database: where this request's reads go.
    "articles.routing.ReplicaReadsMiddleware",
    # ETag on every answer, and 304 to a conditional GET (If-None-Match, If-Modified-Since).
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "articles.middleware.SearchUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "newsarchive.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsarchive.urls"

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
                "articles.vocabulary.context",
            ],
        },
    },
    {
        # The partials a page repeats (the story cards, includes/_story_cards.html), which
        # the Django templates call through a tag: see articles/jinja.py for why.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "articles.jinja.environment"},
    },
]

WSGI_APPLICATION = "newsarchive.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers keep reading while an ingest writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A page's queries are small and many run at once, so two of the server's aids for
    # big queries cost more than they save: starting parallel workers cost a facet query
    # 10-15 ms more than it saved, and JIT compilation took 42 ms of an entity page's
    # 78 ms listing query at 100k stories (EXPLAIN ANALYZE). DJANGO_PG_PARALLEL=1 and
    # DJANGO_PG_JIT=1 leave the server's own settings. Behind pgbouncer, which drops these
    # startup options, set them on the database (docs/deployment.md).
    flags = []
    if not env_bool("DJANGO_PG_PARALLEL", False):
        flags.append("-c max_parallel_workers_per_gather=0")
    if not env_bool("DJANGO_PG_JIT", False):
        flags.append("-c jit=off")
    if flags:
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", " ".join(flags))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # DJANGO_DB_POOL=1: a psycopg pool per process (Django's OPTIONS["pool"]) instead of one
    # persistent connection per thread; measured in bench/pool.py (README).
    if env_bool("DJANGO_DB_POOL"):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("DJANGO_DB_POOL_MAX", "4")),
            "timeout": 10,
        }
    # Behind pgbouncer in transaction mode a server-side cursor cannot outlive its
    # transaction's server connection (nothing uses one today; see docs/deployment.md).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DJANGO_DISABLE_SERVER_SIDE_CURSORS"
    )

# Streaming replicas of the primary, e.g. postgres://reader@db2:5432/newsarchive,... Public
# pages, feeds and the API read from one that answers and is in step; everything else,
# and every write, uses the primary (articles/routing.py).
NEWSARCHIVE_DATABASE_REPLICAS = []
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    alias = f"replica{number}"
    replica = dj_database_url.parse(
        url,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
        disable_server_side_cursors=DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS", False),
    )
    # A replica that is down must fail fast: the router then skips it.
    replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 2}
    if "pool" in replica["OPTIONS"]:
        replica["OPTIONS"]["pool"] = {**replica["OPTIONS"]["pool"], "timeout": 2}
    # Under test it is a replica of the test database, not a database of its own.
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[alias] = replica
    NEWSARCHIVE_DATABASE_REPLICAS.append(alias)
DATABASE_ROUTERS = ["articles.routing.PrimaryReplicaRouter"]
# A replica further behind than this (seconds) is skipped until it catches up.
NEWSARCHIVE_REPLICA_MAX_LAG = float(os.environ.get("NEWSARCHIVE_REPLICA_MAX_LAG", "5"))
# How often each process asks each replica whether it is up and in step.
NEWSARCHIVE_REPLICA_CHECK_SECONDS = float(os.environ.get("NEWSARCHIVE_REPLICA_CHECK_SECONDS", "2"))
# A reader who wrote reads the primary for this long. Never shorter than a usable
# replica can lag, so that afterwards every replica in use holds the write.
NEWSARCHIVE_PRIMARY_AFTER_WRITE = max(
    int(os.environ.get("NEWSARCHIVE_PRIMARY_AFTER_WRITE", "10")),
    int(NEWSARCHIVE_REPLICA_MAX_LAG + NEWSARCHIVE_REPLICA_CHECK_SECONDS + 1),
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _default_search_index() -> Path:
    """Beside the SQLite file (db.sqlite3 -> db.sqlite3-search/), else in the project."""
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        name = str(DATABASES["default"]["NAME"])
        if name and name != ":memory:" and not name.startswith("file:"):
            return Path(f"{name}-search")
    return BASE_DIR / "search-index"


# Search runs on an index derived from the database (articles/search/). Each app server
# keeps its own copy in this folder, kept in step from the database's change log.
NEWSARCHIVE_SEARCH_INDEX = Path(
    os.environ.get("NEWSARCHIVE_SEARCH_INDEX") or _default_search_index()
)
NEWSARCHIVE_SEARCH_BACKEND = os.environ.get(
    "NEWSARCHIVE_SEARCH_BACKEND", "articles.search.backends.tantivy_backend.TantivyBackend"
)
# This node's name in `search_index status` (default: host name and index folder).
NEWSARCHIVE_SEARCH_NODE = os.environ.get("NEWSARCHIVE_SEARCH_NODE", "")
# An index that was never built is built by the first search when the archive holds at
# most this many public stories; a bigger archive answers 503 until
# `manage.py search_index rebuild` has run.
NEWSARCHIVE_SEARCH_INLINE_BUILD = int(os.environ.get("NEWSARCHIVE_SEARCH_INLINE_BUILD", "5000"))
# The memory budget of `search_index rebuild`'s one indexing thread, in MB. The rebuild
# writes a segment each time the budget fills, and a search reads every segment (its
# facet counts are merged across them): a budget that holds the whole archive gives one
# segment. Memory is taken as the index grows, so a small archive uses little of it.
NEWSARCHIVE_SEARCH_REBUILD_MB = int(os.environ.get("NEWSARCHIVE_SEARCH_REBUILD_MB", "2000"))
# /readyz answers 503 while this node's index is more changes than this behind the log.
NEWSARCHIVE_READY_MAX_INDEX_LAG = int(os.environ.get("NEWSARCHIVE_READY_MAX_INDEX_LAG", "1000"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# One language, English: without the translation machinery, every reverse(), date and
# number on a page skips a per-call lookup of the active language (Django's docs: "for
# performance").
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Security. Production (DEBUG off) is strict by default; each switch can be
# turned off by environment for a deployment that needs it (see README).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a proxy or load balancer that terminates TLS and sets X-Forwarded-Proto.
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Features no page of the archive uses, switched off for it and anything it embeds.
NEWSARCHIVE_PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation",
        "gyroscope", "magnetometer", "microphone", "midi", "payment", "usb",
    )
}  # fmt: skip

# No inline scripts anywhere; styles may be inline because the admin's widgets use them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Lock an account out for an hour after five failed logins from one address.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_VERBOSE = False

# Archive-specific settings.
NEWSARCHIVE_MAX_FILE_BYTES = int(os.environ.get("NEWSARCHIVE_MAX_FILE_BYTES", 10 * 1024 * 1024))
# Apply the tagger's built-in topic rules (articles/tagging/topics.py) besides the admin's.
NEWSARCHIVE_BUILTIN_TOPIC_RULES = env_bool("NEWSARCHIVE_BUILTIN_TOPIC_RULES", True)
# Near-duplicate detection at ingest (story clusters); off only to measure what it costs.
NEWSARCHIVE_CLUSTERS = env_bool("NEWSARCHIVE_CLUSTERS", True)
# Browse pages (home, stories, people, sources, date archives) are served whole from the
# cache to readers who are not signed in, until the archive changes or this many seconds
# pass (articles/caching.py); 0 turns it off.
NEWSARCHIVE_PAGE_CACHE_SECONDS = int(os.environ.get("NEWSARCHIVE_PAGE_CACHE_SECONDS", 60))
# With threaded workers: searches a process renders at once (0: no bound, the default);
# how many more may wait for a turn, and how long; beyond that a search is answered 503
# with Retry-After, and the process's other threads stay free for every other page
# (articles/admission.py; measured in docs/deployment.md, "Worker model").
NEWSARCHIVE_HEAVY_CONCURRENCY = int(os.environ.get("NEWSARCHIVE_HEAVY_CONCURRENCY", 0))
NEWSARCHIVE_HEAVY_QUEUE = int(os.environ.get("NEWSARCHIVE_HEAVY_QUEUE", 4))
NEWSARCHIVE_HEAVY_WAIT_SECONDS = float(os.environ.get("NEWSARCHIVE_HEAVY_WAIT_SECONDS", 10))
NEWSARCHIVE_HEAVY_RETRY_AFTER = 2

# One cache for every web worker. With DJANGO_REDIS_URL (redis://host:6379/0) it is shared
# by every app server; without it, by every process on this machine, in files: its reads
# were the fastest of the shared candidates and it puts no load on the database
# (bench/cache.py; see README "Deploying on several servers").
CACHE_KEY_PREFIX = os.environ.get("DJANGO_CACHE_KEY_PREFIX", "")


def _default_cache_dir() -> Path:
    """page-cache/<the database's digest>/ in the project: one folder per archive, and one
    that exists even when the database's own folder does not (an outage is then a 503)."""
    db = DATABASES["default"]
    identity = "|".join(str(db.get(key) or "") for key in ("ENGINE", "HOST", "PORT", "NAME"))
    return BASE_DIR / "page-cache" / hashlib.sha256(identity.encode()).hexdigest()[:12]


if os.environ.get("DJANGO_REDIS_URL"):
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DJANGO_REDIS_URL"],
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("NEWSARCHIVE_CACHE_DIR") or str(_default_cache_dir()),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A stored page is 20-60 kB: about 60 MB of disk at most.
            "OPTIONS": {"MAX_ENTRIES": 1000},
        }
    }
