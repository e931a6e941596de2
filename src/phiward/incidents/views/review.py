"""The post-incident review and its follow-up actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict

from phiward.core.errors import InvalidInput
from phiward.core.permissions import Action, Area
from phiward.incidents import services
from phiward.incidents.forms.response import FollowUpForm, ReviewForm
from phiward.incidents.models import FollowUpAction, Review, ReviewRisk
from phiward.incidents.views.base import IncidentView, as_id
from phiward.incidents.views.incidents import IncidentPage
from phiward.web.formpage import fail
from phiward.web.orgviews import current_user


class ReviewView(IncidentPage):
    def heading(self) -> str:
        return f"Post-incident review of {self.incident_obj.reference}"

    def sees_risks(self) -> bool:
        return self.can(Action.READ, Area.RISK)

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        review = Review.objects.filter(incident=self.incident_obj).first()
        initial: dict[str, Any] = {}
        if review is not None:
            initial = {
                "root_cause": review.root_cause,
                "lessons_learned": review.lessons_learned,
                "risks": list(
                    ReviewRisk.objects.filter(review=review).values_list("risk_id", flat=True)
                ),
            }
        return ReviewForm(
            data, organization=self.org, sees_risks=self.sees_risks(), initial=initial
        )

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        services.save_review(
            self.incident_obj,
            current_user(self.request),
            root_cause=data["root_cause"],
            lessons_learned=data["lessons_learned"],
            risks=list(data["risks"]) if "risks" in data else None,
        )
        messages.success(self.request, "Saved the review.")
        return HttpResponseRedirect(self.cancel_url() + "#review")


class ReviewCompleteView(IncidentView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.incident(int(kwargs["pk"]))
        target = self.url("detail", incident.pk) + "#review"
        try:
            _, flagged = services.complete_review(incident, current_user(request))
        except InvalidInput as exc:
            return fail(request, exc, target)
        extra = f" {len(flagged)} linked risk(s) flagged for re-assessment." if flagged else ""
        messages.success(request, f"Completed the review.{extra}")
        return HttpResponseRedirect(target)


class FollowUpView(IncidentPage):
    def heading(self) -> str:
        return f"Add a follow-up action to {self.incident_obj.reference}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return FollowUpForm(data, organization=self.org)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        action = services.add_follow_up(
            self.incident_obj,
            current_user(self.request),
            title=data["title"],
            owner=data["owner"],
            due_on=data["due_on"],
        )
        messages.success(self.request, f"Added the follow-up action '{action.title}'.")
        return HttpResponseRedirect(self.cancel_url() + "#review")


class FollowUpDoneView(IncidentView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.incident(int(kwargs["pk"]))
        target = self.url("detail", incident.pk) + "#review"
        pk = as_id(request.POST.get("action", ""))
        action = (
            FollowUpAction.objects.filter(incident=incident, pk=pk).first()
            if pk is not None
            else None
        )
        if action is None:
            messages.error(request, "Choose a follow-up action of this incident.")
            return HttpResponseRedirect(target)
        try:
            services.complete_follow_up(action, current_user(request))
        except InvalidInput as exc:
            return fail(request, exc, target)
        messages.success(request, f"Done: {action.title}.")
        return HttpResponseRedirect(target)
