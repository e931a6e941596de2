"""The breach assessment: affected individuals, the facts form, the determination with its
reasoning, sign-off, and closing obligations (notice sent, or not required)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.views.generic import TemplateView

from phiward.core.errors import InputProblems, InvalidInput, PermissionDenied, Problem
from phiward.core.permissions import Action, Area
from phiward.incidents import services
from phiward.incidents.forms.assessment import AssessmentForm, initial_from_facts
from phiward.incidents.forms.response import AffectedForm, NotRequiredForm, SentForm, counts_text
from phiward.incidents.models import (
    AffectedCount,
    AffectedIndividuals,
    BreachAssessment,
    Incident,
    Obligation,
    ObligationStatus,
    PhiInvolved,
)
from phiward.incidents.views.base import IncidentView, as_id
from phiward.incidents.views.incidents import IncidentPage
from phiward.web.formpage import fail
from phiward.web.orgviews import current_user


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def incident_facts(incident: Incident) -> dict[str, object]:
    """A first draft of the facts from what triage recorded (for an incident's first run)."""
    phi = {PhiInvolved.YES: "true", PhiInvolved.NO: "false"}.get(PhiInvolved(incident.phi_involved))
    initial: dict[str, object] = {}
    if phi:
        initial["phi__involved"] = phi
    if incident.occurred_at:
        initial["dates__occurred_on"] = _day(incident.occurred_at)
    if incident.discovered_at:
        initial["dates__discovered_on"] = _day(incident.discovered_at)
    return initial


class AffectedView(IncidentPage):
    """Affected individuals per State: typed counts or an uploaded list."""

    template_name = "incidents/affected.html"
    multipart = True

    def heading(self) -> str:
        return f"Affected individuals of {self.incident_obj.reference}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        counts = AffectedCount.objects.filter(incident=self.incident_obj).order_by("state")
        info = AffectedIndividuals.objects.filter(incident=self.incident_obj).first()
        initial = {"counts": counts_text(counts), "estimated": bool(info and info.estimated)}
        files = self.request.FILES if data is not None else None
        return AffectedForm(data, files, initial=initial)

    def page_context(self) -> dict[str, Any]:
        return {
            "incident": self.incident_obj,
            "affected": AffectedIndividuals.objects.filter(incident=self.incident_obj).first(),
        }

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        user = current_user(self.request)
        upload = data.get("upload")
        if upload is not None:
            try:
                rows = services.upload_affected_list(
                    self.incident_obj, user, upload.read(), name=upload.name or "list.csv"
                )
            except InputProblems as exc:
                raise InputProblems(
                    [Problem(str(p), field="upload") for p in exc.problems]
                ) from exc
        else:
            rows = services.set_affected_counts(
                self.incident_obj, user, data["counts"], estimated=data["estimated"]
            )
        total = sum(r.individuals for r in rows)
        messages.success(self.request, f"Saved: {total} individuals in {len(rows)} State(s).")
        return HttpResponseRedirect(self.cancel_url() + "#breach")


class AssessmentView(IncidentPage):
    """The facts form; submitting runs the engine and shows its determination."""

    template_name = "incidents/assessment.html"

    def heading(self) -> str:
        return f"Breach assessment of {self.incident_obj.reference}"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        incident = self.incident_obj
        current = services.current_assessment(incident)
        if current is not None and isinstance(current.facts, dict):
            initial = initial_from_facts(current.facts)
        else:
            initial = incident_facts(incident)
            people = services.individuals_facts(incident)
            if people is not None:
                initial.update(initial_from_facts({"individuals": people}))
        return AssessmentForm(data, initial=initial)

    def problem_aliases(self, form: forms.BaseForm) -> dict[str, str]:
        assert isinstance(form, AssessmentForm)
        return form.aliases()

    def page_context(self) -> dict[str, Any]:
        incident = self.incident_obj
        people = services.individuals_facts(incident)
        return {
            "incident": incident,
            "current": services.current_assessment(incident),
            "counts_from_list": bool(people and people.get("list")),
        }

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        assert isinstance(form, AssessmentForm)
        incident = self.incident_obj
        people = services.individuals_facts(incident) or {}
        listed = people.get("list")
        facts = form.to_facts(
            entity_name=self.org.name,
            description=f"{incident.reference}: {incident.title}",
            as_of=timezone.localdate(),
            uploaded_list=listed if isinstance(listed, dict) else None,
        )
        assessment = services.assess(incident, facts, current_user(self.request))
        messages.success(
            self.request,
            f"Assessment {assessment.number}: {assessment.get_outcome_display()}. "
            "Review the reasoning, then sign it off.",
        )
        return HttpResponseRedirect(self.url("determination", incident.pk))


def _result_obligations(assessment: BreachAssessment) -> list[dict[str, Any]]:
    """The obligations the engine computed (before sign-off creates them as records)."""
    raw = assessment.result.get("obligations") if isinstance(assessment.result, dict) else None
    rows = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict):
            row = dict(item)
            for key in ("due_on", "delayed_until"):
                value = row.get(key)
                row[key] = dt.date.fromisoformat(value) if isinstance(value, str) else None
            rows.append(row)
    return rows


