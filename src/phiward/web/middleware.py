"""What every request passes before any view: allowed methods, sane input, security headers.

``SecurityHeadersMiddleware`` keeps every page self-contained (no third-party requests at all)
and unframeable; ``RequestGateMiddleware`` refuses what no route needs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
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
        return response


# Web pages are read with GET (and HEAD) and changed with POST forms; everything else (PUT,
# DELETE, TRACE, OPTIONS, CONNECT, WebDAV verbs) is refused. The API's router admits only the
# methods each operation declares and answers others with 405 and that path's own Allow list.
WEB_METHODS = ("GET", "HEAD", "POST")
API_PREFIX = "/api/"
# The largest upload (an inventory file, DATA_UPLOAD_MAX_MEMORY_SIZE) plus room for the form
# around it; a larger body is refused from its Content-Length, before it is read.
MULTIPART_ALLOWANCE = 1024 * 1024


def max_request_bytes() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + MULTIPART_ALLOWANCE


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
    bodies larger than the upload limit (413), and NUL characters in the path or query string
    (400: no name holds one, PostgreSQL cannot store one, and a search for one would fail as a
    server error)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith(API_PREFIX)
        if request.method not in WEB_METHODS and not is_api:
            return HttpResponseNotAllowed(WEB_METHODS)
        if _declared_length(request) > max_request_bytes():
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
            detail = f"The request is larger than the {limit} MiB upload limit."
            return _refusal(is_api, 413, "Content Too Large", detail)
        if _has_nul(request):
            return _refusal(is_api, 400, "Bad Request", "NUL characters are not accepted.")
        return self.get_response(request)
