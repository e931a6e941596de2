"""The account-policy form, and allauth's password-reset request made enumeration-proof."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.utils import user_pk_to_url_str
from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.http import HttpRequest

from phiward.accounts.adapter import STAND_IN
from phiward.accounts.policy import MAX_IDLE_MINUTES, MAX_LIFETIME_HOURS


class PolicyForm(forms.Form):
    workforce_mfa_required = forms.BooleanField(
        required=False,
        label="Workforce members must use two-factor authentication",
        help_text="Every other role always must. Turning this off is recorded in the audit log.",
    )
    session_idle_minutes = forms.IntegerField(
        min_value=1,
        max_value=MAX_IDLE_MINUTES,
        label="Log out after minutes without activity",
        help_text="15 minutes is the HIPAA automatic-logoff default.",
    )
    session_lifetime_hours = forms.IntegerField(
        min_value=1,
        max_value=MAX_LIFETIME_HOURS,
        label="Log out hours after logging in",
        help_text="Whether active or not. A person in several organizations gets the strictest.",
    )


class ResetPasswordForm(AllauthResetPasswordForm):
    """Known address or not, the same answer and the same work.

    For an address no active account has, a stand-in user (never saved) gets what allauth gives
    a real account: a reset token, a link and a rendered message, which the adapter drops
    instead of sending. (allauth's own token generator would store an address for the stand-in,
    so Django's, which it extends, makes this token.) The page that follows is the same.
    """

    users: list[User]

    def save(self, request: HttpRequest, **kwargs: Any) -> str:
        if self.users:
            sent: str = super().save(request, **kwargs)
            return sent
        email: str = self.cleaned_data["email"]
        stand_in = User(pk=0, username="", email=email)
        setattr(stand_in, STAND_IN, True)
        uid = user_pk_to_url_str(stand_in)
        token = PasswordResetTokenGenerator().make_token(stand_in)
        adapter = get_adapter(request)
        context = {
            "user": stand_in,
            "password_reset_url": adapter.get_reset_password_from_key_url(f"{uid}-{token}"),
            "uid": uid,
            "key": token,
            "request": request,
            "username": "",
        }
        adapter.send_password_reset_mail(stand_in, email, context)
        return email
