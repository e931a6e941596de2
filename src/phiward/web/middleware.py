"""What every request passes before any view: allowed methods, sane input, security headers.

``SecurityHeadersMiddleware`` keeps every page self-contained (no third-party requests at all),
unframeable and out of every cache (only static files may be stored), and tells the browser to
clear what it kept of the site after a logout; ``RequestGateMiddleware`` refuses what no route
needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse

_POLICY = [
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
]
CONTENT_SECURITY_POLICY = "; ".join(_POLICY)
# The OpenAPI browser (Swagger UI, served from our own static files) sets inline styles.
API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)

# Pages and API answers hold organization data and must not be kept by the browser or a proxy
# (the back button after a logout, a shared workstation); static files are the same for all.
NO_STORE = "no-store"
# After a logout: the browser drops its cache, the site's cookies and its storage. When a
# session ends by timeout the cookies stay, so the message saying why survives the redirect.
CLEAR_ON_LOGOUT = '"cache", "cookies", "storage"'
CLEAR_ON_TIMEOUT = '"cache", "storage"'
_CLEAR_SITE_DATA = "_phiward_clear_site_data"


def clear_site_data(request: HttpRequest, directives: str = CLEAR_ON_LOGOUT) -> None:
    """Send ``Clear-Site-Data`` with the answer to ``request`` (the last call wins)."""
    setattr(request, _CLEAR_SITE_DATA, directives)


def _static_prefix() -> str:
    url = str(settings.STATIC_URL)
    return url if url.startswith("/") else f"/{url}"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = (
            API_DOCS_POLICY if request.path.startswith("/api/docs") else CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        # Also on answers that never reach Django's clickjacking middleware (a refused method).
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        # Django's never_cache ("…, no-store, …") is kept; anything weaker is replaced.
        cache_control = response.headers.get("Cache-Control", "")
        if NO_STORE not in cache_control and not request.path.startswith(_static_prefix()):
            response.headers["Cache-Control"] = NO_STORE
        directives = getattr(request, _CLEAR_SITE_DATA, None)
        if directives:
            response.headers["Clear-Site-Data"] = directives
        return response


# Web pages are read with GET (and HEAD) and changed with POST forms; everything else (PUT,
# DELETE, TRACE, OPTIONS, CONNECT, WebDAV verbs) is refused. The API's router admits only the
# methods each operation declares and answers others with 405 and that path's own Allow list.
WEB_METHODS = ("GET", "HEAD", "POST")
API_PREFIX = "/api/"
# The largest upload (an inventory file, DATA_UPLOAD_MAX_MEMORY_SIZE) plus room for the form
# around it; a larger body is refused from its Content-Length, before it is read.
MULTIPART_ALLOWANCE = 1024 * 1024


@dataclass(frozen=True)
class UploadRoute:
    """A route whose bodies may exceed the general limit (evidence files): its own limit, read
    on every request, and the upload handlers its files are read with."""

    path: re.Pattern[str]  # matched against the whole path
    max_bytes: Callable[[], int]
    handlers: Callable[[HttpRequest], list[FileUploadHandler]] | None = None


_UPLOAD_ROUTES: list[UploadRoute] = []


def allow_large_uploads(route: UploadRoute) -> None:
    """Give the routes matching ``route.path`` their own upload limit (apps call it at start)."""
    if route not in _UPLOAD_ROUTES:
        _UPLOAD_ROUTES.append(route)


def upload_route(path: str) -> UploadRoute | None:
    return next((r for r in _UPLOAD_ROUTES if r.path.fullmatch(path)), None)


def upload_limit(path: str = "") -> int:
    route = upload_route(path)
    return route.max_bytes() if route else int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def max_request_bytes(path: str = "") -> int:
    return upload_limit(path) + MULTIPART_ALLOWANCE


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    )


def _refusal(is_api: bool, status: int, title: str, detail: str) -> HttpResponse:
    """Plain text for pages; an RFC 9457 problem, like every API error, for the API."""
    if not is_api:
        return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JsonResponse(body, status=status, content_type="application/problem+json")


class RequestGateMiddleware:
    """Refuse before any view runs: methods no web page needs (405, with the methods allowed),
    bodies larger than the upload limit (413; a route registered with ``allow_large_uploads``
    has its own), and NUL characters in the path or query string (400: no name holds one,
    PostgreSQL cannot store one, and a search for one would fail as a server error)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith(API_PREFIX)
        if request.method not in WEB_METHODS and not is_api:
            return HttpResponseNotAllowed(WEB_METHODS)
        if _declared_length(request) > max_request_bytes(request.path_info):
            limit = upload_limit(request.path_info) // (1024 * 1024)
            detail = f"The request is larger than the {limit} MiB upload limit."
            return _refusal(is_api, 413, "Content Too Large", detail)
        if _has_nul(request):
            return _refusal(is_api, 400, "Bad Request", "NUL characters are not accepted.")
        route = upload_route(request.path_info)
        if route is not None and route.handlers is not None:
            request.upload_handlers = route.handlers(request)  # before anything reads the body
        return self.get_response(request)
