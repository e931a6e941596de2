"""Reporting an incident: the one page every member, the workforce included, may use.

The thank-you page is the answer to the POST itself (no redirect): the reference is never put
in a URL or in the session, so nothing outside the incident links an anonymous report to the
person who sent it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse, QueryDict
from django.template.response import TemplateResponse

from phiward.core.permissions import Action, Area
from phiward.incidents import services
from phiward.incidents.forms.incident import ReportForm
from phiward.incidents.views.base import FormPage
from phiward.web.orgviews import current_user


class ReportView(FormPage):
    nav = "incident-report"
    template_name = "incidents/report.html"
    read_action = Action.CREATE
    write_action = Action.CREATE

    def heading(self) -> str:
        return "Report an incident"

    def cancel_url(self) -> str:
        return self.url("list") if self.can(Action.READ) else ""

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return ReportForm(
            data,
            organization=self.org,
            sees_inventory=self.can(Action.READ, Area.INVENTORY),
        )

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        assert isinstance(form, ReportForm)
        data = form.cleaned_data
        anonymous = bool(data["anonymous"])
        incident = services.report(
            self.org,
            services.Report(
                title=data["title"],
                description=form.full_description(),
                category=data["category"],
                occurred_at=data["occurred_at"],
                discovered_at=data["discovered_at"],
                phi_involved=data["phi_involved"],
                reporter_contact=data["reporter_contact"],
                assets=list(data.get("assets") or ()),
                vendors=list(data.get("vendors") or ()),
            ),
            reporter=current_user(self.request),
            anonymous=anonymous,
        )
        context: dict[str, Any] = self.get_context_data(
            reference=incident.reference,
            anonymous=anonymous,
            contact_given=bool(data["reporter_contact"].strip()),
            incident_url=self.url("detail", incident.pk) if self.can(Action.READ) else "",
        )
        return TemplateResponse(self.request, "incidents/report_thanks.html", context)
