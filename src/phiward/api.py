"""The REST API: one NinjaAPI composed of one router per app.

OpenAPI document at /api/openapi.json, interactive browser at /api/docs. Authentication is the
web session (with CSRF) for now; API tokens arrive with the platform-security issue and plug in
as another entry of ``AUTH``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from phiward import __version__
from phiward.core.errors import InvalidInput, NotFound, PermissionDenied

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


def _problem(request: HttpRequest, status: int, title: str, detail: str) -> HttpResponse:
    return api.create_response(
        request,
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status=status,
    )


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _problem(request, 404, "Not found", str(exc))


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _problem(request, 403, "Forbidden", str(exc))


@api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return _problem(request, 422, "Invalid input", str(exc))


def _register_routers() -> None:
    from phiward.catalog.api import router as catalog_router
    from phiward.core.api import router as org_router
    from phiward.inventory.api import router as inventory_router

    api.add_router("/organizations", org_router)
    api.add_router("/organizations", inventory_router)
    api.add_router("/catalog", catalog_router)


_register_routers()
