"""What happens around a login: the session is stamped and the person's sessions beyond the
install's limit end, events are audited, a logout tells the browser to clear what it kept, and
a person's sessions end when their account is disabled, their MFA is reset or their password
changes (the other sessions) or is reset by e-mail link (all of them, and the lockout lifts)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import signals as auth_signals
from django.contrib.auth.models import User
from django.db.models.signals import post_save, pre_save
from django.http import HttpRequest

from phiward.accounts import sessions
from phiward.accounts.adapter import clear_failed_logins
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.models import Membership
from phiward.web.middleware import clear_site_data


def connect() -> None:
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="phiward.accounts.login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="phiward.accounts.logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="phiward.accounts.failed")
    for signal, what in (
        (mfa_signals.authenticator_added, "added"),
        (mfa_signals.authenticator_removed, "removed"),
        (mfa_signals.authenticator_reset, "reset"),
    ):
        signal.connect(_mfa_changed(what), dispatch_uid=f"phiward.accounts.mfa.{what}", weak=False)
    account_signals.password_changed.connect(
        _password_changed, dispatch_uid="phiward.accounts.pw.changed"
    )
    account_signals.password_reset.connect(
        _password_reset, dispatch_uid="phiward.accounts.pw.reset"
    )
    pre_save.connect(_remember_active, sender=User, dispatch_uid="phiward.accounts.active")
    post_save.connect(_maybe_disabled, sender=User, dispatch_uid="phiward.accounts.disabled")


def record_for_account(user: User, event: AuditEvent) -> None:
    """One entry per organization ``user`` belongs to, so each organization's auditors see
    their member's logins and MFA changes; one entry without organization if there is none."""
    organizations: list[int | None] = list(
        Membership.objects.filter(user_id=user.pk)
        .order_by("organization_id")
        .values_list("organization_id", flat=True)
    )
    for organization_id in organizations or [None]:
        record(replace(event, organization_id=organization_id))


def audit_user(action: AuditAction, user: User, summary: str, source: str = "web") -> None:
    record_for_account(
        user,
        AuditEvent(
            action=action,
            actor_id=user.pk,
            actor=user.get_username(),
            object_type="auth.user",
            object_id=str(user.pk),
            summary=summary,
            source=source,
        ),
    )


def _logged_in(sender: object, request: HttpRequest, user: User, **kwargs: Any) -> None:
    sessions.stamp(request.session, user)
    audit_user(AuditAction.LOGIN, user, f"{user.get_username()} logged in")
    limit = int(settings.PHIWARD_MAX_SESSIONS)
    ended = sessions.enforce_session_limit(user, request.session.session_key, limit)
    if ended:
        audit_user(
            AuditAction.LOGOUT,
            user,
            f"{user.get_username()} logged in with {limit} session(s) open: "
            f"the oldest {ended} ended",
            source="system",
        )


def _logged_out(sender: object, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    clear_site_data(request)
    if user is not None:
        audit_user(AuditAction.LOGOUT, user, f"{user.get_username()} logged out")


def _login_failed(sender: object, credentials: dict[str, Any], **kwargs: Any) -> None:
    # The typed name is recorded only when it names an account: a password typed into the
    # username field must not end up in the log. A failure naming no account stays without
    # organization: no organization's page may tell whether a name exists.
    typed = str(credentials.get("username", ""))
    user = User.objects.filter(username=typed).first() if typed else None
    if user is None:
        record(AuditEvent(action=AuditAction.LOGIN_FAILED, summary="failed login", source="web"))
        return
    audit_user(AuditAction.LOGIN_FAILED, user, f"failed login for {user.get_username()}")


def _mfa_changed(what: str) -> Any:
    def receiver(
        sender: object,
        request: HttpRequest | None = None,
        user: User | None = None,
        authenticator: Authenticator | None = None,
        **kwargs: Any,
    ) -> None:
        if user is None:
            return
        kind = authenticator.type if authenticator is not None else "authenticator"
        audit_user(AuditAction.MFA_CHANGE, user, f"{user.get_username()}: {kind} {what}")
        if request is None or not hasattr(request, "session"):
            return
        if what == "added" and sessions.has_second_factor(user):
            request.session[sessions.MFA] = "enrolled"
        elif what == "removed" and not sessions.has_second_factor(user):
            # The last second factor is gone: that is an MFA reset, every session ends.
            sessions.end_sessions(user)

    return receiver


def _password_changed(sender: object, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """The person changed their password: every other session of theirs ends, this one stays
    (allauth has given it a new key by now)."""
    keep = request.session.session_key if request.user.is_authenticated else None
    ended = sessions.end_sessions(user, keep=keep)
    audit_user(
        AuditAction.CHANGE,
        user,
        f"{user.get_username()} changed their password; {ended} other session(s) ended",
    )


def _password_reset(sender: object, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """The person followed a reset link sent to their address, which proves they control the
    mailbox: the failed-login lock on the account lifts and every session ends (whoever held
    one learned the old password). MFA is still asked at the next login."""
    ended = sessions.end_sessions(user)
    clear_failed_logins(user)
    audit_user(
        AuditAction.CHANGE,
        user,
        f"{user.get_username()} reset their password by e-mail link; failed-login lock "
        f"lifted; {ended} session(s) ended",
    )


def _remember_active(sender: type[User], instance: User, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or (update_fields is not None and "is_active" not in update_fields):
        return
    before = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    instance._phiward_was_active = bool(before)  # type: ignore[attr-defined]


def _maybe_disabled(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    if created or not getattr(instance, "_phiward_was_active", False) or instance.is_active:
        return
    instance._phiward_was_active = False  # type: ignore[attr-defined]
    ended = sessions.end_sessions(instance)
    record_for_account(
        instance,
        AuditEvent(
            action=AuditAction.ADMIN,
            object_type="auth.user",
            object_id=str(instance.pk),
            summary=f"account {instance.get_username()} disabled; {ended} session(s) ended",
            source="system",
        ),
    )
