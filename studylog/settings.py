"""Studylog settings: one module, read from the environment."""

import base64
import datetime
import hashlib
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for development)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",  # first: runserver serves the live editing sockets too (ASGI)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "markdownx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "channels",
    "allauth",  # sign in with GitHub (sessions/github), beside the local accounts
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "ninja",  # the API docs page's Swagger UI, from its own static files (no CDN)
    "sessions.apps.PeerConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sessions.middleware.RequireUtf8Middleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sessions.github.csp.CSPMiddleware",  # django-csp's, which knows GitHub's sign-in page
    "django_htmx.middleware.HtmxMiddleware",
    "sessions.middleware.HtmxLoginRequiredMiddleware",
    "sessions.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login itself
]

# Content-Security-Policy (django-csp): scripts, styles and fonts only from this site's
# static files, with no inline script or style anywhere. Images in members' markdown may
# come from any https address (the sanitizer allows no other scheme); nothing may frame
# the site, and forms post only back to it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Login throttling: five wrong passwords for one username from one address lock that
# pair out for 15 minutes; a right password resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Also the one a GitHub sign-in logs in through (allauth takes the first backend
    # that can load a user). allauth's own backend stays out: it would match usernames
    # case-insensitively, and each spelling would get its own five tries.
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(env("PROXY_COUNT", "0"))

ROOT_URLCONF = "studylog.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sessions.github.context",
            ],
        },
    },
]

WSGI_APPLICATION = "studylog.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool of connections per process (psycopg_pool), by default: under ASGI a request
    # runs in a thread of its own, so CONN_MAX_AGE's kept connections are not kept, and
    # a new connection per request costs more than the request. DATABASE_POOL=0 turns it
    # off (then CONN_MAX_AGE applies).
    if env_bool("DATABASE_POOL", True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(env("DATABASE_POOL_MIN", "2")),
            "max_size": int(env("DATABASE_POOL_MAX", "10")),
            "timeout": 10,
        }
    # QuerySet.iterator() (which every member <select> goes through) would otherwise
    # open a server-side cursor, WITH HOLD outside a transaction: three round trips and
    # a materialized copy for a list of a few members. Nothing here streams big results.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several members save at once: wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
# Requests inside Django at once per ASGI process (studylog/bounded.py): one per pooled
# database connection but two (kept for the live sockets' saves), so none waits on the
# pool; the others wait their turn outside.
HTTP_CONCURRENCY = int(
    env("HTTP_CONCURRENCY", str(max(1, int(env("DATABASE_POOL_MAX", "10")) - 2)))
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "peer:home"
LOGOUT_REDIRECT_URL = "login"

# Sign in with GitHub (django-allauth's GitHub provider, sessions/github): on once an
# OAuth app's GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are set; its callback URL is
# <site>/accounts/github/login/callback/. GITHUB_URL points at a GitHub Enterprise server
# (its API at <GITHUB_URL>/api/v3), as allauth's own setting of that name does. Signing in
# asks only for the account's e-mail addresses (user:email); the blog's token asks for
# more, on the blog page, when the member chooses it.
GITHUB_CLIENT_ID = env("GITHUB_CLIENT_ID")
GITHUB_URL = env("GITHUB_URL").rstrip("/")
SOCIALACCOUNT_PROVIDERS = {
    "github": {
        "APP": {"client_id": GITHUB_CLIENT_ID, "secret": env("GITHUB_CLIENT_SECRET")},
        "SCOPE": ["user:email"],
        **({"GITHUB_URL": GITHUB_URL} if GITHUB_URL else {}),
    }
}
ACCOUNT_ADAPTER = "sessions.github.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "sessions.github.adapters.SocialAccountAdapter"
SOCIALACCOUNT_QUERY_EMAIL = True  # GitHub's /user/emails: which addresses are verified
SOCIALACCOUNT_AUTO_SIGNUP = True  # a new GitHub user gets an account at once
SOCIALACCOUNT_STORE_TOKENS = False  # never kept in plain text (the blog's is encrypted)
SOCIALACCOUNT_LOGIN_ON_GET = False  # starting a sign-in is a POST, with its CSRF token
ACCOUNT_EMAIL_VERIFICATION = "none"  # GitHub verified the addresses it gives
ACCOUNT_UNIQUE_EMAIL = True

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
if not DEBUG:
    # `make serve` collects the files first: hashed names, compressed, cached forever.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))  # a hung SMTP server must not hold a reminder open
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Studylog <noreply@localhost>")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")  # absolute links in e-mails and feeds
# Team webhooks may reach only public addresses (sessions/outbound.py); set this to post
# to a receiver on your own network.
OUTBOUND_ALLOW_PRIVATE = env_bool("OUTBOUND_ALLOW_PRIVATE", False)

