"""The REST API: one NinjaAPI composed of one router per app.

OpenAPI document at /api/openapi.json, interactive browser at /api/docs. Authentication is the
web session (with CSRF) for now; API tokens arrive with the platform-security issue and plug in
as another entry of ``AUTH``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.security import django_auth

from phiward import __version__
from phiward.core.errors import InputProblems, InvalidInput, NotFound, PermissionDenied
from phiward.core.logredact import redacted_traceback

logger = logging.getLogger(__name__)

AUTH = [django_auth]

api = NinjaAPI(
    title="phiward API",
    version=__version__,
    description=(
        "Run a HIPAA security program: organizations, ePHI inventory and the HIPAA catalog."
    ),
    auth=AUTH,
    urls_namespace="api",
)


def _problem(
    request: HttpRequest,
    status: int,
    title: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    """An RFC 9457 problem answer; ``errors`` maps field names to messages (422 only)."""
    body: dict[str, object] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _problem(request, 404, "Not found", str(exc))


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _problem(request, 403, "Forbidden", str(exc))


@api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    errors: dict[str, list[str]] | None = None
    if isinstance(exc, InputProblems):
        errors = {}
        for problem in exc.problems:
            errors.setdefault(problem.field or "__all__", []).append(problem.message)
    return _problem(request, 422, "Invalid input", str(exc), errors)


@api.exception_handler(RequestValidationError)
def _malformed(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
    """A request that does not fit the operation's schema (types, enums, required fields)."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        # loc is (source, [body parameter,] field, ...): name the field as the client sent it.
        loc = [str(part) for part in error.get("loc", ())]
        rest = loc[2:] if loc[:1] == ["body"] else loc[1:]
        errors.setdefault(".".join(rest) or "__all__", []).append(str(error.get("msg", "")))
    fields = ", ".join(sorted(errors))
    return _problem(request, 422, "Invalid input", f"invalid fields: {fields}", errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Authentication (401), CSRF (403) and other protocol errors, as problems too."""
    return _problem(request, exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything else: a generic 500 problem; the log names the code, never the data."""
    logger.error(
        "unhandled %s in %s %s\n%s",
        type(exc).__name__,
        request.method,
        request.path,
        redacted_traceback(exc),
    )
    return _problem(request, 500, "Internal error", "an unexpected error occurred")


def _register_routers() -> None:
    from phiward.catalog.api import router as catalog_router
    from phiward.core.api import router as org_router
    from phiward.inventory.api import router as inventory_router

    api.add_router("/organizations", org_router)
    api.add_router("/organizations", inventory_router)
    api.add_router("/catalog", catalog_router)


_register_routers()
