"""Notice drafts (individual letter, next of kin, media per State, substitute web notice, the
HHS portal's fields), what they say, the organization's contact details, and the annual HHS
log of breaches under 500."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.generic import TemplateView

from phiward.breach import hhs_log
from phiward.core.errors import InvalidInput
from phiward.core.permissions import Action
from phiward.incidents import services
from phiward.incidents.forms.response import NoticeSettingsForm, NoticeTextForm
from phiward.incidents.models import Obligation, ObligationStatus
from phiward.incidents.views.base import FormPage, IncidentView, as_id
from phiward.incidents.views.breach_section import obligation_for_draft
from phiward.incidents.views.incidents import IncidentPage
from phiward.web.formpage import fail
from phiward.web.orgviews import current_user

OLDEST_YEAR = 2009  # the Breach Notification Rule applies from 23 September 2009 (164.400)


class NoticesView(IncidentView, TemplateView):
    """Every draft the determination in force calls for, printable, with its element check."""

    template_name = "incidents/notices.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = self.incident(int(kwargs["pk"]))
        try:
            drafts = services.notice_drafts(incident)
        except InvalidInput as exc:
            drafts, missing = None, str(exc)
        else:
            missing = ""
        open_keys = dict(
            Obligation.objects.filter(incident=incident, status=ObligationStatus.OPEN)
            .order_by("pk")
            .values_list("key", "pk")
        )
        portal_sections: list[tuple[str, list[Any]]] = []
        for field in drafts.portal if drafts else ():
            if not portal_sections or portal_sections[-1][0] != field.section:
                portal_sections.append((field.section, []))
            portal_sections[-1][1].append(field)
        context.update(
            incident=incident,
            drafts=drafts,
            no_drafts=missing,
            notices=[
                (d.key, d.notice, open_keys.get(obligation_for_draft(d.key)))
                for d in (drafts.drafts if drafts else ())
            ],
            portal_sections=portal_sections,
            hhs_obligation=open_keys.get("hhs"),
            print_page=True,
        )
        return context


class NoticeKeepView(IncidentView):
    """Keep a notice as sent in the evidence library, then record it as sent with it."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.incident(int(kwargs["pk"]))
        target = self.url("notices", incident.pk)
        key = request.POST.get("key", "")
        try:
            item = services.save_notice_as_evidence(incident, key, current_user(request))
        except InvalidInput as exc:
            return fail(request, exc, target)
        messages.success(request, f"Kept the notice as evidence {item.reference}.")
        obligation = (
            Obligation.objects.filter(
                incident=incident, key=obligation_for_draft(key), status=ObligationStatus.OPEN
            )
            .values_list("pk", flat=True)
            .first()
        )
        query = f"?evidence={item.pk}" + (f"&obligation={obligation}" if obligation else "")
        return HttpResponseRedirect(self.url("sent", incident.pk) + query)


class NoticeTextView(IncidentPage):
    """What the incident's notices say, in plain language."""

    def heading(self) -> str:
        return f"What the notices of {self.incident_obj.reference} say"

    def cancel_url(self) -> str:
        return self.url("notices", self.incident_obj.pk)

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        words = services.notice_text(self.incident_obj)
        initial = {
            "what_happened": words.what_happened,
            "phi_types": list(words.phi_types or []),
            "steps_for_individuals": words.steps_for_individuals,
            "what_we_are_doing": words.what_we_are_doing,
        }
        return NoticeTextForm(data, initial=initial)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        services.update_notice_text(
            self.incident_obj,
            current_user(self.request),
            what_happened=data["what_happened"],
            phi_types=data["phi_types"],
            steps_for_individuals=data["steps_for_individuals"],
            what_we_are_doing=data["what_we_are_doing"],
        )
        messages.success(self.request, "Saved what the notices say.")
        return HttpResponseRedirect(self.cancel_url())


class NoticeSettingsView(FormPage):
    """How affected individuals can reach the organization (every notice prints it)."""

    def heading(self) -> str:
        return "Contact details for breach notices"

    def cancel_url(self) -> str:
        back = self.request.GET.get("next", "")
        prefix = reverse("incidents:list", args=[self.org.slug])
        return back if back.startswith(prefix) and "//" not in back else prefix

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        current = services.notice_settings(self.org)
        initial = {
            "contact_toll_free": current.contact_toll_free,
            "contact_email": current.contact_email,
            "contact_website": current.contact_website,
            "contact_address": current.contact_address,
        }
        return NoticeSettingsForm(data, initial=initial)

    def page_context(self) -> dict[str, Any]:
        return {
            "intro": "Every notice tells people how to reach you (45 CFR 164.404(c)(1)(E)): "
            "give at least one of these."
        }

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        services.update_notice_settings(self.org, current_user(self.request), **data)
        messages.success(self.request, "Saved the contact details for notices.")
        return HttpResponseRedirect(self.cancel_url())


def default_year() -> int:
    """Last year's log while its submission is not yet past due, else this year's."""
    today = timezone.localdate()
    last = today.year - 1
    return last if today <= hhs_log.submission_due(last) else today.year


def chosen_year(request: HttpRequest) -> int:
    year = as_id(request.GET.get("year", ""))
    if year is not None and OLDEST_YEAR <= year <= timezone.localdate().year:
        return year
    return default_year()


class HhsLogView(IncidentView, TemplateView):
    """The annual log of breaches affecting fewer than 500 (164.408(c)) for one year."""

    template_name = "incidents/hhs_log.html"
    nav = "incidents-hhs-log"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = chosen_year(self.request)
        entries = services.annual_log_entries(self.org, year)
        this_year = timezone.localdate().year
        context.update(
            year=year,
            years=list(range(this_year, OLDEST_YEAR - 1, -1)),
            entries=entries,
            rows=list(zip(entries, hhs_log.log_rows(entries), strict=True)),
            due=hhs_log.submission_due(year),
        )
        return context


class HhsLogCsvView(IncidentView):
    """The year's log as CSV, for the HHS submission."""

    read_action = Action.EXPORT
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        year = chosen_year(request)
        body = hhs_log.log_csv(services.annual_log_entries(self.org, year))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            content_disposition_header(
                as_attachment=True, filename=f"{self.org.slug}-hhs-breach-log-{year}.csv"
            )
            or "attachment"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
