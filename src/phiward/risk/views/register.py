"""The risk register: the list (filters, search, htmx, pagination), one risk's page, adding a
risk by hand, editing, rating, confirming a rating, closing and re-opening."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.generic import ListView

from phiward.core.errors import InvalidInput
from phiward.core.models import display_name
from phiward.core.permissions import Action, Area
from phiward.risk import services
from phiward.risk.changes import open_reasons
from phiward.risk.forms import NoteForm, RateForm, ReasonForm, RiskForm
from phiward.risk.lookups import level_q
from phiward.risk.models import (
    OPEN_TREATMENT,
    Risk,
    RiskAnalysis,
    RiskAsset,
    RiskStatus,
    Threat,
    Treatment,
)
from phiward.risk.scoring import Level, spec
from phiward.risk.versions import UNRATED
from phiward.risk.views.base import FormPage, RiskView
from phiward.web.formpage import fail
from phiward.web.orgviews import current_user, is_partial_request

NO_OWNER = "none"
YES_NO = [("yes", "Yes"), ("no", "No")]
_REFERENCE = re.compile(r"^\s*R-?0*(\d{1,9})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Filter:
    param: str
    label: str
    choices: list[tuple[str, str]]


class RegisterView(RiskView, ListView):
    nav = "risk-register"
    template_name = "risk/register.html"
    partial_template = "risk/_register_table.html"
    paginate_by = 50

    def filters(self) -> list[Filter]:
        people = User.objects.filter(memberships__organization=self.org).order_by("username")
        threats = Threat.objects.for_org(self.org).order_by("name").values_list("key", "name")
        analyses = RiskAnalysis.objects.for_org(self.org).order_by("-started_on", "-pk")
        return [
            Filter("status", "Status", list(RiskStatus.choices)),
            Filter(
                "level",
                "Level",
                [(lv.value, lv.label) for lv in sorted(Level, key=lambda lv: -lv.severity)]
                + [(UNRATED, "Not rated")],
            ),
            Filter("reassess", "Needs re-assessment", YES_NO),
            Filter(
                "owner",
                "Owner",
                [(NO_OWNER, "No owner")] + [(u.get_username(), display_name(u)) for u in people],
            ),
            Filter("threat", "Threat", list(threats)),
            Filter("analysis", "Analysis", [(str(a.pk), a.title) for a in analyses]),
        ]

    def chosen(self, filters: list[Filter]) -> dict[str, str]:
        found = {}
        for spec_ in filters:
            value = self.request.GET.get(spec_.param, "")
            found[spec_.param] = value if value in {k for k, _ in spec_.choices} else ""
        return found

    def get_queryset(self) -> QuerySet[Risk]:
        risks = Risk.objects.for_org(self.org).select_related(
            "analysis", "threat", "vulnerability", "owner"
        )
        chosen = self.chosen(self.filters())
        if chosen["status"]:
            risks = risks.filter(status=chosen["status"])
        if chosen["level"]:
            risks = risks.filter(level_q(chosen["level"]))
        if chosen["reassess"]:
            risks = risks.filter(needs_reassessment=chosen["reassess"] == "yes")
        if chosen["owner"] == NO_OWNER:
            risks = risks.filter(owner=None)
        elif chosen["owner"]:
            risks = risks.filter(owner__username=chosen["owner"])
        if chosen["threat"]:
            risks = risks.filter(threat__key=chosen["threat"])
        if chosen["analysis"]:
            risks = risks.filter(analysis_id=int(chosen["analysis"]))
        query = self.request.GET.get("q", "").strip()
        if query:
            text = (
                Q(title__icontains=query)
                | Q(description__icontains=query)
                | Q(threat__name__icontains=query)
                | Q(vulnerability__name__icontains=query)
            )
            reference = _REFERENCE.match(query)
            if reference:
                text |= Q(number=int(reference[1]))
            risks = risks.filter(text)
        today = timezone.localdate()
        return risks.annotate(
            open_treatments=Count("treatments", filter=Q(treatments__status__in=OPEN_TREATMENT)),
            overdue_treatments=Count(
                "treatments",
                filter=Q(treatments__status__in=OPEN_TREATMENT, treatments__due_on__lt=today),
            ),
        ).order_by("number")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = self.filters()
        chosen = self.chosen(filters)
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            filters=[(f, chosen[f.param]) for f in filters],
            q=self.request.GET.get("q", ""),
            query_string=params.urlencode(),
            plural="Risks",
            can_export=self.can(Action.EXPORT),
        )
        return context

    def get_template_names(self) -> list[str]:
        if is_partial_request(self.request):
            return [self.partial_template]
        return [self.template_name]

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        patch_vary_headers(response, ["HX-Request"])
        return response


# --- one risk -----------------------------------------------------------------------------------


def safeguard_links(risk: Risk) -> list[tuple[str, str, str, str]]:
    """The Security Rule safeguards linked to the risk: (spec id, key, title, status label)."""
    from phiward.safeguards.models import SafeguardRisk, security_entry

    rows = []
    for link in (
        SafeguardRisk.objects.for_org(risk.organization)
        .filter(risk=risk)
        .select_related("safeguard")
        .order_by("safeguard__spec_id")
    ):
        entry = security_entry(link.safeguard.spec_id)
        if entry is not None:
            label = link.safeguard.get_status_display()
            rows.append((entry.id, entry.key, entry.title, label))
    return rows


class RiskDetailView(RiskView, ListView):
    """A risk with its ratings, reasons to re-assess, treatments and tasks, and safeguards."""

    template_name = "risk/risk_detail.html"
    nav = "risk-register"

    def get_queryset(self) -> QuerySet[Treatment]:
        return (
            Treatment.objects.filter(risk=self.risk)
            .select_related("owner", "approved_by")
            .prefetch_related("tasks__owner")
            .order_by("pk")
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.risk = self.get_object(
            Risk,
            kwargs["pk"],
            "analysis",
            "threat",
            "vulnerability",
            "vendor",
            "data_flow",
            "owner",
            "assessed_by",
            "proposal",
        )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        risk = self.risk
        sees_safeguards = self.can(Action.READ, Area.SAFEGUARDS)
        context.update(
            risk=risk,
            method=spec(risk.analysis.method),
            assets=[
                link.asset for link in RiskAsset.objects.filter(risk=risk).select_related("asset")
            ],
            reasons=open_reasons(risk),
            resolved=risk.reassessments.exclude(resolved_at=None)
            .select_related("resolved_by")
            .order_by("-resolved_at")[:10],
            treatments=context["object_list"],
            safeguards=safeguard_links(risk) if sees_safeguards else None,
            confirm_form=NoteForm(),
            reason_form=ReasonForm(),
            today=timezone.localdate(),
        )
        return context


class RiskPage(FormPage):
    nav = "risk-register"
    risk: Risk

    def load(self, **kwargs: Any) -> None:
        self.risk = self.get_object(Risk, kwargs["pk"], "analysis", "threat", "vulnerability")

    def cancel_url(self) -> str:
        return self.url("risk-detail", self.risk.pk)

    def page_context(self) -> dict[str, Any]:
        return {"risk": self.risk}


class RiskCreateView(FormPage):
    nav = "risk-register"
    template_name = "risk/risk_form.html"
    read_action = Action.CREATE
    write_action = Action.CREATE

    def heading(self) -> str:
        return "Add a risk"

    def cancel_url(self) -> str:
        return self.url("register")

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        latest = services.latest_analysis(self.org)
        initial = {"analysis": latest.pk} if latest is not None else {}
        return RiskForm(data, organization=self.org, initial=initial)

    def page_context(self) -> dict[str, Any]:
        return {"has_analysis": RiskAnalysis.objects.for_org(self.org).exists()}

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        risk = services.add_risk(
            data["analysis"],
            current_user(self.request),
            title=data["title"],
            threat=data["threat"],
            vulnerability=data["vulnerability"],
            description=data["description"],
            assets=list(data["assets"]),
            vendor=data["vendor"],
            data_flow=data["data_flow"],
            current_controls=data["current_controls"],
            owner=data["owner"],
        )
        messages.success(self.request, f"Added {risk}. Rate it next.")
        return HttpResponseRedirect(self.url("risk-rate", risk.pk))


class RiskEditView(RiskPage):
    template_name = "risk/risk_form.html"

    def heading(self) -> str:
        return f"Edit {self.risk}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        risk = self.risk
        initial = {
            "title": risk.title,
            "description": risk.description,
            "current_controls": risk.current_controls,
            "owner": risk.owner_id,
            "assets": list(RiskAsset.objects.filter(risk=risk).values_list("asset_id", flat=True)),
        }
        return RiskForm(data, organization=self.org, creating=False, initial=initial)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        services.update_risk(
            self.risk,
            current_user(self.request),
            title=data["title"],
            description=data["description"],
            current_controls=data["current_controls"],
            owner=data["owner"],
            assets=list(data["assets"]),
        )
        messages.success(self.request, f"Saved {self.risk}.")
        return HttpResponseRedirect(self.cancel_url())


class RateView(RiskPage):
    template_name = "risk/rate.html"

    def heading(self) -> str:
        return f"Rate {self.risk}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        risk = self.risk
        initial = {
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "residual_likelihood": risk.residual_likelihood,
            "residual_impact": risk.residual_impact,
            "current_controls": risk.current_controls,
            "owner": risk.owner_id,
        }
        return RateForm(data, organization=self.org, method=risk.analysis.method, initial=initial)

    def page_context(self) -> dict[str, Any]:
        return {
            "risk": self.risk,
            "method": spec(self.risk.analysis.method),
            "reasons": open_reasons(self.risk),
        }

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        services.rate_risk(
            self.risk,
            current_user(self.request),
            likelihood=data["likelihood"],
            impact=data["impact"],
            residual_likelihood=data["residual_likelihood"],
            residual_impact=data["residual_impact"],
            current_controls=data["current_controls"],
            owner=data["owner"],
        )
        level = self.risk.level
        messages.success(
            self.request, f"Rated {self.risk.reference}: {level.label if level else 'not rated'}."
        )
        return HttpResponseRedirect(self.cancel_url())


class ConfirmView(RiskView):
    """The rating stands: resolve the risk's reasons to re-assess it."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        risk = self.get_object(Risk, kwargs["pk"])
        target = self.url("risk-detail", risk.pk)
        form = NoteForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            services.confirm_risk(risk, current_user(request), note)
        except InvalidInput as exc:
            return fail(request, exc, target)
        messages.success(request, f"Confirmed the rating of {risk.reference}.")
        return HttpResponseRedirect(target)


class CloseView(RiskPage):
    template_name = "risk/form.html"

    def heading(self) -> str:
        return f"Close {self.risk}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return ReasonForm(data)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        services.close_risk(self.risk, current_user(self.request), form.cleaned_data["reason"])
        messages.success(self.request, f"Closed {self.risk.reference}.")
        return HttpResponseRedirect(self.cancel_url())


class ReopenView(CloseView):
    def heading(self) -> str:
        return f"Re-open {self.risk}"

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        services.reopen_risk(self.risk, current_user(self.request), form.cleaned_data["reason"])
        messages.success(self.request, f"Re-opened {self.risk.reference}; re-assess it.")
        return HttpResponseRedirect(self.cancel_url())
