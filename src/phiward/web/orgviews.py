"""The one mechanism that scopes web views to an organization.

A view under ``/o/<org>/`` subclasses ``OrgView`` (or one of the generic views built on it),
declares its ``area`` and gets ``self.org`` and ``self.membership``; querysets come from
``Model.objects.for_org(self.org)`` in ``get_queryset`` here, never from a view by hand. A
non-member gets 404; a member whose role lacks the action gets 403.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils import timezone
from django.views import View

from phiward.core import errors
from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.models import Membership, Organization
from phiward.core.permissions import Action, Area, allowed
from phiward.core.tenancy import membership_for


def is_partial_request(request: HttpRequest) -> bool:
    """An htmx request for a page fragment (not a boosted page, not a history restore)."""
    headers = request.headers
    return bool(
        headers.get("HX-Request")
        and not headers.get("HX-Boosted")
        and not headers.get("HX-History-Restore-Request")
    )


def current_user(request: HttpRequest) -> User:
    """The authenticated user of a request that passed a login check."""
    user = request.user
    if not isinstance(user, User):
        raise DjangoPermissionDenied("Log in first.")
    return user


class OrgView(LoginRequiredMixin, View):
    area: ClassVar[Area]
    # The action a GET needs and the one a POST needs; generic create/delete views override.
    read_action: ClassVar[Action] = Action.READ
    write_action: ClassVar[Action] = Action.CHANGE
    nav: ClassVar[str] = ""

    org: Organization
    membership: Membership
    request: HttpRequest

    def required_action(self, request: HttpRequest) -> Action:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.read_action
        return self.write_action

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        method = (request.method or "").lower()
        if method not in self.http_method_names or not hasattr(self, method):
            # A method the page does not have is a 405 for everyone, before any role check.
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        try:
            self.membership = membership_for(request.user, kwargs.pop("org"))
        except errors.NotFound as exc:
            raise Http404(str(exc)) from exc
        self.org = self.membership.organization
        request.membership = self.membership  # type: ignore[attr-defined]
        if not allowed(self.membership.role, self.required_action(request), self.area):
            record(
                AuditEvent(
                    action=AuditAction.PERMISSION_DENIED,
                    organization_id=self.org.pk,
                    summary=f"denied: {self.required_action(request)} in {self.area}",
                    source="web",
                )
            )
            raise DjangoPermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)

    def can(self, action: Action, area: Area | None = None) -> bool:
        return allowed(self.membership.role, action, area or self.area)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(
            today=timezone.localdate(),
            org=self.org,
            nav=self.nav,
            can_create=self.can(Action.CREATE),
            can_change=self.can(Action.CHANGE),
            can_delete=self.can(Action.DELETE),
            can_export=self.can(Action.EXPORT),
        )
        return context
