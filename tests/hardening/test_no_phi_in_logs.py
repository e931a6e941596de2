"""No PHI in logs: representative work with PHI-looking values, and the logs never show them.

Every value below carries a unique marker. The test captures what phiward's configured log
handlers write (every logger, lowered to DEBUG, which is stricter than production), the raw
message of every log record, and gunicorn access lines in ``phiward serve``'s format for every
request — then runs web pages, API writes with good and bad input, imports with errors, failed
logins, CSRF failures and forced server errors (whose exception messages hold the marker), and
asserts the marker appears nowhere.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config
from gunicorn.glogging import Logger as GunicornLogger

from phiward.core.cli import ACCESS_LOG_FORMAT
from phiward.core.errors import InputProblems
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.inventory.models import Asset
from phiward.inventory.transfer.service import import_inventory
from tests.api.sample import build_inventory

pytestmark = pytest.mark.django_db

MARKER = "PHIMARK7731"
PATIENT = f"Jane {MARKER} Roe"
MRN = f"MRN-{MARKER}-0042"
NOTE = f"Patient {PATIENT} ({MRN}) records copied to laptop"


class RecordCapture(logging.Handler):
    """Every record that reaches the root logger, unformatted (message and arguments)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class Logs:
    handlers_output: io.StringIO = field(default_factory=io.StringIO)
    records: RecordCapture = field(default_factory=RecordCapture)
    access: io.StringIO = field(default_factory=io.StringIO)

    def text(self) -> str:
        return "\n".join(
            [self.handlers_output.getvalue(), *self.records.messages, self.access.getvalue()]
        )


def _configured_handlers() -> list[logging.StreamHandler]:  # type: ignore[type-arg]
    """The stream handlers phiward's LOGGING installed (not pytest's capture handlers)."""
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    found: list[logging.StreamHandler] = []  # type: ignore[type-arg]
    for logger in loggers:
        for handler in logger.handlers:
            is_pytest = type(handler).__module__.startswith("_pytest")
            if isinstance(handler, logging.StreamHandler) and not is_pytest:
                found.append(handler)
    return found


@pytest.fixture
def logs() -> Iterator[Logs]:
    captured = Logs()
    handlers = _configured_handlers()
    assert handlers, "the LOGGING setting installs a console handler"
    streams = [handler.setStream(captured.handlers_output) for handler in handlers]
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(captured.records)
    try:
        yield captured
    finally:
        logging.getLogger().removeHandler(captured.records)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)


class AccessLog:
    """gunicorn's own access logger, configured as ``phiward serve`` configures it."""

    def __init__(self, stream: io.StringIO) -> None:
        config = Config()
        config.set("accesslog", "-")
        config.set("access_log_format", ACCESS_LOG_FORMAT)
        self.logger = GunicornLogger(config)
        for handler in self.logger.access_log.handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(stream)

    def line(self, response: object) -> None:
        meta = dict(response.wsgi_request.META)  # type: ignore[attr-defined]
        query = meta.get("QUERY_STRING", "")
        meta["RAW_URI"] = meta["PATH_INFO"] + (f"?{query}" if query else "")
        meta.setdefault("REMOTE_ADDR", "127.0.0.1")
        meta.setdefault("SERVER_PROTOCOL", "HTTP/1.1")
        status = response.status_code  # type: ignore[attr-defined]
        sent = len(getattr(response, "content", b""))
        answer = SimpleNamespace(status=f"{status} X", sent=sent, headers=[])
        self.logger.access(answer, SimpleNamespace(headers=[]), meta, dt.timedelta(0, 0, 1500))


@dataclass
class Session:
    """A client whose every request is also written to the access log."""

    client: Client
    access: AccessLog
    responses: list[object] = field(default_factory=list)

    def __getattr__(self, method: str) -> Callable[..., object]:
        call = getattr(self.client, method)

        def send(*args: object, **kwargs: object) -> object:
            response = call(*args, **kwargs)
            self.access.line(response)
            self.responses.append(response)
            return response

        return send


@pytest.fixture
def world(
    make_org: Callable[..., Organization], make_member: Callable[..., User], logs: Logs
) -> tuple[Organization, Session]:
    org = make_org("phi-clinic", "PHI Clinic")
    owner = make_member(org, Role.OWNER, username="phi-owner")
    build_inventory(org)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return org, Session(client, AccessLog(logs.access))


