"""Account recovery by the install's administrator: new password, unlock, MFA reset.

The ``phiward user`` commands call these; each is recorded in the audit log and ends the
person's sessions where the change calls for it. The account owner recovers on their own with a
password-reset link by e-mail, when the install sends e-mail (``receivers._password_reset``).
"""

from __future__ import annotations

import secrets

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from phiward.accounts import sessions
from phiward.accounts.adapter import clear_failed_logins
from phiward.accounts.receivers import record_for_account
from phiward.core.auditing import AuditAction, AuditEvent
from phiward.core.errors import InputProblems, NotFound, Problem

GENERATED_PASSWORD_BYTES = 15


def user_named(username: str) -> User:
    found = User.objects.filter(username=username).first()
    if found is None:
        raise NotFound(f"no user '{username}'")
    return found


def _audit(user: User, summary: str, action: AuditAction = AuditAction.ADMIN) -> None:
    record_for_account(
        user,
        AuditEvent(
            action=action,
            object_type="auth.user",
            object_id=str(user.pk),
            summary=summary,
            source="cli",
        ),
    )


def reset_password(user: User, password: str | None = None) -> str | None:
    """Set ``password`` (validated) or a generated one, which is returned to show once."""
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    else:
        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            raise InputProblems([Problem(m, field="password") for m in exc.messages]) from exc
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        ended = sessions.end_sessions(user)
        _audit(user, f"password of {user.get_username()} reset; {ended} session(s) ended")
    unlock(user)
    return generated


def unlock(user: User) -> None:
    """Forget the failed logins and MFA codes counted against the account."""
    clear_failed_logins(user)
    _audit(user, f"failed-login lock of {user.get_username()} lifted")


def reset_mfa(user: User) -> int:
    """Remove every authenticator; the person enrols again at their next login."""
    with transaction.atomic():
        removed: int = Authenticator.objects.filter(user_id=user.pk).delete()[0]
        ended = sessions.end_sessions(user)
        _audit(
            user,
            f"MFA of {user.get_username()} reset ({removed} authenticator(s)); "
            f"{ended} session(s) ended",
            AuditAction.MFA_CHANGE,
        )
    return removed


def set_active(user: User, active: bool) -> None:
    """Enable or disable the account (disabling ends its sessions, see receivers)."""
    if user.is_active == active:
        return
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        if active:
            _audit(user, f"account {user.get_username()} enabled")
