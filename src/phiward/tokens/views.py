"""The API tokens page of an organization: list, create (the secret is shown once) and revoke.

Members whose role allows (READ/CREATE, TOKENS) see and make their own tokens; owners
(ADMINISTER, TOKENS) see and revoke everyone's. The secret is rendered in the answer to the
creating request with ``Cache-Control: no-store``: never redirected through the messages cookie,
never stored.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.generic import TemplateView

from phiward.core.apiscope import MAX_ID
from phiward.core.errors import InvalidInput, PermissionDenied
from phiward.core.permissions import Action, Area
from phiward.tokens.forms import TokenForm
from phiward.tokens.lifecycle import (
    create_token,
    max_days,
    revoke_token,
    token_roles,
    visible_tokens,
)
from phiward.tokens.models import ApiToken, TokenState
from phiward.web.forms_members import show_problem
from phiward.web.orgviews import OrgView, current_user


class TokensView(OrgView, TemplateView):
    area = Area.TOKENS
    read_action = Action.READ
    write_action = Action.CREATE
    nav = "tokens"
    template_name = "tokens/tokens.html"

    def _form(self, data: Any = None) -> TokenForm:
        own = self.membership.role_enum
        return TokenForm(data, roles=token_roles(own), own=own, max_days=max_days())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            rows=[(token, token.state(now)) for token in visible_tokens(self.membership)],
            active=TokenState.ACTIVE,
            sees_all=self.can(Action.ADMINISTER),
        )
        context.setdefault("form", self._form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        user = current_user(request)
        try:
            token, secret = create_token(
                self.org,
                creator=user,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                days=form.cleaned_data["days"],
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        except InvalidInput as exc:
            show_problem(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        response = TemplateResponse(
            request,
            "tokens/token_created.html",
            self.get_context_data(created=token, secret=secret),
        )
        response["Cache-Control"] = "no-store"
        return response


class TokenRevokeView(OrgView):
    """POST ``token=<id>``: the creator revokes their own token, an owner anyone's."""

    area = Area.TOKENS
    write_action = Action.DELETE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raw = request.POST.get("token", "")
        token = None
        if raw.isdigit() and 1 <= int(raw) <= MAX_ID:
            token = ApiToken.objects.for_org(self.org).filter(pk=int(raw)).first()
        if token is None:
            messages.error(request, "No such API token in this organization.")
            return redirect("tokens:list", self.org.slug)
        try:
            revoked = revoke_token(token, by=current_user(request))
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        messages.success(request, f"Revoked the API token {revoked.prefix}… ({revoked.name}).")
        return redirect("tokens:list", self.org.slug)
