"""Every write request is one transaction: a change and its audit entry commit together.

``OrgScopedModel``, ``Organization`` and ``Membership`` save in a transaction of their own, but
a request may save several rows (a user and their authenticator, an allauth password change,
a view that saves then fails). Unsafe methods run inside ``transaction.atomic()``; a request
that raises, or ends in a server error, rolls back everything it wrote. Safe methods are left
alone: on SQLite a transaction is ``BEGIN IMMEDIATE``, which would serialize every read.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SERVER_ERROR = 500


class WriteTransactionMiddleware:
    """Runs POST, PUT, PATCH and DELETE requests in one database transaction."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in UNSAFE_METHODS:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            # Django turns a view's exception into a 500 response before it reaches here.
            if response.status_code >= SERVER_ERROR:
                transaction.set_rollback(True)
        return response
