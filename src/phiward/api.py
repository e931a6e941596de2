"""The REST API: one NinjaAPI composed of one router per app.

OpenAPI document at /api/openapi.json, interactive browser at /api/docs. Authentication is an
API token (``Authorization: Bearer pw_...``, see ``phiward.tokens``) or the web session (with
CSRF on writes); both are entries of ``AUTH``, tried in order.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import django_auth

from phiward import __version__
from phiward.core.errors import InputProblems, InvalidInput, NotFound, PermissionDenied
from phiward.core.logredact import redacted_traceback
from phiward.core.openapi import PROBLEM_MEDIA_TYPE, describe_problems
from phiward.tokens.auth import api_token_auth

logger = logging.getLogger(__name__)

AUTH = [api_token_auth, django_auth]


class PhiwardAPI(NinjaAPI):
    """The OpenAPI document says what errors really are (see ``phiward.core.openapi``)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        describe_problems(schema, self.renderer.media_type or "application/json")
        return schema


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


class JsonObjectParser(Parser):
    """A request body is a JSON object, as every operation's body schema is: django-ninja would
    read an array or a number as an object with every field left out. Strings holding NUL are
    refused too (PostgreSQL cannot store them). Both answer 400."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the request body is not a JSON object")
        if _holds_nul(data):
            raise ValueError("the request body holds a NUL character")
        return data


api = PhiwardAPI(
    title="phiward API",
    version=__version__,
    description=(
        "Run a HIPAA security program: organizations, ePHI inventory and the HIPAA catalog."
    ),
    auth=AUTH,
    urls_namespace="api",
    parser=JsonObjectParser(),
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
    response["Content-Type"] = PROBLEM_MEDIA_TYPE
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


@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body Django cannot read (malformed multipart, too many fields): 400, as Django says."""
    if isinstance(exc, RequestDataTooBig):
        return _problem(request, 413, "Content Too Large", "the request body is too large")
    return _problem(request, 400, "Bad Request", "the request body cannot be read")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Authentication (401), CSRF (403) and other protocol errors, as problems too."""
    response = _problem(request, exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc))
    if exc.status_code == HTTPStatus.UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="phiward"'
    return response


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
    from phiward.accounts.api import account_router
    from phiward.accounts.api import router as accounts_router
    from phiward.audit.api import router as audit_router
    from phiward.calendar.api import router as calendar_router
    from phiward.catalog.api import router as catalog_router
    from phiward.core.api import router as org_router
    from phiward.evidence.api import router as evidence_router
    from phiward.exercises.api import router as exercises_router
    from phiward.incidents.api import router as incidents_router
    from phiward.inventory.api import router as inventory_router
    from phiward.reports.api import router as reports_router
    from phiward.risk.api import router as risk_router
    from phiward.safeguards.api import router as safeguards_router
    from phiward.tokens.api import router as tokens_router

    api.add_router("/organizations", org_router)
    api.add_router("/organizations", accounts_router)
    api.add_router("/organizations", tokens_router)
    api.add_router("/organizations", inventory_router)
    api.add_router("/organizations", audit_router)
    api.add_router("/organizations", evidence_router)
    api.add_router("/organizations", safeguards_router)
    api.add_router("/organizations", reports_router)
    api.add_router("/organizations", risk_router)
    api.add_router("/organizations", incidents_router)
    api.add_router("/organizations", calendar_router)
    api.add_router("/organizations", exercises_router)
    api.add_router("/account", account_router)
    api.add_router("/catalog", catalog_router)


_register_routers()
