"""Django settings, all read from the environment (see the README's configuration table).

With nothing set this is the embedded mode: SQLite, the django-q2 ORM broker, a local
media folder and the kie.ai sandbox, so a fresh clone works offline and spends nothing.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from autoscale.env import env_bool, env_decimal, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("AUTOSCALE_VAR_DIR", str(BASE_DIR / "var")))

# One switch for a public deployment: every production setting below, DEBUG off, and a
# secret key and host names that must be given (nothing generated, nothing assumed).
PRODUCTION = env_bool("AUTOSCALE_PRODUCTION", False)
if PRODUCTION:
    for _required in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
        if not env_str(_required):
            raise ImproperlyConfigured(f"AUTOSCALE_PRODUCTION=1 needs {_required} to be set")
DEBUG = env_bool("DJANGO_DEBUG", False) and not PRODUCTION
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and env_bool("DJANGO_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
    # Embedded mode only: a per-checkout key kept out of the repository.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        from django.core.management.utils import get_random_secret_key

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = get_random_secret_key()
        key_file.write_text(SECRET_KEY)
        key_file.chmod(0o600)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "autoscale.error_pages.csrf_failure"
# Behind a reverse proxy that sets X-Forwarded-Proto and appends to X-Forwarded-For.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_q",
    "axes",
    "csp",
    "ninja",  # its docs page from static files (no CDN), the CSP allows it
    "generator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "autoscale.error_pages.ErrorPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # the browser's language (or the cookie's)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "generator.languages.UserLanguageMiddleware",  # then the one the user chose, if any
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "autoscale.urls"
WSGI_APPLICATION = "autoscale.wsgi.application"

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
                "generator.context_processors.studio",
                "generator.context_processors.review",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"}
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and workers write the same file: WAL, a busy timeout and
    # IMMEDIATE transactions keep "database is locked" away (django-q2 issue 144).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere. Enforced
# unless DEBUG, where it only reports (Django's technical error pages are inline).
_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "data:", "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
CONTENT_SECURITY_POLICY = None if DEBUG else _POLICY
CONTENT_SECURITY_POLICY_REPORT_ONLY = _POLICY if DEBUG else None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (django-axes) on every login form: after AXES_FAILURE_LIMIT failures
# for one username from one address, that pair is locked out for AXES_COOLOFF_TIME.
# Admins unlock in the admin (Axes > Access attempts: delete) or with `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "autoscale.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "autoscale.lockout.client_ip"
AXES_USERNAME_CALLABLE = "autoscale.lockout.username"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "generator:gallery"
LOGOUT_REDIRECT_URL = "login"

# French and English (README: "French and English"). A browser asking for neither gets
# English; a logged-in user gets the language they chose (generator/languages.py).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
# Dates and numbers per language (autoscale/formats/en, fr); times to the second in the
# admin (its event trail is unreadable at minute precision).
FORMAT_MODULE_PATH = ["autoscale.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # never served directly: assets go through a staff-only view
# Where a front server (nginx) serves MEDIA_ROOT as an internal location: the staff-only
# view checks the login, then answers with X-Accel-Redirect: <prefix><file name> and
# nginx sends the bytes (with Range). Empty: Django sends them itself, with Range too.
MEDIA_ACCEL_REDIRECT = env_str("MEDIA_ACCEL_REDIRECT")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- kie.ai -----------------------------------------------------------------------
KIE_API_KEY = env_str("KIE_API_KEY")
KIE_USE_SANDBOX = not KIE_API_KEY
KIE_SANDBOX_PORT = env_int("KIE_SANDBOX_PORT", 8001)
KIE_SANDBOX_URL = env_str("KIE_SANDBOX_URL", f"http://127.0.0.1:{KIE_SANDBOX_PORT}")
# The sandbox asks for a key like kie.ai does; this one is not a secret.
KIE_SANDBOX_KEY = env_str("KIE_SANDBOX_KEY", "sandbox")
# Tests run the sandbox in this process through an httpx transport (no sockets).
KIE_SANDBOX_INPROCESS = env_bool("KIE_SANDBOX_INPROCESS", False)
KIE_BASE_URL = env_str("KIE_BASE_URL", "https://api.kie.ai" if KIE_API_KEY else KIE_SANDBOX_URL)
KIE_UPLOAD_BASE_URL = env_str(
    "KIE_UPLOAD_BASE_URL", "https://kieai.redpandaai.co" if KIE_API_KEY else KIE_SANDBOX_URL
)
KIE_CALLBACK_URL = env_str("KIE_CALLBACK_URL")
# kie.ai's optional webhook signing key (kie.ai settings page); when set, unsigned
# callbacks are refused.
KIE_WEBHOOK_HMAC_KEY = env_str("KIE_WEBHOOK_HMAC_KEY")
KIE_TIMEOUT_SECONDS = env_float("KIE_TIMEOUT_SECONDS", 30.0)
# Where admins look up a task kie.ai may have made without our knowing (admin link).
KIE_LOGS_URL = env_str("KIE_LOGS_URL", "https://kie.ai/logs")
# Sent on every kie.ai request (Cloudflare refuses some library defaults); empty:
# AutoScaleStudio/<version> (+https://autoscale.ai)
KIE_USER_AGENT = env_str("KIE_USER_AGENT")
# Result files are only fetched from these hosts (a leading dot allows subdomains).
KIE_DOWNLOAD_HOSTS = env_list(
    "KIE_DOWNLOAD_HOSTS",
    [".aiquickdraw.com", ".kie.ai", ".redpandaai.co", ".r2.cloudflarestorage.com", ".r2.dev"],
)
# A Suno track plays from kie's stream link before it is saved (kie-api.md 8.3): the
# players may load sound from the hosts results come from.
_POLICY["DIRECTIVES"]["media-src"] += [
    f"https://*{host}" if host.startswith(".") else f"https://{host}" for host in KIE_DOWNLOAD_HOSTS
] + ([KIE_SANDBOX_URL] if KIE_USE_SANDBOX else [])
# The largest result file kept, per kind (checked while it streams in, and again once its
# content says what it is). KIE_MAX_DOWNLOAD_BYTES is the former name of the image cap.
KIE_MAX_IMAGE_BYTES = env_int(
    "KIE_MAX_IMAGE_BYTES", env_int("KIE_MAX_DOWNLOAD_BYTES", 200 * 1024 * 1024)
)
KIE_MAX_VIDEO_BYTES = env_int("KIE_MAX_VIDEO_BYTES", 2 * 1024 * 1024 * 1024)
KIE_MAX_AUDIO_BYTES = env_int("KIE_MAX_AUDIO_BYTES", 200 * 1024 * 1024)
KIE_MAX_DOWNLOAD_BYTES = KIE_MAX_IMAGE_BYTES
# Input files given to a task, by kind (generator/inputs.py): videos to restyle.
INPUT_MAX_BYTES = {"videos": env_int("INPUT_MAX_VIDEO_BYTES", 500 * 1024 * 1024)}
KIE_CREATE_RATE_LIMIT = env_int("KIE_CREATE_RATE_LIMIT", 20)  # creates per 10 s (kie's default)
# What one credit costs in dollars, shown beside every credit amount (kie.ai: $0.005).
CREDIT_PRICE_USD = env_decimal("CREDIT_PRICE_USD", "0.005")

# --- review e-mails and the posting pipeline's API ----------------------------------
# The studio's public address, for links in e-mails and in the API's callbacks.
STUDIO_URL = env_str("STUDIO_URL", "http://127.0.0.1:8000")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AutoScale Studio <studio@localhost>")
# Signs the API's callbacks (HMAC-SHA256); empty: the API refuses a callback_url.
API_CALLBACK_SECRET = env_str("API_CALLBACK_SECRET")
# In the sandbox world callbacks only ever go to this machine, whatever the allow-list says.
API_CALLBACK_LOOPBACK_ONLY = env_bool("API_CALLBACK_LOOPBACK_ONLY", KIE_USE_SANDBOX)

# --- background queue -------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
Q_CLUSTER = {
    "name": env_str("Q_CLUSTER_NAME", "autoscale"),
    "workers": env_int("Q_WORKERS", 3),
    "timeout": 600,  # the longest job is a download, which stops itself after 480 s
    "retry": 660,  # must exceed the timeout, or a running job is handed out twice
    "max_attempts": 1,  # our jobs are idempotent and reschedule themselves
    "ack_failures": True,
    "catch_up": False,
    "guard_cycle": 0.5,
    "poll": 0.2,
    "label": gettext_lazy("Background jobs"),  # the admin's name for django-q2's pages
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# How long one poll sweep keeps polling before it hands over to a fresh job.
POLL_SWEEP_WINDOW_SECONDS = env_float("POLL_SWEEP_WINDOW_SECONDS", 20.0)

# Error reports: Django's technical pages only for a local superuser (DEBUG), and no
# password inside a URL (DATABASE_URL, REDIS_URL...) in a page, an e-mail or a log line.
DEFAULT_EXCEPTION_REPORTER = "autoscale.error_reports.StudioExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "autoscale.error_reports.CredentialsFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"credentials": {"()": "autoscale.error_reports.MaskCredentialsLogFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["credentials"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
