"""The API tokens API: list the tokens you may see, make one, revoke one.

The rules are ``phiward.tokens.lifecycle``'s, as on the *API tokens* page: members whose role
holds tokens see and make their own (a role no higher than theirs, an expiry of 1 to
``max_days()`` days, 90 by default); those who administer tokens see and revoke everyone's.
Two things are the API's own:

- a token is made only by a person, through a browser session: a request authenticated by an
  API token is refused (403), so a leaked token cannot mint longer-lived or wider ones;
- an API token's own role caps what its request sees and revokes: a token whose role does not
  administer tokens sees and revokes only its creator's.

The secret is in the answer to the creating request only (``Cache-Control: no-store``); lists
never hold a secret or its digest.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status

from phiward.core.apiscope import (
    SCOPED_ERRORS,
    WRITE_ERRORS,
    in_org,
    org_scope,
    token_credential,
)
from phiward.core.errors import PermissionDenied
from phiward.core.permissions import Action, Area
from phiward.tokens.lifecycle import create_token, revoke_token, visible_tokens
from phiward.tokens.models import ApiToken
from phiward.tokens.schemas import TokenCreatedOut, TokenIn, TokenOut

router = Router(tags=["tokens"])


def _token(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "user": token.creator.get_username(),
        "role": token.role,
        "role_label": token.role_enum.label,
        "state": token.state(timezone.now()),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "revoked_by": token.revoked_by.get_username() if token.revoked_by else None,
    }


@router.get(
    "/{org}/tokens",
    response={200: list[TokenOut], **SCOPED_ERRORS},
    operation_id="list_tokens",
    summary="API tokens: your own, or every one of the organization for owners; no secrets",
)
def list_tokens(request: HttpRequest, org: str) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, Area.TOKENS)
    credential = token_credential(request)
    cap = credential.role if credential is not None else None
    return [_token(t) for t in visible_tokens(scope.membership, cap=cap)]


@router.post(
    "/{org}/tokens",
    response={201: TokenCreatedOut, **WRITE_ERRORS},
    operation_id="create_token",
    summary="Make an API token for yourself (browser sessions only); its secret is shown once",
)
def create_api_token(
    request: HttpRequest, org: str, payload: TokenIn, response: HttpResponse
) -> Status[dict[str, object]]:
    if token_credential(request) is not None:
        raise PermissionDenied(
            "an API token cannot create API tokens: make them logged in, in the web app or "
            "through the API with your session"
        )
    scope = org_scope(request, org, Action.CREATE, Area.TOKENS)
    token, secret = create_token(
        scope.organization,
        creator=scope.user,
        name=payload.name,
        role=payload.role,
        days=payload.days,
    )
    response["Cache-Control"] = "no-store"
    return Status(201, {**_token(token), "secret": secret})


@router.post(
    "/{org}/tokens/{token_id}/revoke",
    response={200: TokenOut, **SCOPED_ERRORS},
    operation_id="revoke_token",
    summary="Revoke a token now: your own, or anyone's for owners; revoking twice is harmless",
)
def revoke_api_token(request: HttpRequest, org: str, token_id: int) -> dict[str, object]:
    scope = org_scope(request, org, Action.DELETE, Area.TOKENS)
    token = in_org(ApiToken, scope, token_id)
    if token.creator_id != scope.user.pk:
        # Someone else's token: administering tokens is needed, of the member and of the API
        # token the request came with, if any.
        org_scope(request, org, Action.ADMINISTER, Area.TOKENS)
    return _token(revoke_token(token, by=scope.user))