def _web_and_api(org: Organization, s: Session) -> None:
    api = f"/api/organizations/{org.slug}"
    created = s.post(
        f"{api}/assets",
        {"name": PATIENT, "kind": "workstation", "notes": NOTE, "owner": MRN},
        content_type="application/json",
    )
    assert created.status_code == 201  # type: ignore[attr-defined]
    asset = Asset.objects.get(name=PATIENT)
    # Bad input of every kind: an unknown choice, a duplicate name, a wrong type, bad JSON.
    for body in (
        {"name": f"{PATIENT} 2", "kind": MARKER},
        {"name": PATIENT, "kind": "workstation"},
        {"name": PATIENT, "kind": "workstation", "record_count": MRN},
        {"name": PATIENT, "kind": "server", "ip_address": MRN, "last_seen": NOTE},
    ):
        answer = s.post(f"{api}/assets", body, content_type="application/json")
        assert answer.status_code == 422  # type: ignore[attr-defined]
    s.patch(f"{api}/assets/{asset.pk}", {"mac_address": MRN}, content_type="application/json")
    s.post(f"{api}/assets", f'{{"name": "{PATIENT}", ', content_type="application/json")
    s.get(f"{api}/assets", {"q": PATIENT})
    s.get(f"{api}/assets/{asset.pk}")
    s.post(
        f"{api}/members", {"username": MRN, "role": "workforce"}, content_type="application/json"
    )
    # Pages that show the values, searches for them, a form with bad input.
    inventory = f"/o/{org.slug}/inventory"
    s.get(f"{inventory}/assets/", {"q": PATIENT})
    s.get(f"{inventory}/assets/{asset.pk}/")
    s.get(f"{inventory}/map/")
    s.get(reverse("inventory:export", args=[org.slug]), {"format": "yaml"})
    s.post(f"{inventory}/assets/new/", {"name": PATIENT, "kind": MARKER, "notes": NOTE})
    s.post(f"{inventory}/assets/{asset.pk}/edit/", {"name": "", "notes": NOTE})


def _imports(org: Organization, s: Session) -> None:
    broken = (
        "phiward_inventory: 1\n"
        f"assets:\n- {{name: {PATIENT}, kind: {MARKER}, notes: '{NOTE}', zone: {MRN}}}\n"
        f"vendors:\n- {{name: {MRN}, website: {MARKER}}}\n"
    ).encode()
    upload = SimpleUploadedFile(f"{MARKER}.yaml", broken)
    page = s.post(reverse("inventory:import", args=[org.slug]), {"file": upload})
    assert MARKER in page.content.decode()  # type: ignore[attr-defined]  # shown to the user
    with pytest.raises(InputProblems):
        import_inventory(org, broken, filename=f"{MARKER}.yaml")
    not_yaml = SimpleUploadedFile(f"{MARKER}.yaml", f"{NOTE}: [unclosed".encode())
    s.post(reverse("inventory:import", args=[org.slug]), {"file": not_yaml})


def _failures(org: Organization, s: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    anonymous = Session(Client(), s.access)
    anonymous.post(reverse("login"), {"login": MRN, "username": MRN, "password": NOTE})
    strict = Session(Client(enforce_csrf_checks=True), s.access)
    strict.client.force_login(User.objects.get(username="phi-owner"))
    strict.post(
        f"/api/organizations/{org.slug}/zones", {"name": PATIENT}, content_type="application/json"
    )

    def explode(*args: object, **kwargs: object) -> object:
        try:
            raise ValueError(f"lookup failed for {NOTE}")
        except ValueError as cause:
            raise RuntimeError(f"could not render {PATIENT}") from cause

    # A server error in a page and in an API operation, messages full of PHI.
    monkeypatch.setattr("phiward.web.views.DashboardView.get_context_data", explode)
    monkeypatch.setattr("phiward.core.api._profile", explode)
    page = s.get(reverse("dashboard", args=[org.slug]))
    operation = s.get(f"/api/organizations/{org.slug}")
    assert page.status_code == operation.status_code == 500  # type: ignore[attr-defined]


def test_no_phi_reaches_any_log(
    world: tuple[Organization, Session], logs: Logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    org, session = world
    _web_and_api(org, session)
    _imports(org, session)
    _failures(org, session, monkeypatch)

    written = logs.text()
    # The capture works: the server errors were logged, and every request has an access line.
    assert "RuntimeError" in logs.handlers_output.getvalue()
    assert logs.access.getvalue().count("\n") == len(session.responses) + 2
    assert MARKER not in written, [line for line in written.splitlines() if MARKER in line]
