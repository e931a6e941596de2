"""The People page (members and roles) and the Organization profile page.

Every member reads both; changes need ORGANIZATION/ADMINISTER (owners) and go through
``phiward.core.members``, which enforces the organization's rules. A generated one-time
password is shown once, in the answer to the request that created the user: it is never
redirected through the messages cookie and never stored.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.generic import FormView, TemplateView

from phiward.core import members as people
from phiward.core.errors import InvalidInput, NotFound, PermissionDenied
from phiward.core.models import Membership, ResponsibilityAssignment, display_name
from phiward.core.permissions import Action, Area, Role
from phiward.web.forms_members import MemberAddForm, ProfileForm, RoleForm, show_problem
from phiward.web.orgviews import OrgView, current_user


class PeopleView(OrgView):
    area = Area.ORGANIZATION
    nav = "members"

    @property
    def grantable(self) -> list[Role]:
        return people.grantable_roles(self.membership.role_enum)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_administer"] = self.can(Action.ADMINISTER)
        return context


class MembersView(PeopleView, TemplateView):
    """Everyone in the organization with their role; owners add, re-role and remove here."""

    template_name = "phiward/members.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["memberships"] = people.members(self.org)
        context["role_choices"] = [(role.value, role.label) for role in self.grantable]
        if context["can_administer"]:
            context.setdefault("add_form", MemberAddForm(roles=self.grantable))
        return context


class MemberAddView(MembersView):
    read_action = Action.ADMINISTER
    write_action = Action.ADMINISTER
    template_name = "phiward/member_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(mode="add", heading="Add a member", form=context["add_form"])
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = MemberAddForm(request.POST, roles=self.grantable)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(add_form=form))
        data = form.cleaned_data
        try:
            membership, password = people.add_member(
                self.org,
                username=data["username"],
                role=data["role"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                create=data["create"],
                by=current_user(request),
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        except (InvalidInput, NotFound) as exc:
            if isinstance(exc, NotFound):
                form.add_error("username", str(exc))
            else:
                show_problem(form, exc)
            return self.render_to_response(self.get_context_data(add_form=form))
        name = display_name(membership.user)
        label = membership.role_enum.label.lower()
        if password is None:
            messages.success(request, f"Added {name} as {label}.")
            return redirect("members", self.org.slug)
        messages.success(
            request,
            f"Created user '{membership.user.get_username()}' and added them as {label}. "
            f"One-time password: {password} — it is shown only now; hand it over privately.",
        )
        # Rendered here, not redirected: the password never travels in the messages cookie.
        response = TemplateResponse(
            request,
            MembersView.template_name,
            MembersView.get_context_data(self, add_form=MemberAddForm(roles=self.grantable)),
        )
        response["Cache-Control"] = "no-store"
        return response


class MemberMixin(PeopleView):
    """A view of one member, named by username in the address; others are not found."""

    read_action = Action.ADMINISTER
    write_action = Action.ADMINISTER

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.username = str(kwargs.pop("username"))
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def target(self) -> Membership:
        try:
            return people.member_of(self.org, self.username)
        except NotFound as exc:
            raise Http404(str(exc)) from exc

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["target"] = self.target
        return context


class MemberEditView(MemberMixin, FormView[RoleForm]):
    form_class = RoleForm
    template_name = "phiward/member_form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        return {**kwargs, "roles": self.grantable, "initial": {"role": self.target.role}}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(mode="edit", heading=f"Change the role of {display_name(self.target.user)}")
        return context

    def form_valid(self, form: RoleForm) -> HttpResponse:
        try:
            changed = people.change_role(
                self.target, form.cleaned_data["role"], by=current_user(self.request)
            )
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        except InvalidInput as exc:
            show_problem(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{display_name(changed.user)} is now {changed.role_enum.label.lower()}.",
        )
        return redirect("members", self.org.slug)


class MemberRemoveView(MemberMixin, TemplateView):
    """A confirmation page; the removal itself is the POST."""

    template_name = "phiward/member_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            mode="remove",
            heading=f"Remove {display_name(self.target.user)}?",
            assignments=ResponsibilityAssignment.objects.for_org(self.org)
            .filter(user_id=self.target.user_id)
            .count(),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = current_user(request)
        target = self.target
        try:
            people.remove_member(target, by=user)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        except InvalidInput as exc:
            return self.render_to_response(self.get_context_data(error=str(exc)))
        messages.success(request, f"Removed {display_name(target.user)} from {self.org.name}.")
        if target.user_id == user.pk:
            return redirect("home")
        return redirect("members", self.org.slug)


class OrgProfileView(OrgView, TemplateView):
    """The organization's profile; every member reads it, owners edit it."""

    area = Area.ORGANIZATION
    nav = "profile"
    template_name = "phiward/org_profile.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            can_administer=self.can(Action.ADMINISTER),
            sees_governance=self.can(Action.READ, Area.GOVERNANCE),
            member_count=self.org.memberships.count(),
        )
        return context


class OrgProfileEditView(OrgProfileView, FormView[ProfileForm]):
    read_action = Action.ADMINISTER
    write_action = Action.ADMINISTER
    form_class = ProfileForm

    def get_initial(self) -> dict[str, Any]:
        return {name: getattr(self.org, name) for name in people.PROFILE_FIELDS}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["editing"] = True
        return context

    def form_valid(self, form: ProfileForm) -> HttpResponse:
        fields = {name: form.cleaned_data[name] for name in people.PROFILE_FIELDS}
        try:
            people.update_profile(self.org, by=current_user(self.request), **fields)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        except InvalidInput as exc:
            show_problem(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Profile saved.")
        return redirect("org-profile", self.org.slug)
