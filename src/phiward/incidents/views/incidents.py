"""The incident list (filters, counts, open deadlines), one incident's page, triage, status,
the timeline and the playbook checklist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils.cache import patch_vary_headers
from django.views.generic import ListView, TemplateView

from phiward.core.errors import InvalidInput
from phiward.core.permissions import Action, Area
from phiward.incidents import services
from phiward.incidents.forms.incident import StatusForm, TimelineForm, TriageForm
from phiward.incidents.models import (
    PHASE_ORDER,
    Category,
    Incident,
    IncidentAsset,
    IncidentStep,
    IncidentVendor,
    ObligationStatus,
    Phase,
    Severity,
    Status,
)
from phiward.incidents.views import breach_section
from phiward.incidents.views.base import FormPage, IncidentView, as_id
from phiward.web.formpage import fail
from phiward.web.orgviews import current_user, is_partial_request

OPEN = "open"  # the status filter's extra choice: every status but closed
_OPEN_OBLIGATION = Q(obligations__status=ObligationStatus.OPEN)


@dataclass(frozen=True)
class Filter:
    param: str
    label: str
    choices: list[tuple[str, str]]


FILTERS = [
    Filter("status", "Status", [(OPEN, "Open (not closed)"), *Status.choices]),
    Filter("category", "Category", list(Category.choices)),
    Filter("severity", "Severity", list(Severity.choices)),
]


class IncidentListView(IncidentView, ListView[Incident]):
    template_name = "incidents/list.html"
    partial_template = "incidents/_table.html"
    paginate_by = 50

    def chosen(self) -> dict[str, str]:
        found = {}
        for spec in FILTERS:
            value = self.request.GET.get(spec.param, "")
            found[spec.param] = value if value in {k for k, _ in spec.choices} else ""
        return found

    def get_queryset(self) -> QuerySet[Incident]:
        incidents = Incident.objects.for_org(self.org).select_related("handler")
        chosen = self.chosen()
        if chosen["status"] == OPEN:
            incidents = incidents.exclude(status=Status.CLOSED)
        elif chosen["status"]:
            incidents = incidents.filter(status=chosen["status"])
        if chosen["category"]:
            incidents = incidents.filter(category=chosen["category"])
        if chosen["severity"]:
            incidents = incidents.filter(severity=chosen["severity"])
        query = self.request.GET.get("q", "").strip()
        if query:
            text = Q(title__icontains=query)
            number = as_id(query.upper().removeprefix("INC-"))
            if number is not None and number < 2**31:
                text |= Q(number=number)
            incidents = incidents.filter(text)
        return incidents.annotate(
            closed_last=Case(
                When(status=Status.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            open_obligations=Count("obligations", filter=_OPEN_OBLIGATION),
            next_due=Min("obligations__due_on", filter=_OPEN_OBLIGATION),
        ).order_by("closed_last", "-number")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        chosen = self.chosen()
        params = self.request.GET.copy()
        params.pop("page", None)
        by_status = dict(
            Incident.objects.for_org(self.org)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        context.update(
            filters=[(f, chosen[f.param]) for f in FILTERS],
            q=self.request.GET.get("q", ""),
            query_string=params.urlencode(),
            plural="Incidents",
            status_counts=[(s, label, by_status.get(s, 0)) for s, label in Status.choices],
            open_count=sum(n for s, n in by_status.items() if s != Status.CLOSED),
            deadlines=breach_section.open_deadlines(self.org),
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


def steps_by_phase(incident: Incident) -> list[tuple[str, str, list[IncidentStep]]]:
    """The incident's checklist grouped by phase, in phase order: (phase, label, steps)."""
    steps = IncidentStep.objects.filter(incident=incident).select_related("done_by")
    grouped: dict[str, list[IncidentStep]] = {phase: [] for phase in PHASE_ORDER}
    for step in steps.order_by("order"):
        grouped.setdefault(step.phase, []).append(step)
    labels = dict(Phase.choices)
    return [(p, labels.get(p, p), grouped[p]) for p in grouped if grouped[p]]


class IncidentDetailView(IncidentView, TemplateView):
    template_name = "incidents/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = self.incident(int(kwargs["pk"]))
        sees_evidence = self.can(Action.READ, Area.EVIDENCE)
        steps = steps_by_phase(incident)
        applied = sorted({s.playbook_title for _, _, group in steps for s in group})
        context.update(
            incident=incident,
            assets=[
                link.asset
                for link in IncidentAsset.objects.filter(incident=incident).select_related("asset")
            ],
            vendors=[
                link.vendor
                for link in IncidentVendor.objects.filter(incident=incident).select_related(
                    "vendor"
                )
            ],
            transitions=[(s, Status(s).label) for s in services.allowed_statuses(incident)],
            timeline=incident.timeline.select_related("author", "evidence").order_by("at", "pk"),
            timeline_form=TimelineForm(organization=self.org, sees_evidence=sees_evidence),
            sees_evidence=sees_evidence,
            steps=steps,
            steps_done=sum(1 for _, _, g in steps for s in g if s.done_at),
            steps_total=sum(len(g) for _, _, g in steps),
            playbooks_applied=applied,
            categories=Category.choices,
            **breach_section.context(incident, self.can(Action.READ, Area.RISK)),
        )
        return context


