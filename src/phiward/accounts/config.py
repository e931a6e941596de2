"""Account, MFA and session settings, star-imported by ``phiward.config.settings``.

Environment: ``PHIWARD_SESSION_IDLE_SECONDS`` and ``PHIWARD_SESSION_MAX_SECONDS`` cap every
organization's idle timeout and absolute session lifetime (tests and strict installs use them);
``PHIWARD_MAX_SESSIONS`` how many sessions one person may have at once (default 5; a login
beyond it ends their oldest); ``PHIWARD_BREACHED_PASSWORDS_FILE`` names an offline list of
breached passwords (see ``phiward.accounts.passwords``); ``PHIWARD_TRUSTED_PROXY_COUNT`` how
many proxies append to X-Forwarded-For (default 1 behind a TLS proxy, else 0: the client
address is the peer's). E-mail (password reset by link) is configured in
``phiward.config.settings`` from ``PHIWARD_SMTP_URL`` (see ``phiward.accounts.mailconfig``);
without it an administrator resets passwords with ``phiward user``.
"""

from __future__ import annotations

import os

from phiward.accounts.policy import DEFAULT_MAX_SESSIONS
from phiward.config import runtime

__all__ = [
    "ACCOUNT_ADAPTER",
    "ACCOUNT_EMAIL_SUBJECT_PREFIX",
    "ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS",
    "ACCOUNT_EMAIL_VERIFICATION",
    "ACCOUNT_FORMS",
    "ACCOUNT_LOGIN_METHODS",
    "ACCOUNT_LOGOUT_ON_GET",
    "ACCOUNT_PREVENT_ENUMERATION",
    "ACCOUNT_RATE_LIMITS",
    "ACCOUNT_REAUTHENTICATION_TIMEOUT",
    "ACCOUNT_SESSION_REMEMBER",
    "ACCOUNT_SIGNUP_FIELDS",
    "ALLAUTH_TRUSTED_PROXY_COUNT",
    "AUTHENTICATION_BACKENDS",
    "CACHES",
    "MFA_ADAPTER",
    "MFA_PASSKEY_LOGIN_ENABLED",
    "MFA_SUPPORTED_TYPES",
    "MFA_TOTP_ISSUER",
    "MFA_TOTP_TOLERANCE",
    "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN",
    "PASSWORD_HASHERS",
    "PASSWORD_RESET_TIMEOUT",
    "PHIWARD_BREACHED_PASSWORDS_FILE",
    "PHIWARD_MAX_SESSIONS",
    "PHIWARD_SESSION_IDLE_CAP",
    "PHIWARD_SESSION_LIFETIME_CAP",
    "SESSION_COOKIE_AGE",
    "USERSESSIONS_TRACK_ACTIVITY",
]

_behind_tls = runtime.env_flag("PHIWARD_BEHIND_TLS_PROXY", default=False)


def _seconds(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    seconds = int(value)
    if seconds <= 0:
        raise ValueError(f"{name} must be a positive number of seconds")
    return seconds


def _count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a whole number, 1 or more (got '{value}')")
    return int(value)


# Argon2id first; the others only verify (and upgrade) hashes made before.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PHIWARD_BREACHED_PASSWORDS_FILE = os.environ.get("PHIWARD_BREACHED_PASSWORDS_FILE", "")

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Rate limits, failed TOTP codes and used TOTP codes live in the cache: it has to be shared by
# every worker (and the CLI, which unlocks accounts), so it is a table in phiward's database.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "phiward_cache",
    }
}

ACCOUNT_ADAPTER = "phiward.accounts.adapter.AccountAdapter"  # no sign-up: owners add people
# A reset request for an unknown address does the same work as for a known one and sends nothing
# (allauth would mail the address an invitation to sign up, which phiward does not have).
ACCOUNT_FORMS = {"reset_password": "phiward.accounts.forms.ResetPasswordForm"}
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[phiward] "
# A reset link works once (the token covers the password hash and the last login) and for 30
# minutes; Django's default is three days.
PASSWORD_RESET_TIMEOUT = 30 * 60
MFA_ADAPTER = "phiward.accounts.adapter.MfaAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False  # the session cookie ends with the browser
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300  # changing MFA or the password asks again after 5 min
# Failed logins: 5 per account and 20 per client address in 15 minutes. Failed MFA codes count
# against the same limit (per user). Successful logins do not reset it.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "20/15m/ip,5/15m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/15m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = int(
    os.environ.get("PHIWARD_TRUSTED_PROXY_COUNT", "1" if _behind_tls else "0")
)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# A passkey is a second factor here, never the only one: every login is password + MFA.
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "phiward"
MFA_TOTP_TOLERANCE = 1  # one period of clock skew; used codes are refused for the whole window
# WebAuthn needs a secure context: https, or plain http on loopback (the embedded default).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not _behind_tls
USERSESSIONS_TRACK_ACTIVITY = False  # activity is kept in the session, not written per request

PHIWARD_SESSION_IDLE_CAP = _seconds("PHIWARD_SESSION_IDLE_SECONDS")
PHIWARD_SESSION_LIFETIME_CAP = _seconds("PHIWARD_SESSION_MAX_SECONDS")
PHIWARD_MAX_SESSIONS = _count("PHIWARD_MAX_SESSIONS", DEFAULT_MAX_SESSIONS)
# The cookie never outlives the longest absolute lifetime an organization may choose (24 h).
SESSION_COOKIE_AGE = PHIWARD_SESSION_LIFETIME_CAP or 24 * 60 * 60
