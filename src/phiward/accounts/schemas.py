"""API schemas of accounts: one's own sessions and the organization's account policy.

No ``from __future__ import annotations`` here, as in the other schema modules: django-ninja
reads these annotations at run time.
"""

import datetime as dt

from ninja import Field, Schema

from phiward.accounts.policy import MAX_IDLE_MINUTES, MAX_LIFETIME_HOURS


class SessionOut(Schema):
    """One of your sessions (a browser where you are logged in)."""

    id: str = Field(
        description="An opaque handle naming the session; never its key, and not guessable"
    )
    created_at: dt.datetime = Field(description="When the session logged in")
    last_seen_at: dt.datetime = Field(description="Its last request, to within a minute")
    ip: str = Field(description="The client address it logged in from")
    user_agent: str = Field(description="The browser it logged in with, as it named itself")
    current: bool = Field(
        description="The session making this request (never true for an API token)"
    )


class SessionsEndedOut(Schema):
    ended: int = Field(description="How many sessions ended")


class AccountPolicyOut(Schema):
    """Who must use two-factor authentication and how long a session lives."""

    workforce_mfa_required: bool = Field(
        description="Whether workforce members must use MFA (every other role always must)"
    )
    session_idle_minutes: int = Field(description="Log out after this many minutes idle")
    session_lifetime_hours: int = Field(description="Log out this many hours after logging in")


class AccountPolicyPatch(Schema):
    """The parts of the policy to change; fields left out stay as they are."""

    workforce_mfa_required: bool | None = Field(
        None,
        description="Turning it back on ends the sessions of workforce members without MFA",
    )
    session_idle_minutes: int | None = Field(None, ge=1, le=MAX_IDLE_MINUTES)
    session_lifetime_hours: int | None = Field(None, ge=1, le=MAX_LIFETIME_HOURS)
