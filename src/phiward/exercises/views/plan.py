"""IR plan pages: versions, one version, edit the draft, approve it, compare versions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from phiward.core.errors import InputProblems, InvalidInput
from phiward.core.permissions import Action
from phiward.exercises import plan
from phiward.exercises.forms import ApproveForm, PlanForm
from phiward.exercises.models import IRPlanVersion
from phiward.exercises.views.base import IncidentsView
from phiward.web.orgviews import current_user


class PlanListView(IncidentsView, TemplateView):
    template_name = "exercises/plan_list.html"
    nav = "irplan"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            versions=plan.versions(self.org),
            current=plan.current(self.org),
            draft=plan.open_draft(self.org),
        )
        return context


class PlanStartView(IncidentsView):
    """Start a new draft copying the current approved version."""

    write_action = Action.CREATE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            draft = plan.start_draft(self.org, user=current_user(request))
        except InvalidInput as exc:
            messages.error(request, str(exc))
            return redirect("exercises:plan", self.org.slug)
        return redirect("exercises:plan-edit", self.org.slug, draft.pk)


class PlanDetailView(IncidentsView, TemplateView):
    template_name = "exercises/plan_detail.html"
    nav = "irplan"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        version = self.version(int(kwargs["pk"]))
        current = plan.current(self.org)
        context.update(
            version=version,
            is_current=current is not None and current.pk == version.pk,
            can_approve=self.can(Action.APPROVE),
            approve_form=ApproveForm(),
        )
        return context


class PlanEditView(IncidentsView, FormView[PlanForm]):
    template_name = "exercises/plan_form.html"
    form_class = PlanForm
    nav = "irplan"
    read_action = Action.CHANGE
    write_action = Action.CHANGE

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.pk = int(kwargs.pop("pk"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.version(self.pk)
        if not self.object.is_draft:
            messages.error(request, f"v{self.object.number} is approved and cannot change.")
            return redirect("exercises:plan-detail", self.org.slug, self.object.pk)
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.version(self.pk)
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        v = self.object
        return {"title": v.title, "body": v.body, "change_summary": v.change_summary}

    def form_valid(self, form: PlanForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            plan.update_draft(
                self.object,
                title=data["title"],
                body=data["body"],
                change_summary=data["change_summary"],
            )
        except InputProblems as exc:
            form.add_problems(exc.problems)
            return self.form_invalid(form)
        except InvalidInput as exc:
            messages.error(self.request, str(exc))
            return redirect("exercises:plan-detail", self.org.slug, self.object.pk)
        messages.success(self.request, f"Saved draft v{self.object.number}.")
        return redirect("exercises:plan-detail", self.org.slug, self.object.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            version=self.object,
            cancel_url=reverse("exercises:plan-detail", args=[self.org.slug, self.object.pk]),
        )
        return context


class PlanApproveView(IncidentsView):
    """Approve the draft (approve in the incidents area)."""

    write_action = Action.APPROVE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = self.version(int(kwargs["pk"]))
        form = ApproveForm(request.POST)
        effective_on = form.cleaned_data.get("effective_on") if form.is_valid() else None
        try:
            plan.approve(
                version,
                user=current_user(request),
                role=self.membership.role,
                effective_on=effective_on,
            )
        except (InputProblems, InvalidInput) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Approved v{version.number}: it is the current IR plan.")
        return redirect("exercises:plan-detail", self.org.slug, version.pk)


class PlanDiffView(IncidentsView, TemplateView):
    """The changes of a version against the approved version before it (or ``?against=``)."""

    template_name = "exercises/plan_diff.html"
    nav = "irplan"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        version = self.version(int(kwargs["pk"]))
        older: IRPlanVersion | None = plan.previous(version)
        against = self.request.GET.get("against", "")
        if against.isdecimal() and len(against) < 12:
            older = (
                IRPlanVersion.objects.for_org(self.org).filter(number=int(against)).first() or older
            )
        context.update(version=version, older=older, lines=plan.diff(older, version))
        return context
