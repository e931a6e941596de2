"""PHIWARD_SMTP_URL, PHIWARD_EMAIL_FROM and PHIWARD_SMTP_CA_FILE: read, refused, and applied."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from phiward.accounts.mailconfig import (
    EmailConfigError,
    Security,
    SmtpServer,
    from_environment,
    parse_smtp_url,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp+starttls://relay:secret@mail.clinic.example:587",
            SmtpServer("mail.clinic.example", 587, Security.STARTTLS, "relay", "secret"),
        ),
        (
            "smtp+starttls://mail.clinic.example",
            SmtpServer("mail.clinic.example", 587, Security.STARTTLS),
        ),
        (
            "smtps://me%40clinic.example:p%40ss%3Aw%2Frd@smtp.example.com",
            SmtpServer("smtp.example.com", 465, Security.TLS, "me@clinic.example", "p@ss:w/rd"),
        ),
        ("SMTPS://smtp.example.com:2465/", SmtpServer("smtp.example.com", 2465, Security.TLS)),
        ("smtp://127.0.0.1", SmtpServer("127.0.0.1", 25, Security.NONE)),
        ("smtp://localhost:2525", SmtpServer("localhost", 2525, Security.NONE)),
        ("smtp://[::1]:25", SmtpServer("::1", 25, Security.NONE)),
    ],
)
def test_the_url_forms(url: str, expected: SmtpServer) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://relay:hunter2@mail.example", "the scheme must be"),
        ("smtp://relay:hunter2@mail.example:25", "only allowed to a relay on this machine"),
        ("smtp://10.0.0.5", "only allowed to a relay on this machine"),
        ("smtps://relay:hunter2@mail.example:99999", "the port must be a number"),
        ("smtps://relay:hunter2@mail.example/inbox", "remove the path"),
        ("smtps://relay:hunter2@mail.example?tls=no", "remove the path"),
        ("smtps://:hunter2@mail.example", "a password without a user name"),
        ("smtps://", "no host name"),
    ],
)
def test_unusable_urls_are_refused_without_repeating_the_password(url: str, says: str) -> None:
    with pytest.raises(EmailConfigError) as refused:
        parse_smtp_url(url)
    message = str(refused.value)
    assert message.startswith("PHIWARD_SMTP_URL")
    assert says in message
    assert "hunter2" not in message


def test_nothing_is_configured_without_a_url() -> None:
    settings = from_environment({})
    assert not settings.configured
    assert settings.as_django()["EMAIL_BACKEND"] == "django.core.mail.backends.dummy.EmailBackend"
    assert settings.as_django()["ACCOUNT_EMAIL_NOTIFICATIONS"] is False


def test_a_sender_address_is_required_and_checked(tmp_path: Path) -> None:
    url = {"PHIWARD_SMTP_URL": "smtps://mail.example"}
    with pytest.raises(EmailConfigError, match="PHIWARD_EMAIL_FROM is required"):
        from_environment(url)
    for bad in ("phiward", "a@b\nBcc: everyone@example.org"):
        with pytest.raises(EmailConfigError, match="PHIWARD_EMAIL_FROM"):
            from_environment({**url, "PHIWARD_EMAIL_FROM": bad})
    named = from_environment({**url, "PHIWARD_EMAIL_FROM": "phiward <noreply@clinic.example>"})
    assert named.from_address == "phiward <noreply@clinic.example>"


def test_the_ca_file_must_exist_and_needs_tls(tmp_path: Path) -> None:
    base = {"PHIWARD_SMTP_URL": "smtps://mail.example", "PHIWARD_EMAIL_FROM": "p@clinic.example"}
    with pytest.raises(EmailConfigError, match="PHIWARD_SMTP_CA_FILE: no file"):
        from_environment({**base, "PHIWARD_SMTP_CA_FILE": str(tmp_path / "missing.pem")})
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked here\n")
    assert from_environment({**base, "PHIWARD_SMTP_CA_FILE": str(ca)}).ca_file == str(ca)
    with pytest.raises(EmailConfigError, match="smtp\\+starttls:// and smtps:// only"):
        from_environment(
            {
                "PHIWARD_SMTP_URL": "smtp://127.0.0.1",
                "PHIWARD_EMAIL_FROM": "p@clinic.example",
                "PHIWARD_SMTP_CA_FILE": str(ca),
            }
        )


def test_the_old_variables_are_refused_with_a_pointer() -> None:
    with pytest.raises(EmailConfigError, match="PHIWARD_EMAIL_HOST is no longer read"):
        from_environment({"PHIWARD_EMAIL_HOST": "mail.example"})


_PROBE = """
import json, django
django.setup()
from django.conf import settings
names = json.loads(input())
print(json.dumps({name: getattr(settings, name, None) for name in names}))
"""


def _settings_of(tmp_path: Path, names: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PHIWARD_") or key == "PHIWARD_DATABASE_URL"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="phiward.config.settings", PHIWARD_DATA_DIR=str(tmp_path), **env
    )
    return subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=environment,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_settings_module_applies_the_environment(tmp_path: Path) -> None:
    env = {
        "PHIWARD_SMTP_URL": "smtp+starttls://relay:s%40cret@mail.clinic.example",
        "PHIWARD_EMAIL_FROM": "phiward@clinic.example",
    }
    expected = from_environment(env).as_django()
    result = _settings_of(tmp_path, sorted(expected), **env)
    assert result.returncode == 0, result.stderr
    applied = json.loads(result.stdout.strip().splitlines()[-1])
    assert applied == expected
    assert applied["EMAIL_HOST_PASSWORD"] == "s@cret" and applied["EMAIL_USE_TLS"] is True


def test_a_bad_setting_stops_the_start_naming_the_variable(tmp_path: Path) -> None:
    result = _settings_of(
        tmp_path, ["EMAIL_HOST"], PHIWARD_SMTP_URL="smtp://relay:hunter2@mail.example"
    )
    assert result.returncode != 0
    assert "PHIWARD_SMTP_URL: smtp:// sends reset links unencrypted" in result.stderr
    assert "hunter2" not in result.stderr
