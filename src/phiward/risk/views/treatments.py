"""Treating a risk: add and edit treatments (each strategy's fields), approve an acceptance
(approvers only), add tasks and mark them done."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict

from phiward.core.errors import PhiwardError
from phiward.core.permissions import Action
from phiward.risk import services
from phiward.risk.forms import TaskForm, TreatmentForm
from phiward.risk.models import Risk, Treatment, TreatmentTask
from phiward.risk.views.base import FormPage, RiskView
from phiward.web.formpage import fail
from phiward.web.orgviews import current_user


def _risk_url(view: RiskView, risk_id: int) -> str:
    return view.url("risk-detail", risk_id)


class TreatmentCreateView(FormPage):
    nav = "risk-register"
    template_name = "risk/treatment_form.html"
    read_action = Action.CREATE
    write_action = Action.CREATE
    risk: Risk

    def load(self, **kwargs: Any) -> None:
        self.risk = self.get_object(Risk, kwargs["pk"])

    def heading(self) -> str:
        return f"Treat {self.risk}"

    def cancel_url(self) -> str:
        return _risk_url(self, self.risk.pk)

    def page_context(self) -> dict[str, Any]:
        return {"risk": self.risk}

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return TreatmentForm(data, organization=self.org)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        assert isinstance(form, TreatmentForm)
        treatment = services.add_treatment(self.risk, current_user(self.request), **form.changes())
        messages.success(self.request, f"Added the treatment: {treatment}.")
        return HttpResponseRedirect(self.cancel_url())


class TreatmentEditView(FormPage):
    nav = "risk-register"
    template_name = "risk/treatment_form.html"
    treatment: Treatment

    def load(self, **kwargs: Any) -> None:
        self.treatment = self.get_object(Treatment, kwargs["pk"], "risk")

    def heading(self) -> str:
        return f"Edit the treatment of {self.treatment.risk}"

    def cancel_url(self) -> str:
        return _risk_url(self, self.treatment.risk_id)

    def page_context(self) -> dict[str, Any]:
        return {"risk": self.treatment.risk, "treatment": self.treatment}

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        t = self.treatment
        initial = {
            "strategy": t.strategy,
            "description": t.description,
            "status": t.status,
            "owner": t.owner_id,
            "due_on": t.due_on,
            "spec_ids": t.spec_ids,
            "justification": t.justification,
            "expires_on": t.expires_on,
            "counterparty": t.counterparty,
        }
        return TreatmentForm(data, organization=self.org, initial=initial)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        assert isinstance(form, TreatmentForm)
        was_approved = self.treatment.approved_at is not None
        treatment = services.update_treatment(
            self.treatment, current_user(self.request), **form.changes()
        )
        note = ""
        if was_approved and treatment.approved_at is None:
            note = " The acceptance changed, so it needs approval again."
        messages.success(self.request, f"Saved the treatment.{note}")
        return HttpResponseRedirect(self.cancel_url())


class TreatmentApproveView(RiskView):
    """Sign off a risk acceptance (security officer or owner)."""

    write_action = Action.APPROVE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        treatment = self.get_object(Treatment, kwargs["pk"], "risk")
        target = _risk_url(self, treatment.risk_id)
        try:
            services.approve_acceptance(treatment, current_user(request))
        except PhiwardError as exc:
            return fail(request, exc, target)
        messages.success(request, f"Approved the acceptance of {treatment.risk.reference}.")
        return HttpResponseRedirect(target)


class TaskCreateView(FormPage):
    nav = "risk-register"
    template_name = "risk/form.html"
    read_action = Action.CREATE
    write_action = Action.CREATE
    treatment: Treatment

    def load(self, **kwargs: Any) -> None:
        self.treatment = self.get_object(Treatment, kwargs["pk"], "risk")

    def heading(self) -> str:
        return f"Add a task to: {self.treatment}"

    def cancel_url(self) -> str:
        return _risk_url(self, self.treatment.risk_id)

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return TaskForm(data, organization=self.org)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        task = services.add_task(
            self.treatment,
            current_user(self.request),
            title=data["title"],
            owner=data["owner"],
            due_on=data["due_on"],
        )
        messages.success(self.request, f"Added the task: {task}.")
        return HttpResponseRedirect(self.cancel_url())


class TaskCompleteView(RiskView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        task = self.get_object(TreatmentTask, kwargs["pk"], "treatment")
        target = _risk_url(self, task.treatment.risk_id)
        if task.done_on is not None:
            messages.info(request, f"The task '{task}' was done already.")
            return HttpResponseRedirect(target)
        try:
            services.complete_task(task, current_user(request))
        except PhiwardError as exc:
            return fail(request, exc, target)
        messages.success(request, f"Done: {task}.")
        return HttpResponseRedirect(target)
