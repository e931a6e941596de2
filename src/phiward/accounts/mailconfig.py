"""Where phiward's e-mail goes: the environment read into Django's e-mail settings.

Free of Django, because the settings module imports it. phiward sends e-mail for one purpose:
password reset links and the notices around them (your password was changed or reset). Nothing
is sent unless ``PHIWARD_SMTP_URL`` is set; then ``PHIWARD_EMAIL_FROM`` is required too.

``PHIWARD_SMTP_URL`` takes one of three forms:

- ``smtp+starttls://user:password@host:587`` — a plain connection upgraded with STARTTLS before
  anything else is said (port 587 unless given); a server that does not offer STARTTLS gets
  nothing;
- ``smtps://user:password@host:465`` — TLS from the first byte (port 465 unless given);
- ``smtp://host:25`` — no TLS at all, allowed only to a relay on this machine (a loopback
  address or ``localhost``): a reset link is as good as the password for the next half hour.

User and password are optional and percent-decoded (an ``@`` in a password is written ``%40``).
The server's certificate is verified, host name included, against the system's certificate
authorities, or only those in ``PHIWARD_SMTP_CA_FILE`` (a hospital's own CA).

Error messages name the variable and never repeat the URL, which may hold a password.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

SMTP_URL = "PHIWARD_SMTP_URL"
EMAIL_FROM = "PHIWARD_EMAIL_FROM"
CA_FILE = "PHIWARD_SMTP_CA_FILE"
# Read before PHIWARD_SMTP_URL existed; refused with a pointer rather than silently ignored.
LEGACY = (
    "PHIWARD_EMAIL_HOST",
    "PHIWARD_EMAIL_PORT",
    "PHIWARD_EMAIL_USER",
    "PHIWARD_EMAIL_PASSWORD",
)

SMTP_BACKEND = "phiward.accounts.mailbackend.SmtpBackend"
NO_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
TIMEOUT_SECONDS = 15  # a hung relay ends the delivery attempt, never a web worker


class EmailConfigError(ValueError):
    """The e-mail environment cannot be used; the message names the variable."""


class Security(StrEnum):
    STARTTLS = "smtp+starttls"
    TLS = "smtps"
    NONE = "smtp"


DEFAULT_PORTS = {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class EmailSettings:
    """What the environment asks for; ``as_django`` gives it as Django and allauth settings."""

    server: SmtpServer | None = None
    from_address: str = "phiward@localhost"
    ca_file: str = ""

    @property
    def configured(self) -> bool:
        return self.server is not None

    @property
    def backend(self) -> str:
        return SMTP_BACKEND if self.configured else NO_EMAIL_BACKEND

    def as_django(self) -> dict[str, object]:
        """The settings ``phiward.config.settings`` derives (tests apply them to a live process)."""
        found: dict[str, object] = {
            "PHIWARD_EMAIL_CONFIGURED": self.configured,
            "EMAIL_BACKEND": self.backend,
            "DEFAULT_FROM_EMAIL": self.from_address,
            "ACCOUNT_EMAIL_NOTIFICATIONS": self.configured,
        }
        if self.server is not None:
            found.update(
                EMAIL_HOST=self.server.host,
                EMAIL_PORT=self.server.port,
                EMAIL_HOST_USER=self.server.username,
                EMAIL_HOST_PASSWORD=self.server.password,
                EMAIL_USE_TLS=self.server.security is Security.STARTTLS,
                EMAIL_USE_SSL=self.server.security is Security.TLS,
                EMAIL_TIMEOUT=TIMEOUT_SECONDS,
                PHIWARD_SMTP_CA_FILE=self.ca_file,
            )
        return found


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_smtp_url(url: str) -> SmtpServer:
    """The server ``url`` names; :class:`EmailConfigError` when it cannot be used."""
    parts = urlsplit(url.strip())
    try:
        security = Security(parts.scheme.lower())
    except ValueError:
        raise EmailConfigError(
            f"{SMTP_URL}: the scheme must be smtp+starttls://, smtps:// or smtp:// "
            "(smtp:// only to a relay on this machine)"
        ) from None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise EmailConfigError(
            f"{SMTP_URL}: only scheme, user, password, host and port are read; "
            "remove the path, query or fragment"
        )
    host = parts.hostname or ""
    if not host:
        raise EmailConfigError(f"{SMTP_URL}: no host name")
    try:
        port = parts.port or DEFAULT_PORTS[security]
    except ValueError:
        raise EmailConfigError(f"{SMTP_URL}: the port must be a number from 1 to 65535") from None
    if security is Security.NONE and not _is_loopback(host):
        raise EmailConfigError(
            f"{SMTP_URL}: smtp:// sends reset links unencrypted, so it is only allowed to a "
            "relay on this machine (127.0.0.1, ::1 or localhost); use smtp+starttls:// or "
            "smtps:// for another host"
        )
    username = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if password and not username:
        raise EmailConfigError(f"{SMTP_URL}: a password without a user name")
    return SmtpServer(host, port, security, username, password)


def parse_from_address(value: str) -> str:
    text = value.strip()
    _name, address = parseaddr(text)
    if not text or "\n" in text or "\r" in text or "@" not in address:
        raise EmailConfigError(
            f"{EMAIL_FROM}: an e-mail address such as phiward@clinic.example "
            "or 'phiward <phiward@clinic.example>'"
        )
    return text


def from_environment(environ: Mapping[str, str]) -> EmailSettings:
    """Read ``PHIWARD_SMTP_URL``, ``PHIWARD_EMAIL_FROM`` and ``PHIWARD_SMTP_CA_FILE``."""
    legacy = [name for name in LEGACY if environ.get(name, "").strip()]
    if legacy:
        raise EmailConfigError(
            f"{legacy[0]} is no longer read: set {SMTP_URL} instead "
            "(for example smtp+starttls://user:password@mail.clinic.example:587)"
        )
    url = environ.get(SMTP_URL, "").strip()
    if not url:
        return EmailSettings()
    server = parse_smtp_url(url)
    if not environ.get(EMAIL_FROM, "").strip():
        raise EmailConfigError(f"{EMAIL_FROM} is required when {SMTP_URL} is set")
    from_address = parse_from_address(environ[EMAIL_FROM])
    ca_file = environ.get(CA_FILE, "").strip()
    if ca_file and not Path(ca_file).is_file():
        raise EmailConfigError(f"{CA_FILE}: no file at {ca_file}")
    if ca_file and server.security is Security.NONE:
        raise EmailConfigError(f"{CA_FILE} applies to smtp+starttls:// and smtps:// only")
    return EmailSettings(server=server, from_address=from_address, ca_file=ca_file)
