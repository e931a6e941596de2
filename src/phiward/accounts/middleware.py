"""Per-request enforcement of the account policy: session lifetimes, then MFA enrolment.

Neither middleware queries the database on an ordinary request: they read what
``phiward.accounts.sessions.stamp`` put in the session at login.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from phiward.accounts import sessions
from phiward.accounts.policy import SessionState, activity_refresh_seconds, session_state
from phiward.web.middleware import CLEAR_ON_TIMEOUT, clear_site_data

API_PREFIX = "/api/"

Handler = Callable[[HttpRequest], HttpResponseBase]


def _problem(detail: str) -> HttpResponse:
    body = {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": detail}
    return JsonResponse(body, status=403, content_type="application/problem+json")


def _seconds(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _to_login(request: HttpRequest) -> HttpResponseBase:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("login")
        return response
    next_url = request.get_full_path() if request.method == "GET" else None
    if next_url is None:
        return redirect("login")
    return redirect_to_login(next_url)


class SessionLifetimeMiddleware:
    """Log out a session idle past its timeout or older than its absolute lifetime."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            ended = self._check(request)
            if ended is not None:
                return ended
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponseBase | None:
        session, user = request.session, request.user
        assert isinstance(user, AbstractBaseUser)
        now = sessions.clock()
        limits = sessions.stored_limits(session)
        started = _seconds(session.get(sessions.STARTED))
        last_seen = _seconds(session.get(sessions.SEEN))
        if limits is None or started is None or last_seen is None:
            sessions.stamp(session, user, now)  # a session from before this policy
            return None
        state = session_state(limits, started=started, last_seen=last_seen, now=now)
        if state is SessionState.ACTIVE:
            if now - last_seen >= activity_refresh_seconds(limits):
                session[sessions.SEEN] = now
                fresh = sessions.limits_for(user)  # policy changes apply from here
                session[sessions.LIMITS] = [fresh.idle_seconds, fresh.lifetime_seconds]
            return None
        logout(request)
        clear_site_data(request, CLEAR_ON_TIMEOUT)  # keeps the cookie with the message below
        if state is SessionState.IDLE:
            idle = limits.idle_seconds
            span = f"{idle // 60} minutes" if idle >= 120 else f"{idle} seconds"
            text = f"You were logged out after {span} without activity."
        else:
            hours = max(1, limits.lifetime_seconds // 3600)
            text = f"Your session reached its {hours}-hour limit: log in again."
        if request.path.startswith(API_PREFIX):
            return None  # the API answers the now anonymous request with 401
        messages.info(request, text)
        return _to_login(request)


class MfaRequiredMiddleware:
    """Send a logged-in person without a second factor to enrol one (the API answers 403)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        """Where a person who still has to enrol may go: their account pages and the basics."""
        if self._open is None:
            self._open = (
                "/accounts/",
                reverse("login"),
                reverse("logout"),
                reverse("healthz"),
                settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/",
            )
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated and not request.path.startswith(self.open_paths()):
            status = request.session.get(sessions.MFA)
            if status not in ("enrolled", "exempt"):
                assert isinstance(request.user, AbstractBaseUser)
                status = sessions.mfa_status(request.user)
                if status is not None:
                    request.session[sessions.MFA] = status
            if status is None:
                if request.path.startswith(API_PREFIX):
                    return _problem(
                        "two-factor authentication is required: set it up in the web app first"
                    )
                messages.info(
                    request,
                    "Set up two-factor authentication to continue: phiward requires it.",
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)
