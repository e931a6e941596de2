"""The organization's account-policy page and the owner's "end this person's sessions"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET
from django.views.generic import FormView

from phiward.accounts import policies, sessions
from phiward.accounts.forms import PolicyForm
from phiward.core import members as people
from phiward.core.errors import InvalidInput, NotFound, PermissionDenied
from phiward.core.models import display_name
from phiward.core.permissions import Action, Area
from phiward.web.forms_members import show_problem
from phiward.web.orgviews import OrgView, current_user


class PolicyView(OrgView, FormView[PolicyForm]):
    """Members read the policy; owners change it."""

    area = Area.ORGANIZATION
    write_action = Action.ADMINISTER
    nav = "security"
    form_class = PolicyForm
    template_name = "accounts/policy.html"

    def get_initial(self) -> dict[str, Any]:
        return {name: getattr(self.org, name) for name in policies.FIELDS}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_administer"] = self.can(Action.ADMINISTER)
        context["policy"] = policies.policy_of(self.org)
        return context

    def form_valid(self, form: PolicyForm) -> HttpResponse:
        try:
            policies.set_policy(self.org, by=current_user(self.request), **form.cleaned_data)
        except (InvalidInput, PermissionDenied, NotFound) as exc:
            show_problem(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Account policy saved.")
        return redirect("account-policy", self.org.slug)


class EndMemberSessionsView(OrgView):
    """An owner logs a member out everywhere (a lost laptop, a suspected compromise)."""

    area = Area.ORGANIZATION
    read_action = Action.ADMINISTER
    write_action = Action.ADMINISTER
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            target = people.member_of(self.org, kwargs["username"])
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        actor = current_user(request)
        ended = sessions.end_member_sessions(self.org, target.user, by=actor, source="web")
        messages.success(request, f"Ended {ended} session(s) of {display_name(target.user)}.")
        if target.user_id == actor.pk:
            return redirect("login")
        return redirect("members", self.org.slug)


@require_GET
def no_email_page(request: HttpRequest) -> HttpResponse:
    """Stands in for allauth's e-mail management page: people log in by username, and an
    owner or administrator keeps the address used for password resets."""
    raise Http404("phiward has no e-mail management page")