# With REDIS_URL, every app server shares one Redis (Django's own backend, keeping its
# redis-py client: studylog/redis_cache.py) for the cache and, through cached_db, for
# sessions (still written to the database, so a Redis restart logs nobody out; the
# store, studylog/session_store.py, reads a cached page with the session). Without
# it, a per-process memory cache and database sessions: right for one process, so
# rendered pages are cached only with Redis.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "studylog.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "studylog"),
            "TIMEOUT": 60 * 60 * 24,
        }
    }
    SESSION_ENGINE = "studylog.session_store"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Live editing (sessions/live): with REDIS_URL, every server's sockets meet in Redis, so
# people on different servers edit the same day; without it, one process's memory.
ASGI_APPLICATION = "studylog.asgi.application"
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("CACHE_KEY_PREFIX", "studylog")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The editor's live layer (static/js/live.js): off, the editor saves each part by form
# and polls, as it always does where a socket cannot connect.
# The HTTP API (sessions/api): requests per token per window: "120/min", "10/s", "5000/day".
API_RATE = env("API_RATE", "120/min")

LIVE_EDITING = env_bool("LIVE_EDITING", True)
LIVE_SAVE_DELAY = float(env("LIVE_SAVE_DELAY", "0.5"))  # seconds from a change to its save
LIVE_REMOTE_SAVE_DELAY = 2.0  # another server's change, saved here if it did not
LIVE_ACCESS_RECHECK = 2.0  # seconds a socket trusts its member's role between readings
LIVE_JOIN_WAIT = 0.3  # a server opening a day waits this long for another's state
LIVE_MAX_MESSAGE = 256 * 1024  # bytes in one message from a browser
LIVE_MAX_DOCUMENT = 8 * 1024 * 1024  # bytes of changes a day's live document takes
LIVE_RATE, LIVE_BURST = 60.0, 200  # messages a second from one browser, on average / at once

# Rendered day pages, member records and the archive, per viewer (sessions/page_cache.py).
PAGE_CACHE = env_bool("PAGE_CACHE", bool(REDIS_URL))

# Background work (publishing to members' blogs) through the django-tasks backport: tasks
# are rows in the database, run by `manage.py db_worker`; `manage.py publish_posts` from
# cron runs what is due where no worker runs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Members' blog credentials are stored encrypted (Fernet) under these keys: a
# comma-separated list, the first encrypting, every one decrypting (to rotate, put the
# new key first and run `manage.py publish_posts --rotate-keys`). Development derives
# one from SECRET_KEY; production without it cannot store credentials (the blog form
# says so) but runs otherwise.
BLOG_CREDENTIALS_KEYS = env_list("BLOG_CREDENTIALS_KEY")
if not BLOG_CREDENTIALS_KEYS and DEBUG:
    BLOG_CREDENTIALS_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(b"studylog-blog-credentials:" + SECRET_KEY.encode()).digest()
        ).decode()
    ]
# Git remotes members may publish to: https and ssh always; http:// and file:// only
# where this is on (development and tests against local repositories).
BLOG_ALLOW_LOCAL_REMOTES = env_bool("BLOG_ALLOW_LOCAL_REMOTES", False)
BLOG_GIT_TIMEOUT = int(env("BLOG_GIT_TIMEOUT", "60"))  # seconds for one git command

# markdownx renders its live preview with the same sanitizing function as every page.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "sessions.markdown.markdownify"
MARKDOWNX_EDITOR_RESIZABLE = False
MARKDOWNX_SERVER_CALL_LATENCY = 600

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Production answers HTTPS only (a TLS proxy in front sets X-Forwarded-Proto), except
# /healthz, which load balancers ask over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Production logs one JSON object per line (time, level, logger, message and any extra
# fields), for a log collector; development keeps plain lines. LOG_FORMAT overrides.
LOG_FORMAT = env("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
