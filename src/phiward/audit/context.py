"""Who is acting: the request's user in the web app and API, the OS user on the CLI.

The middleware remembers the current request; the user is read when an entry is written, so
authentication that runs later in the request (API tokens) is seen too. Code outside a
request may name the actor with ``acting_as``.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    source: str  # "web", "api", "cli", "system"


SYSTEM = Actor(None, "", "system")

_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)
_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)
_process_default: list[Actor] = [SYSTEM]


def request_source(request: HttpRequest) -> str:
    return "api" if request.path.startswith("/api/") else "web"


def current_request() -> HttpRequest | None:
    return _request.get()


def current_actor() -> Actor:
    explicit = _actor.get()
    if explicit is not None:
        return explicit
    request = _request.get()
    if request is not None:
        user = getattr(request, "user", None)
        source = request_source(request)
        if user is not None and user.is_authenticated:
            return Actor(user.pk, user.get_username(), source)
        return Actor(None, "", source)
    return _process_default[0]


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def use_cli_actor() -> None:
    """Everything this process records, outside an explicit actor, comes from the CLI."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    _process_default[0] = Actor(None, f"os:{name}", "cli")


class AuditContextMiddleware:
    """Makes the request available to the recorder (place it after authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))
