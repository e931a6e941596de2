"""The wizard's proposal step: synchronize the proposals with the inventory and the answers,
then accept each (as proposed, or edited) or dismiss it with a reason."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.views.generic import TemplateView

from phiward.core.errors import PhiwardError
from phiward.risk import services
from phiward.risk.forms import AcceptProposalForm, DismissForm
from phiward.risk.models import ProposalStatus, RiskAnalysis, RiskProposal
from phiward.risk.scoring import spec
from phiward.risk.views.analyses import steps
from phiward.risk.views.base import FormPage, RiskView
from phiward.web.formpage import fail
from phiward.web.orgviews import current_user

PAGE = 50
ALL = "all"


class ProposalListView(RiskView, TemplateView):
    nav = "risk-analyses"
    template_name = "risk/proposals.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        analysis = self.get_object(RiskAnalysis, kwargs["pk"])
        proposals = RiskProposal.objects.filter(analysis=analysis)
        counts = Counter(proposals.values_list("status", flat=True))
        status = self.request.GET.get("status", ProposalStatus.PROPOSED)
        if status != ALL and status not in ProposalStatus.values:
            status = ProposalStatus.PROPOSED
        if status != ALL:
            proposals = proposals.filter(status=status)
        proposals = proposals.select_related("threat", "vulnerability", "risk", "decided_by")
        page = Paginator(proposals.order_by("rule", "subject_label", "pk"), PAGE).get_page(
            self.request.GET.get("page")
        )
        context.update(
            analysis=analysis,
            steps=steps(analysis, "proposals"),
            method=spec(analysis.method),
            status=status,
            tabs=[(s.value, s.label, counts.get(s.value, 0)) for s in ProposalStatus]
            + [(ALL, "All", sum(counts.values()))],
            page_obj=page,
            proposals=page.object_list,
            query_string=QueryDict.fromkeys(["status"], status).urlencode(),
            dismiss_form=DismissForm(),
        )
        return context


class SyncView(RiskView):
    """Run the proposal rules over the analysis's scope now."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        analysis = self.get_object(RiskAnalysis, kwargs["pk"])
        target = self.url("proposals", analysis.pk)
        try:
            result = services.sync_proposals(analysis)
        except PhiwardError as exc:
            return fail(request, exc, target)
        messages.success(request, f"Proposals brought up to date: {result.describe()}.")
        return HttpResponseRedirect(target)


class ProposalPage(FormPage):
    nav = "risk-analyses"
    proposal: RiskProposal

    def load(self, **kwargs: Any) -> None:
        self.proposal = self.get_object(
            RiskProposal, kwargs["pk"], "analysis", "threat", "vulnerability"
        )

    def cancel_url(self) -> str:
        return self.url("proposals", self.proposal.analysis_id)

    def page_context(self) -> dict[str, Any]:
        return {"proposal": self.proposal, "method": spec(self.proposal.analysis.method)}


class AcceptView(ProposalPage):
    """Accept a proposal into the register; every field may stay as proposed."""

    template_name = "risk/proposal_form.html"

    def heading(self) -> str:
        return f"Accept: {self.proposal.subject_label}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        method = spec(self.proposal.analysis.method)
        initial: dict[str, Any] = {"title": services.default_title(self.proposal)}
        for name in ("likelihood", "impact"):
            value = getattr(self.proposal, f"suggested_{name}")
            if value is not None and 1 <= value <= method.size:
                initial[name] = value
        return AcceptProposalForm(
            data, organization=self.org, method=method.method, initial=initial
        )

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        risk = services.accept_proposal(
            self.proposal,
            current_user(self.request),
            title=data["title"].strip() or None,
            current_controls=data["current_controls"],
            likelihood=data["likelihood"],
            impact=data["impact"],
            residual_likelihood=data["residual_likelihood"],
            residual_impact=data["residual_impact"],
            owner=data["owner"],
        )
        messages.success(self.request, f"Accepted into the register as {risk}.")
        return HttpResponseRedirect(self.cancel_url())


class DismissView(ProposalPage):
    template_name = "risk/proposal_form.html"

    def heading(self) -> str:
        return f"Dismiss: {self.proposal.subject_label}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return DismissForm(data)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        services.dismiss_proposal(
            self.proposal, current_user(self.request), form.cleaned_data["reason"]
        )
        messages.success(self.request, f"Dismissed: {self.proposal}.")
        return HttpResponseRedirect(self.cancel_url())
