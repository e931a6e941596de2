"""API schemas of API tokens: what a token looks like (never its secret) and how one is made.

No ``from __future__ import annotations`` here, as in the other schema modules: django-ninja
reads these annotations at run time.
"""

import datetime as dt

from ninja import Field, Schema

from phiward.core.permissions import Role
from phiward.tokens.lifecycle import MAX_NAME
from phiward.tokens.models import TokenState
from phiward.tokens.secret import DEFAULT_DAYS


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The secret's first characters, to recognise it")
    user: str = Field(description="The member the token acts for (its creator)")
    role: Role
    role_label: str
    state: TokenState
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="Recorded at most once a minute")
    revoked_at: dt.datetime | None
    revoked_by: str | None = Field(description="Who revoked it; null when phiward did")


class TokenCreatedOut(TokenOut):
    secret: str = Field(
        description="The token itself, for the Authorization header: given in this answer "
        "only, never again (phiward keeps only its digest)"
    )


class TokenIn(Schema):
    name: str = Field(description=f"What the token is for, 1 to {MAX_NAME} characters")
    role: Role | None = Field(
        None, description="What it may do: your own role when left out, never more than it"
    )
    days: int | None = Field(
        None,
        description=f"Lifetime in days: {DEFAULT_DAYS} when left out, at most the install's "
        "PHIWARD_TOKEN_MAX_DAYS (365 unless configured)",
    )
