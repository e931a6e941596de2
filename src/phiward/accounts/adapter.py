"""phiward's allauth adapters: nobody signs up, lockouts are per account name, MFA stays on,
and e-mail leaves from a background thread (``phiward.accounts.delivery``)."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.core.internal.ratelimit import get_cache_key, parse_rates
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sites.shortcuts import get_current_site
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.http import HttpRequest

from phiward.accounts import delivery, sessions
from phiward.crypto import envelope, service
from phiward.crypto.bindings import MFA_SECRET

LOCKED_OUT = (
    "Too many failed attempts: logging in to this account from here is paused for up to "
    "15 minutes. An administrator can lift it sooner with `phiward user unlock`."
)


# Marks the stand-in user of a password-reset request for an address no account has.
STAND_IN = "_phiward_reset_stand_in"


def login_attempts_key(username: str) -> str:
    """The rate-limit key of failed logins for an account name (known to phiward or not)."""
    return f"login:{username.strip().lower()}"


def clear_failed_logins(user: AbstractBaseUser) -> None:
    """Forget the failed logins and MFA codes counted against the account (the per-address
    count stays: it is not the account owner's)."""
    rates = parse_rates(settings.ACCOUNT_RATE_LIMITS.get("login_failed"))
    keys = (login_attempts_key(user.get_username()), f"mfa-auth-user-{user.pk}")
    for rate in rates:
        if rate.per != "key":
            continue
        for key in keys:
            cache_key = get_cache_key(
                None,  # only per-IP and per-user rates read the request
                app="allauth.account",
                action="login_failed",
                rate=rate,
                key=key,
            )
            cache.delete(cache_key)


def reset_link_lifetime() -> str:
    """How long a password-reset link works, in words."""
    minutes = max(1, int(settings.PASSWORD_RESET_TIMEOUT) // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


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

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render here, send from the outbox thread (the request never waits for SMTP)."""
        delivery.post(self._render(template_prefix, email, context))

    def send_password_reset_mail(
        self, user: AbstractBaseUser, email: str, context: dict[str, Any]
    ) -> None:
        """Known address or not, the same work: a token and a rendered message (see
        ``forms.ResetPasswordForm``); only a real account's message is sent."""
        context = {**context, "link_lifetime": reset_link_lifetime()}
        message = self._render("account/email/password_reset_key", email, context)
        if not getattr(user, STAND_IN, False):
            delivery.post(message)

    def _render(self, template_prefix: str, email: str, values: dict[str, Any]) -> EmailMessage:
        request = context.request
        full = {"request": request, "email": email, "current_site": get_current_site(request)}
        full.update(values)
        message: EmailMessage = self.render_mail(template_prefix, email, full)
        return message


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
