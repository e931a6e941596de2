"""phiward's allauth adapters: nobody signs up, lockouts are per account name, MFA stays on."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from phiward.accounts import sessions
from phiward.crypto import envelope, service
from phiward.crypto.bindings import MFA_SECRET

LOCKED_OUT = (
    "Too many failed attempts: logging in to this account from here is paused for up to "
    "15 minutes. An administrator can lift it sooner with `phiward user unlock`."
)


def login_attempts_key(username: str) -> str:
    """The rate-limit key of failed logins for an account name (known to phiward or not)."""
    return f"login:{username.strip().lower()}"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {**DefaultAccountAdapter.error_messages, "too_many_login_attempts": LOCKED_OUT}

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Owners add people to their organization; there is no sign-up page."""
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """As allauth, except a person's first second factor right after a password login.

        Everyone must enrol at their first login; the password they typed moments ago is the
        re-authentication (they have no second factor yet to ask for).
        """
        required = bool(super().is_reauthentication_required(app=app, **kwargs))
        if not required or app != "allauth.mfa":
            return required
        request = context.request
        user = request.user
        if not user.is_authenticated or sessions.has_second_factor(user):
            return True
        timeout = account_settings.REAUTHENTICATION_TIMEOUT
        recent = [
            r
            for r in get_authentication_records(request, user)
            if r.get("method") == "password" and time.time() - float(r.get("at", 0)) < timeout
        ]
        return not recent

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth adds the site's host name; without it `phiward user unlock` finds the key.
        return login_attempts_key(str(credentials.get("username", "")))


class MfaAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Your organization requires two-factor authentication: add another authenticator "
            "app or security key before removing this one."
        ),
    }

    def encrypt(self, text: str) -> str:
        """Seal the TOTP secret and the recovery codes' seed (all allauth stores encrypted)."""
        return service.seal_value(text, MFA_SECRET)

    def decrypt(self, encrypted_text: str) -> str:
        """Open a sealed secret; one stored before phiward sealed them is used as it is."""
        if not envelope.is_sealed(encrypted_text):
            return encrypted_text
        return service.open_value(encrypted_text, MFA_SECRET)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.RECOVERY_CODES:
            return True
        others = (
            Authenticator.objects.filter(
                user_id=authenticator.user_id, type__in=sessions.SECOND_FACTORS
            )
            .exclude(pk=authenticator.pk)
            .exists()
        )
        return others or not sessions.needs_mfa(authenticator.user)
