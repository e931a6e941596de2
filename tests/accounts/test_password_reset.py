"""Self-service recovery: a reset link by e-mail through a real SMTP server on 127.0.0.1.

The link arrives over TLS only, works once and for 30 minutes, and setting a new password with
it lifts the account's failed-login lock, ends every session of the account and is audited;
the next login still asks for the second factor. A request for an unknown address answers and
works the same as for a known one, and no answer waits for the mail server.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from phiward.accounts import delivery, mailconfig
from phiward.accounts.adapter import AccountAdapter
from phiward.core.auditing import AuditAction, AuditEvent
from phiward.core.models import Organization
from phiward.core.permissions import Role
from tests.accounts.conftest import password_step
from tests.accounts.mailserver import SMTP_USER, MailServer, Pki, make_pki
from tests.conftest import client_for

pytestmark = [
    pytest.mark.django_db,
    # aiosmtpd's check sees only STARTTLS; AUTH over smtps:// is encrypted all the same.
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),
]

FROM = "phiward <phiward@clinic.example>"
NEW = "a brand new passphrase 77"
WRONG = "not the password at all 99"
ADDRESS = "nina@example.org"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(autouse=True)
def _delivered() -> Iterator[None]:
    """No message of one test is still on its way during the next."""
    yield
    assert delivery.wait(30)


@pytest.fixture
def nina(org: Organization, make_member: Callable[..., User]) -> User:
    user = make_member(org, Role.SECURITY_OFFICER, username="nina")
    user.email = ADDRESS
    user.save()
    return user


def use_mail(settings: Settings, url: str, ca_file: Path | None = None) -> None:
    """What ``phiward.config.settings`` derives from these variables, applied to this process."""
    environ = {mailconfig.SMTP_URL: url, mailconfig.EMAIL_FROM: FROM}
    if ca_file is not None:
        environ[mailconfig.CA_FILE] = str(ca_file)
    for name, value in mailconfig.from_environment(environ).as_django().items():
        setattr(settings, name, value)


def link_in(body: str) -> str:
    found = re.search(r"https?://\S+/accounts/password/reset/key/\S+", body)
    assert found, body
    return urlsplit(found.group(0)).path


def body_of(message: object) -> str:
    from email.message import EmailMessage

    assert isinstance(message, EmailMessage)
    part = message.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


def ask_for_link(client: Client, address: str = ADDRESS) -> object:
    response = client.post(reverse("account_reset_password"), {"email": address})
    assert response.status_code == 302, response.content[:400]
    return response


def set_password(client: Client, link: str, password: str = NEW) -> object:
    """Follow the link as a browser does; returns the answer to the new password."""
    step = client.get(link)
    assert step.status_code == 302  # the key moves into the session, out of the address bar
    form_url = step["Location"]
    assert link.rstrip("/").rsplit("-", 1)[-1] not in form_url
    page = client.get(form_url)
    assert b"Set a new password" in page.content
    return client.post(form_url, {"password1": password, "password2": password})


def test_a_locked_out_person_recovers_with_a_link_sent_over_starttls(
    nina: User, org: Organization, settings: Settings, pki: Pki, audit_log: list[AuditEvent]
) -> None:
    with MailServer(pki, "starttls") as server:
        use_mail(settings, server.url(), ca_file=pki.ca_file)
        attacker = Client(REMOTE_ADDR="203.0.113.9")
        for _ in range(5):
            password_step(attacker, "nina", WRONG)
        assert b"Too many failed" in password_step(Client(), "nina").content  # locked out
        elsewhere = client_for(nina)  # a session someone may hold with the old password

        browser = Client()
        ask_for_link(browser)
        [received] = server.wait_for(1)
        assert received.tls_version in ("TLSv1.2", "TLSv1.3")
        assert received.auth_user == SMTP_USER
        assert received.mail_from == "phiward@clinic.example"
        assert received.rcpt_tos == [ADDRESS]
        link = link_in(body_of(received.message))

        done = set_password(browser, link)
        assert done.status_code == 302
        nina.refresh_from_db()
        assert nina.check_password(NEW)
        # The lock is lifted, and the second factor is still asked: a reset is not a login.
        first = password_step(Client(), "nina", NEW)
        assert first.status_code == 302
        assert first["Location"] == reverse("mfa_authenticate")
        # Every session of the account ended.
        assert elsewhere.get(f"/o/{org.slug}/")["Location"].startswith(reverse("login"))
        # The link works once.
        reused = Client().get(link, follow=True)
        assert b"This link does not work" in reused.content
        # Recorded on the organization's audit log, and the owner is told by e-mail.
        [event] = [e for e in audit_log if "by e-mail link" in e.summary]
        assert event.action is AuditAction.CHANGE
        assert event.organization_id == org.pk and event.actor == "nina"
        assert "lock lifted" in event.summary and "1 session(s) ended" in event.summary
        notices = server.wait_for(2)[1:]
        assert [n.rcpt_tos for n in notices] == [[ADDRESS]]
        assert "password has been reset" in body_of(notices[0].message)


def test_smtps_delivers_the_link_over_tls_from_the_first_byte(
    nina: User, settings: Settings, pki: Pki
) -> None:
    with MailServer(pki, "tls") as server:
        use_mail(settings, server.url(), ca_file=pki.ca_file)
        ask_for_link(Client())
        [received] = server.wait_for(1)
        assert received.tls_version in ("TLSv1.2", "TLSv1.3")
        assert received.auth_user == SMTP_USER
        assert "/accounts/password/reset/key/" in body_of(received.message)


def test_the_message_holds_the_link_and_the_username_and_nothing_else(
    nina: User, org: Organization, settings: Settings, pki: Pki
) -> None:
    with MailServer(pki, "starttls") as server:
        use_mail(settings, server.url(), ca_file=pki.ca_file)
        ask_for_link(Client())
        [received] = server.wait_for(1)
    message = received.message
    assert message["Subject"] == "[phiward] Set a new password"
    assert message["To"] == ADDRESS
    body = body_of(message)
    link = link_in(body)
    words = re.sub(re.escape(link), "LINK", body)
    assert '"nina"' in words and "within 30 minutes" in words
    # Nothing of the organization, its people or its data; no address but in the header.
    for absent in (org.name, org.slug, ADDRESS, "@"):
        assert absent not in words
    assert message.get_body(("html",)) is None


def _delivery_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "phiward.accounts.delivery"]


def test_nothing_is_sent_to_a_server_that_offers_no_starttls(
    nina: User, settings: Settings, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    with MailServer(pki, "plain") as server:
        use_mail(settings, server.url(), ca_file=pki.ca_file)  # asks for STARTTLS
        with caplog.at_level(logging.ERROR, logger="phiward.accounts.delivery"):
            ask_for_link(Client())
            assert delivery.wait(30)
        assert server.received == []
    assert _delivery_log(caplog) == ["e-mail not sent: SMTPNotSupportedError"]


def test_nothing_is_sent_to_a_server_whose_certificate_is_not_trusted(
    nina: User, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    impostor = make_pki(tmp_path / "impostor", label="impostor")
    trusted = make_pki(tmp_path / "trusted", label="trusted")
    with MailServer(impostor, "starttls") as server:
        use_mail(settings, server.url(), ca_file=trusted.ca_file)
        with caplog.at_level(logging.ERROR, logger="phiward.accounts.delivery"):
            ask_for_link(Client())
            assert delivery.wait(30)
        assert server.received == []
    logged = " ".join(_delivery_log(caplog))
    assert "SSLCertVerificationError" in logged
    assert ADDRESS not in logged and "nina" not in logged


def test_the_answer_never_waits_for_the_mail_server_known_address_or_not(
    nina: User, settings: Settings, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    render = AccountAdapter.render_mail

    def counting(self: AccountAdapter, prefix: str, *args: object, **kwargs: object) -> object:
        rendered.append(prefix)
        return render(self, prefix, *args, **kwargs)

    monkeypatch.setattr(AccountAdapter, "render_mail", counting)
    with MailServer(pki, "starttls", delay=3.0) as server:
        use_mail(settings, server.url(), ca_file=pki.ca_file)
        timings = {}
        pages = {}
        for address in (ADDRESS, "ghost@example.org"):
            started = time.monotonic()
            answer = ask_for_link(Client(), address)
            timings[address] = time.monotonic() - started
            pages[address] = answer["Location"]  # type: ignore[index]
        assert all(seconds < 1.5 for seconds in timings.values()), timings
        assert pages[ADDRESS] == pages["ghost@example.org"]
        # The same work for both: a message rendered each time; only the real one is sent.
        assert rendered == ["account/email/password_reset_key"] * 2
        received = server.wait_for(1, timeout=20)
        assert [r.rcpt_tos for r in received] == [[ADDRESS]]


def _later(monkeypatch: pytest.MonkeyPatch, minutes: int) -> None:
    moved = dt.datetime.now() + dt.timedelta(minutes=minutes)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: moved)


def test_a_link_works_for_thirty_minutes_only(nina: User, monkeypatch: pytest.MonkeyPatch) -> None:
    ask_for_link(Client())
    assert delivery.wait(30)
    [message] = [m for m in mail.outbox if m.to == [ADDRESS]]
    link = link_in(message.body)
    _later(monkeypatch, 31)
    assert b"This link does not work" in Client().get(link, follow=True).content
    _later(monkeypatch, 29)
    assert set_password(Client(), link).status_code == 302  # type: ignore[attr-defined]
    nina.refresh_from_db()
    assert nina.check_password(NEW)


def test_the_new_password_meets_the_same_rules(nina: User) -> None:
    ask_for_link(Client())
    assert delivery.wait(30)
    [message] = [m for m in mail.outbox if m.to == [ADDRESS]]
    refused = set_password(Client(), link_in(message.body), "Nina-2025-password!")
    assert refused.status_code == 200  # type: ignore[attr-defined]
    assert "your username" in refused.content.decode()  # type: ignore[attr-defined]
    nina.refresh_from_db()
    assert not nina.check_password("Nina-2025-password!")


def test_without_smtp_the_page_says_whom_to_ask(nina: User, settings: Settings) -> None:
    assert settings.PHIWARD_EMAIL_CONFIGURED is False  # the suite runs without PHIWARD_SMTP_URL
    page = Client().get(reverse("account_reset_password"))
    assert b"does not send email" in page.content
    assert b"phiward user reset-password" in page.content
    settings.PHIWARD_EMAIL_CONFIGURED = True
    page = Client().get(reverse("account_reset_password"))
    assert b"does not send email" not in page.content
    assert b"works once, within 30 minutes" in page.content
