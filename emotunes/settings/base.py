"""Django's own settings for EmoTunes: apps, middleware, database, Redis, auth, static files,
security headers and the production safeguards. The product's settings are in `features`."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from emotunes.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("EMOTUNES_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-emotunes-development-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("DEBUG is off: set SECRET_KEY to a random string of 32+ characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DEBUG is off: set ALLOWED_HOSTS (comma-separated host names).")

INSTALLED_APPS = [
    # daphne first: its runserver serves HTTP and websockets from the ASGI app.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "axes",  # log-in throttle (accounts.throttle)
    "django_ratelimit",  # sign-up throttle; its system check looks at the cache
    "csp",  # Content-Security-Policy header
    "core",
    "accounts",
    "catalogue",  # songs and videos, their VAD, imports, clusterings and the staff's curation
    "recommender",  # what fits this listener now: the engine, ratings, the recommendations API
    "videomood",  # the caption-to-mood model that labels the videos (import and evaluation commands)
    "vision",
    "training",  # the emotion CNN's training and evaluation commands (PyTorch is imported only by them)
    "moods",
    "engagement",
    "live",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # JSON endpoints answer every error as JSON; before the database middleware, so that its 503
    # (process_exception runs bottom-up) is the answer while the database is down.
    "core.middleware.JsonErrorMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    # Last: turns a lockout flagged during authenticate() into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "emotunes.urls"

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

WSGI_APPLICATION = None
ASGI_APPLICATION = "emotunes.asgi.application"

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            # A file, not :memory:, so a live ASGI server in another process sees the test data.
            "TEST": {"NAME": env_str("EMOTUNES_TEST_DB", str(VAR_DIR / "test-db.sqlite3"))},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # However SQLite is chosen (SQLITE_PATH or DATABASE_URL=sqlite:///...): a transaction takes the
    # write lock when it begins (BEGIN IMMEDIATE), so concurrent writers queue on the busy timeout
    # instead of failing at once with "database is locked" when a read lock cannot be upgraded
    # (Django 5.1+). Options given in the URL's query string win.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_float("SQLITE_BUSY_TIMEOUT", 20.0, minimum=0.1, maximum=600),
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker and cache ------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis' layer with one Redis round trip per send and per receive (see the module)
            "BACKEND": "emotunes.channel_layer.FastRedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, which aborts channels_redis's
                # blocking 5 s BZPOPMIN and tears down every idle consumer (django/channels_redis#422).
                "hosts": [{"address": REDIS_URL, "socket_timeout": env_float("CHANNEL_SOCKET_TIMEOUT", 15.0)}],
                "capacity": env_int("CHANNEL_CAPACITY", 100),
                "expiry": 10,
            },
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Embedded mode is one server process, whose local-memory cache every request sees; with
# REDIS_URL the cache is Redis, whose INCR is atomic, though django-ratelimit only names
# django-redis's client as "supported".
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", *([] if REDIS_URL else ["django_ratelimit.E003"])]

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
# Embedded mode has no worker, so tasks run in the caller's process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"

# --- Auth ----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Brute-force protection (accounts.throttle): django-axes counts failed password checks of every
# surface (log-in, admin log-in, password change, account deletion) in the cache, which is Redis
# when REDIS_URL is set, so every web process sees the same counts.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)  # per username + address
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 30, minimum=1)  # per address, any usernames
LOGIN_FAILURE_WINDOW_S = env_int("LOGIN_FAILURE_WINDOW_S", 900, minimum=1)
if LOGIN_MAX_FAILURES_PER_IP < LOGIN_MAX_FAILURES:
    raise ImproperlyConfigured("LOGIN_MAX_FAILURES_PER_IP must be at least LOGIN_MAX_FAILURES.")
SIGNUP_MAX_PER_IP = env_int("SIGNUP_MAX_PER_IP", 10, minimum=1)
SIGNUP_WINDOW_S = env_int("SIGNUP_WINDOW_S", 3600, minimum=1)
PASSWORD_RESET_MAX_PER_IP = env_int("PASSWORD_RESET_MAX_PER_IP", 5, minimum=1)  # reset mails asked per address per hour
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out client before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "accounts.throttle.LoginThrottleHandler"  # axes' cache handler, one limit per counter
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # limits: the two settings above
AXES_FAILURE_LIMIT = LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_FAILURE_WINDOW_S)
AXES_USERNAME_CALLABLE = "accounts.throttle.login_username"  # NFKC + case-folded
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = False  # the handler clears only the username + address counter
AXES_ENABLE_ADMIN = False  # the cache handler keeps no rows to show
AXES_VERBOSE = False
# The address is REMOTE_ADDR: behind the shipped nginx, Daphne runs with --proxy-headers and sets
# it from the X-Forwarded-For that nginx overwrites (deploy/nginx/emotunes.conf.template).
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# E-mail (the password reset's one-time link): written as files under var/mail by default, where an
# operator can read them and nothing leaves the machine; SMTP once EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "EmoTunes <noreply@localhost>")
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 3600, minimum=60)  # seconds a reset link works
RATELIMIT_USE_CACHE = "default"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- I18N ----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
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

# --- Production safeguards --------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# The live websocket only over TLS (wss://, directly or per SECURE_PROXY_SSL_HEADER) in production
# (core.websocket.SameOriginValidator, which also checks the Origin's scheme, host and port).
WEBSOCKET_REQUIRE_TLS = env_bool("WEBSOCKET_REQUIRE_TLS", not DEBUG)
# What the pages load (django-csp): scripts and styles from this site only, inline ones only with the
# request's nonce ({{ request.csp_nonce }}: the self-contained 503 page's <style>), no style
# attributes; the players
# the live page embeds (static/js/live/cards.js); Chart.js is served from /static/vendor/chartjs.
# connect-src 'self' covers the page's own ws:/wss: origin.
CSP_FRAME_ORIGINS = [
    "https://open.spotify.com",
    "https://widget.deezer.com",
    "https://www.youtube-nocookie.com",
    "https://www.youtube.com",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # 'wasm-unsafe-eval' lets private mode compile ONNX Runtime's WebAssembly (no JS eval);
        # its worker comes from this site only.
        "script-src": ["'self'", NONCE, "'wasm-unsafe-eval'"],
        "worker-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": CSP_FRAME_ORIGINS,
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The live page uses the camera itself; embedded players get none of these.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"

# --- EmoTunes ----------------------------------------------------------------------
# Real data and models live outside the repository (see README, "Data and models").
EMOTUNES_DATA_DIR = Path(env_str("EMOTUNES_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))
EMOTUNES_MODELS_DIR = Path(env_str("EMOTUNES_MODELS_DIR", str(VAR_DIR / "models")))
# /healthz: seconds each check may take (they run at once, so the page answers within about this);
# callers with `Authorization: Bearer $HEALTHZ_TOKEN` (or staff) get each check's details.
HEALTHCHECK_TIMEOUT = env_float("HEALTHCHECK_TIMEOUT", 1.0, minimum=0.05, maximum=30)
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN", "")
if HEALTHZ_TOKEN and len(HEALTHZ_TOKEN) < 16:
    raise ImproperlyConfigured("HEALTHZ_TOKEN must be at least 16 characters (or unset).")
# Paths whose answers are JSON, errors included (core.middleware.JsonErrorMiddleware).
JSON_PATH_PREFIXES = ("/api/", "/history/api/", "/healthz")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # axes logs each successful log-in at INFO; its failures and lockouts are WARNINGs.
    "loggers": {"django.channels.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
