"""Bearer authentication for the API: ``Authorization: Bearer pw_...``.

Listed first in ``phiward.api.AUTH``, before the browser session. A request without a bearer
header falls through to the session (which checks CSRF on writes); a request with one is
decided here and nowhere else: a valid token authenticates as its creator, confined to its
organization by ``phiward.core.apiscope.org_scope``; anything else is a 401 problem. A bearer
header is not sent by browsers on their own, so token requests need no CSRF token.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from phiward.core.apiscope import TokenCredential
from phiward.tokens.lifecycle import TokenRejected, authenticate


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> TokenCredential:
        try:
            credential = authenticate(token.strip())
        except TokenRejected as exc:
            raise AuthenticationError(message=str(exc)) from exc
        # The operation acts as the token's creator, whatever session cookie came along.
        request.user = credential.user
        return credential


api_token_auth = ApiTokenAuth()
