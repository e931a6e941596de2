"""Django settings, read from environment variables with safe defaults.

``PHIWARD_DATA_DIR`` (default ``./var``), ``PHIWARD_DATABASE_URL`` (default SQLite in the data
dir, WAL mode), ``PHIWARD_SECRET_KEY`` (generated once into the data dir when absent),
``PHIWARD_DEBUG`` (off), ``PHIWARD_ALLOWED_HOSTS`` (comma separated, default loopback names),
``PHIWARD_BEHIND_TLS_PROXY`` (off; set it when a TLS proxy fronts phiward: cookies become
Secure, HSTS is sent and the proxy's X-Forwarded-Proto is trusted), ``PHIWARD_HSTS_PRELOAD``
(off; the HSTS header asks for browser preloading), ``PHIWARD_SMTP_URL`` with
``PHIWARD_EMAIL_FROM`` and optionally ``PHIWARD_SMTP_CA_FILE`` (off: no e-mail is sent; see
``phiward.accounts.mailconfig``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

from phiward.accounts import mailconfig
from phiward.config import runtime

# Lets generic Django classes be subscripted at runtime (ModelForm[Asset]) for mypy.
django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = runtime.ensure_data_dir(runtime.data_dir())

DEBUG = runtime.env_flag("PHIWARD_DEBUG", default=False)
SECRET_KEY = runtime.secret_key(DATA_DIR)
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("PHIWARD_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's account pages use it
    "ninja",
    "phiward.core",
    "phiward.catalog",
    "phiward.inventory",
    "phiward.audit",
    "phiward.jobs",
    "phiward.web",
    "phiward.tokens",
    "phiward.accounts",
    "phiward.risk",
    "phiward.safeguards",
    "phiward.evidence",
    "phiward.oscal",
    "phiward.reports",
    "phiward.incidents",
    "phiward.calendar",
    "phiward.exercises",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "phiward.web.middleware.SecurityHeadersMiddleware",
    "phiward.web.middleware.RequestGateMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "phiward.audit.context.AuditContextMiddleware",
    "phiward.audit.middleware.WriteTransactionMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "phiward.accounts.middleware.SessionLifetimeMiddleware",
    "phiward.accounts.middleware.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "phiward.config.urls"
WSGI_APPLICATION = "phiward.config.wsgi.application"

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
                "phiward.web.context.navigation",
            ],
        },
    },
]


def _databases() -> dict[str, dict[str, Any]]:
    url = runtime.database_url(DATA_DIR)
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # WAL lets readers and the writer work at once; synchronous=FULL makes every
            # acknowledged commit durable across a crash. IMMEDIATE takes the write lock at
            # BEGIN so concurrent writers queue on the busy timeout instead of failing.
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        config.setdefault("OPTIONS", {})
        config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "phiward.accounts.passwords.BreachedPasswordValidator"},
    {"NAME": "phiward.accounts.passwords.ContextWordsValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Accounts (django-allauth; phiward.accounts holds the glue and says why each choice).
from phiward.accounts.config import *  # noqa: E402, F403

# E-mail: password-reset links and account notices only, nothing unless PHIWARD_SMTP_URL is set
# (phiward.accounts.mailconfig reads it; docs/security.md, "Password reset by e-mail").
_email = mailconfig.from_environment(os.environ)
PHIWARD_EMAIL_CONFIGURED = _email.configured
EMAIL_BACKEND = _email.backend
DEFAULT_FROM_EMAIL = _email.from_address
ACCOUNT_EMAIL_NOTIFICATIONS = _email.configured  # "your password was changed" and the like
if _email.server is not None:
    EMAIL_HOST = _email.server.host
    EMAIL_PORT = _email.server.port
    EMAIL_HOST_USER = _email.server.username
    EMAIL_HOST_PASSWORD = _email.server.password
    EMAIL_USE_TLS = _email.server.security is mailconfig.Security.STARTTLS
    EMAIL_USE_SSL = _email.server.security is mailconfig.Security.TLS
    EMAIL_TIMEOUT = mailconfig.TIMEOUT_SECONDS
    PHIWARD_SMTP_CA_FILE = _email.ca_file

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the package's static folders: no collectstatic step is needed to run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Plain HTTP on loopback is the embedded default (make run); production sits behind TLS.
_behind_tls = runtime.env_flag("PHIWARD_BEHIND_TLS_PROXY", default=False)
SESSION_COOKIE_SECURE = _behind_tls
CSRF_COOKIE_SECURE = _behind_tls
# Over TLS the cookies carry the __Host- prefix: browsers then accept them only Secure, for this
# exact host and path /, so a sibling subdomain can neither set nor shadow them. Browsers refuse
# the prefix on plain HTTP, so local development keeps the plain names.
SESSION_COOKIE_NAME = "__Host-sessionid" if _behind_tls else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if _behind_tls else "csrftoken"
if _behind_tls:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading puts the operator's whole domain into browsers' built-in HTTPS-only lists, a
    # commitment that is theirs to make (PHIWARD_HSTS_PRELOAD=1); without it the deploy
    # check's reminder is silenced, so `check --deploy` stays clean (docs/security.md).
    SECURE_HSTS_PRELOAD = runtime.env_flag("PHIWARD_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("PHIWARD_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

# Application logs carry request metadata only, never request bodies or field values:
# nothing that could hold PHI is formatted into a log record.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "phiward.core.logredact.RedactExceptionMessages"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("PHIWARD_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

NINJA_PAGINATION_PER_PAGE = 100

# A signed audit checkpoint every N entries (0: only on demand); see docs/audit-log.md.
AUDIT_CHECKPOINT_EVERY = int(os.environ.get("PHIWARD_AUDIT_CHECKPOINT_EVERY", "1000"))
# Scheduled work (phiward worker; docs/audit-log.md): sign a checkpoint when the log grew, every
# interval (seconds, or 90s / 15m / 1h / 1d; 0: off), and verify the whole log; each new
# checkpoint is also written as a file to PHIWARD_AUDIT_CHECKPOINT_DIR when it is set.
AUDIT_CHECKPOINT_INTERVAL = os.environ.get("PHIWARD_AUDIT_CHECKPOINT_INTERVAL", "1h")
AUDIT_CHECKPOINT_DIR = os.environ.get("PHIWARD_AUDIT_CHECKPOINT_DIR", "")
AUDIT_VERIFY_INTERVAL = os.environ.get("PHIWARD_AUDIT_VERIFY_INTERVAL", "1d")
# Deadline reminders by e-mail at 30/14/7/1 days and overdue (docs/calendar.md), and the
# address people reach phiward at, for the links in those messages ("": bare paths).
REMINDER_INTERVAL = os.environ.get("PHIWARD_REMINDER_INTERVAL", "1d")
BASE_URL = os.environ.get("PHIWARD_BASE_URL", "").rstrip("/")