def _determination(assessment: BreachAssessment) -> dict[str, Any]:
    result = assessment.result if isinstance(assessment.result, dict) else {}
    found = result.get("determination")
    return found if isinstance(found, dict) else {}


class DeterminationView(IncidentView, TemplateView):
    """The current (or a chosen) assessment: outcome, every reasoning step with its citation,
    the obligations and their due dates, and the sign-off."""

    template_name = "incidents/determination.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = self.incident(int(kwargs["pk"]))
        history = list(
            BreachAssessment.objects.filter(incident=incident)
            .select_related("created_by", "signed_off_by")
            .order_by("-number")
        )
        chosen = as_id(self.request.GET.get("number", ""))
        if chosen is not None:
            assessment = next((a for a in history if a.number == chosen), None)
            if assessment is None:
                raise Http404("No such assessment of this incident.")
        else:
            assessment = next((a for a in history if a.is_current), None)
        records: list[Obligation] = []
        if assessment is not None and assessment.is_signed:
            records = list(
                Obligation.objects.filter(assessment=assessment)
                .select_related("closed_by", "evidence")
                .order_by("due_on", "pk")
            )
        determination = _determination(assessment) if assessment else {}
        context.update(
            incident=incident,
            assessment=assessment,
            history=history,
            determination=determination,
            steps=determination.get("steps") or [],
            obligation_records=records,
            computed_obligations=_result_obligations(assessment)
            if assessment is not None and not assessment.is_signed
            else [],
            intact=assessment.verify() if assessment is not None else True,
            may_sign=assessment is not None
            and assessment.is_current
            and not assessment.is_signed
            and self.can(Action.APPROVE),
        )
        return context


class SignOffView(IncidentView):
    """Sign the current assessment off (approvers only): who and when are recorded."""

    write_action = Action.APPROVE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.incident(int(kwargs["pk"]))
        target = self.url("determination", incident.pk)
        assessment = services.current_assessment(incident)
        if assessment is None:
            messages.error(request, "Run the breach assessment first.")
            return HttpResponseRedirect(target)
        try:
            signed = services.sign_off(assessment, current_user(request))
        except (InvalidInput, PermissionDenied) as exc:
            return fail(request, exc, target)
        count = Obligation.objects.filter(assessment=signed).count()
        messages.success(
            request,
            f"Signed off assessment {signed.number}: {signed.get_outcome_display()}; "
            f"{count} obligation(s).",
        )
        return HttpResponseRedirect(target)


class SentView(IncidentPage):
    """Record a notice as sent (date, method, evidence): it closes the obligation."""

    template_name = "incidents/sent.html"

    def heading(self) -> str:
        return f"Record a notice of {self.incident_obj.reference} as sent"

    def open_obligations(self) -> Any:
        return Obligation.objects.filter(
            incident=self.incident_obj, status=ObligationStatus.OPEN
        ).order_by("due_on", "pk")

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        initial: dict[str, Any] = {"sent_on": timezone.localdate()}
        for name in ("obligation", "evidence"):
            value = as_id(self.request.GET.get(name, ""))
            if value is not None:
                initial[name] = value
        return SentForm(
            data,
            organization=self.org,
            obligations=self.open_obligations(),
            sees_evidence=self.can(Action.READ, Area.EVIDENCE),
            initial=initial,
        )

    def page_context(self) -> dict[str, Any]:
        return {"incident": self.incident_obj, "has_open": self.open_obligations().exists()}

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        obligation = services.record_sent(
            data["obligation"],
            current_user(self.request),
            sent_on=data["sent_on"],
            method=data["method"],
            evidence=data.get("evidence"),
            notes=data["notes"],
        )
        messages.success(self.request, f"Recorded as sent: {obligation.title}.")
        return HttpResponseRedirect(self.cancel_url() + "#breach")


class NotRequiredView(IncidentView):
    """Close an obligation that does not apply after all (with the reason)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.incident(int(kwargs["pk"]))
        target = self.url("detail", incident.pk) + "#breach"
        form = NotRequiredForm(request.POST)
        obligation = None
        if form.is_valid():
            obligation = Obligation.objects.filter(
                incident=incident, pk=form.cleaned_data["obligation"]
            ).first()
        if obligation is None:
            messages.error(request, "Choose an obligation of this incident and give a reason.")
            return HttpResponseRedirect(target)
        try:
            services.mark_not_required(
                obligation, current_user(request), reason=form.cleaned_data["reason"]
            )
        except InvalidInput as exc:
            return fail(request, exc, target)
        messages.success(request, f"Marked not required: {obligation.title}.")
        return HttpResponseRedirect(target)
