"""Zhijian settings: one module, configured through environment variables.

Every variable is documented in README.md ("配置"). Nothing here reads a file except the
generated secret key for the embedded demo (see ``_secret_key``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# A source checkout keeps its data in ./data; an installed package (offline bundle) uses ./data
# under the working directory unless ZHIJIAN_DATA_DIR says otherwise — never site-packages.
_checkout = (PROJECT_ROOT / "pyproject.toml").exists()
DATA_DIR = Path(
    env_str("ZHIJIAN_DATA_DIR", str((PROJECT_ROOT if _checkout else Path.cwd()) / "data"))
).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment; for the embedded demo, a random key kept in DATA_DIR."""
    key = env_str("ZHIJIAN_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("ZHIJIAN_DEBUG", False)
ALLOWED_HOSTS = env_list("ZHIJIAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("ZHIJIAN_CSRF_TRUSTED_ORIGINS", [])

# Client IP: REMOTE_ADDR unless the request came through one of these trusted proxies, in which
# case the right-most untrusted address of X-Forwarded-For is used (core.request.client_ip).
TRUSTED_PROXIES = env_list("ZHIJIAN_TRUSTED_PROXIES", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "django_tasks_db",
    "zhijian.core",
    "zhijian.audit",
    "zhijian.org",
    "zhijian.legaltime",
    "zhijian.cases",
    "zhijian.documents",
    "zhijian.notifications",
    "zhijian.supervision",
    "zhijian.accountability",
    "zhijian.accounts",
    "zhijian.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhijian.core.middleware.RequestContextMiddleware",
    "zhijian.core.middleware.DatabaseBusyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhijian.urls"
WSGI_APPLICATION = "zhijian.wsgi.application"

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
                "django.template.context_processors.csp",
                "zhijian.core.context_processors.shell",
                "zhijian.notifications.context_processors.bell",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects the database; unset means the embedded SQLite file under DATA_DIR.
SQLITE_BUSY_TIMEOUT = env_int("ZHIJIAN_SQLITE_BUSY_TIMEOUT", 20)
_default_sqlite = f"sqlite:///{DATA_DIR / 'zhijian.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_sqlite), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so a
        # transaction never fails half-way on lock upgrade; the timeout waits out short writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT,
    }
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

# --- Accounts -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("ZHIJIAN_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zhijian.accounts.validators.CharacterClassValidator"},
]

# Lock-out: by username, and by username + IP — never by IP alone (a basic court's PCs share one
# public address). Defaults: 5 failures, 30 minutes.
AXES_FAILURE_LIMIT = env_int("ZHIJIAN_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("ZHIJIAN_LOCKOUT_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", ["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "zhijian.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "zhijian.core.request.axes_client_ip"

# Sessions end after 30 minutes without a request.
SESSION_COOKIE_AGE = env_int("ZHIJIAN_SESSION_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("ZHIJIAN_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "zhijian.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("ZHIJIAN_HSTS_SECONDS", 0)
SECURE_SSL_REDIRECT = env_bool("ZHIJIAN_SSL_REDIRECT", False)
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Locale ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("ZHIJIAN_STATIC_ROOT", str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("ZHIJIAN_MEDIA_ROOT", str(DATA_DIR / "media")))

# --- Audit ----------------------------------------------------------------------------------
# Chain-head checkpoints are appended to this file, outside the database, so that removing the
# newest audit rows is detected by `zhijian verify-audit`.
AUDIT_CHECKPOINT_FILE = Path(
    env_str("ZHIJIAN_AUDIT_CHECKPOINT_FILE", str(DATA_DIR / "audit-checkpoints.log"))
)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "执监 API",
    "DESCRIPTION": "执行监督与质效管理系统 JSON API（v1）",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ZHIJIAN_LOG_LEVEL", "WARNING")},
}

# --- Background jobs ------------------------------------------------------------------------
# django.tasks with the database-backed queue of django-tasks-db (app label
# django_tasks_database). `zhijian serve` starts one worker process beside gunicorn; in
# production run `zhijian worker` as its own service instead (README, "生产部署").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Case import uploads --------------------------------------------------------------------
# Files uploaded on the 导入案件 page wait here (never in the database) until the background job
# has imported them, then they are deleted. Web and worker processes must share this folder.
ZHIJIAN_UPLOAD_DIR = Path(env_str("ZHIJIAN_UPLOAD_DIR", str(DATA_DIR / "uploads"))).resolve()
ZHIJIAN_IMPORT_MAX_MB = env_int("ZHIJIAN_IMPORT_MAX_MB", 200)

# --- Legal clock ----------------------------------------------------------------------------
# A deadline is 即将到期 when it falls within this many working days from today.
ZHIJIAN_DUE_SOON_WORKDAYS = env_int("ZHIJIAN_DUE_SOON_WORKDAYS", 2)
# Art. 8: an open case older than this many months is a 久拖不结 candidate.
ZHIJIAN_LONG_DELAY_MONTHS = env_int("ZHIJIAN_LONG_DELAY_MONTHS", 12)
# The court(s) that run this installation: their administrators maintain system-wide
# configuration (the national holiday calendar, time-limit rules). Other administrators manage
# their own courts (users, local holidays).
ZHIJIAN_HOME_COURTS = env_list("ZHIJIAN_HOME_COURTS", ["吉06"])

# --- Supervision matters, documents, notifications ------------------------------------------
# A new matter shows matters about the same case or complainant received this many days before.
ZHIJIAN_DUPLICATE_WINDOW_DAYS = env_int("ZHIJIAN_DUPLICATE_WINDOW_DAYS", 180)
ZHIJIAN_ATTACHMENT_MAX_BYTES = env_int("ZHIJIAN_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
ZHIJIAN_RECORD_COPY_MAX_MB = env_int("ZHIJIAN_RECORD_COPY_MAX_MB", 20)
ZHIJIAN_TEMPLATE_MAX_MB = env_int("ZHIJIAN_TEMPLATE_MAX_MB", 10)
# Delivery of notifications: in-app always; "email" and "sms" are off unless listed here.
ZHIJIAN_NOTIFICATION_BACKENDS = env_list("ZHIJIAN_NOTIFICATION_BACKENDS", ["inapp"])
ZHIJIAN_SITE_URL = env_str("ZHIJIAN_SITE_URL", "")  # absolute links in e-mail and SMS
ZHIJIAN_SMS_GATEWAY_URL = env_str("ZHIJIAN_SMS_GATEWAY_URL", "")
ZHIJIAN_SMS_GATEWAY_TOKEN = env_str("ZHIJIAN_SMS_GATEWAY_TOKEN", "")
ZHIJIAN_SMS_TIMEOUT = env_int("ZHIJIAN_SMS_TIMEOUT", 5)
ZHIJIAN_REMINDER_WORKDAYS_BEFORE = env_int("ZHIJIAN_REMINDER_WORKDAYS_BEFORE", 2)
ZHIJIAN_WORKING_HOURS = env_str("ZHIJIAN_WORKING_HOURS", "08:30-17:30")  # reminders only inside
# SMTP for the "email" backend (Django 6.1 MAILERS; the EMAIL_* settings are deprecated)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env_str("ZHIJIAN_EMAIL_HOST", "localhost"),
            "port": env_int("ZHIJIAN_EMAIL_PORT", 25),
            "username": env_str("ZHIJIAN_EMAIL_USER", ""),
            "password": env_str("ZHIJIAN_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("ZHIJIAN_EMAIL_TLS", False),
        },
    }
}
DEFAULT_FROM_EMAIL = env_str("ZHIJIAN_EMAIL_FROM", "zhijian@localhost")