class IncidentPage(FormPage):
    incident_obj: Incident

    def load(self, **kwargs: Any) -> None:
        self.incident_obj = self.incident(int(kwargs["pk"]))

    def cancel_url(self) -> str:
        return self.url("detail", self.incident_obj.pk)

    def page_context(self) -> dict[str, Any]:
        return {"incident": self.incident_obj}


class TriageView(IncidentPage):
    def heading(self) -> str:
        return f"Triage {self.incident_obj.reference}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        incident = self.incident_obj
        initial = {
            "title": incident.title,
            "description": incident.description,
            "category": incident.category,
            "severity": incident.severity,
            "handler": incident.handler_id,
            "occurred_at": incident.occurred_at,
            "discovered_at": incident.discovered_at,
            "phi_involved": incident.phi_involved,
            "assets": list(
                IncidentAsset.objects.filter(incident=incident).values_list("asset_id", flat=True)
            ),
            "vendors": list(
                IncidentVendor.objects.filter(incident=incident).values_list("vendor_id", flat=True)
            ),
        }
        return TriageForm(data, organization=self.org, initial=initial)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        services.update_triage(
            self.incident_obj,
            current_user(self.request),
            title=data["title"],
            description=data["description"],
            category=data["category"],
            severity=data["severity"],
            handler=data["handler"],
            occurred_at=data["occurred_at"],
            discovered_at=data["discovered_at"],
            phi_involved=data["phi_involved"],
            assets=list(data["assets"]),
            vendors=list(data["vendors"]),
        )
        messages.success(self.request, f"Saved the triage of {self.incident_obj.reference}.")
        return HttpResponseRedirect(self.cancel_url())


class StatusView(IncidentView):
    """Move the incident to one of its allowed statuses (a button per status)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.incident(int(kwargs["pk"]))
        target = self.url("detail", incident.pk)
        form = StatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a status.")
            return HttpResponseRedirect(target)
        try:
            incident = services.change_status(
                incident,
                form.cleaned_data["status"],
                current_user(request),
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as exc:
            return fail(request, exc, target)
        messages.success(request, f"{incident.reference} is now {incident.get_status_display()}.")
        return HttpResponseRedirect(target)


class TimelineView(IncidentPage):
    """Add an entry to the timeline (the detail page has the same form inline)."""

    def heading(self) -> str:
        return f"Add to the timeline of {self.incident_obj.reference}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return TimelineForm(
            data, organization=self.org, sees_evidence=self.can(Action.READ, Area.EVIDENCE)
        )

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        services.add_timeline_entry(
            self.incident_obj,
            current_user(self.request),
            kind=data["kind"],
            text_=data["text"],
            at=data["at"],
            evidence=data.get("evidence"),
        )
        messages.success(self.request, "Added to the timeline.")
        return HttpResponseRedirect(self.cancel_url() + "#timeline")


class PlaybookApplyView(IncidentView):
    """Apply the playbook of the incident's category (or of the category chosen)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.incident(int(kwargs["pk"]))
        target = self.url("detail", incident.pk) + "#playbook"
        category = request.POST.get("category", "") or incident.category
        if category not in Category.values:
            messages.error(request, "Choose a category's playbook.")
            return HttpResponseRedirect(target)
        try:
            playbook = services.playbook_for(self.org, category)
            copies = services.apply_playbook(incident, current_user(request), playbook)
        except InvalidInput as exc:
            return fail(request, exc, target)
        messages.success(request, f"Applied '{playbook.title}': {len(copies)} steps.")
        return HttpResponseRedirect(target)


class StepCheckView(IncidentView):
    """Check a step of the incident's checklist off (the step is named in the body)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.incident(int(kwargs["pk"]))
        target = self.url("detail", incident.pk) + "#playbook"
        pk = as_id(request.POST.get("step", ""))
        step = (
            IncidentStep.objects.for_org(self.org).filter(incident=incident, pk=pk).first()
            if pk is not None
            else None
        )
        if step is None:
            messages.error(request, "Choose a step of this incident's checklist.")
            return HttpResponseRedirect(target)
        try:
            services.check_step(step, current_user(request), note=request.POST.get("note", ""))
        except InvalidInput as exc:
            return fail(request, exc, target)
        messages.success(request, f"Checked off step {step.order}.")
        return HttpResponseRedirect(target)
