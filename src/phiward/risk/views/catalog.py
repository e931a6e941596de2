"""The organization's threat and vulnerability catalog: lists, editing an entry (a shipped
entry once edited is never overwritten by phiward's updates), adding the organization's own.

Entries are saved through their model form: ``full_clean`` (the model's rules, errors by
field) then ``save()`` (audit-logged in the request's transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.views.generic import TemplateView

from phiward.core.permissions import Action
from phiward.risk.forms import CatalogEntryForm, ThreatForm, VulnerabilityForm
from phiward.risk.models import CatalogEntry, Threat, Vulnerability
from phiward.risk.views.base import FormPage, RiskView


@dataclass(frozen=True)
class Kind:
    name: str  # URL name prefix
    singular: str
    plural: str
    model: type[Threat] | type[Vulnerability]
    form: type[CatalogEntryForm]


THREATS = Kind("threat", "threat", "Threats", Threat, ThreatForm)
VULNERABILITIES = Kind(
    "vulnerability", "vulnerability", "Vulnerabilities", Vulnerability, VulnerabilityForm
)


class CatalogListView(RiskView, TemplateView):
    template_name = "risk/catalog_list.html"
    kind: ClassVar[Kind]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            kind=self.kind,
            entries=self.kind.model.objects.for_org(self.org).order_by("retired", "name"),
        )
        return context


class ThreatListView(CatalogListView):
    nav = "risk-threats"
    kind = THREATS


class VulnerabilityListView(CatalogListView):
    nav = "risk-vulnerabilities"
    kind = VULNERABILITIES


class EntryPage(FormPage):
    template_name = "risk/form.html"
    kind: ClassVar[Kind]
    entry: CatalogEntry | None = None

    def cancel_url(self) -> str:
        return self.url(f"{self.kind.name}-list")

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return self.kind.form(data, instance=self.entry, organization=self.org)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        assert isinstance(form, CatalogEntryForm)
        entry = form.save()
        messages.success(self.request, f"Saved the {self.kind.singular} '{entry}'.")
        return HttpResponseRedirect(self.cancel_url())


class EntryCreateView(EntryPage):
    read_action = Action.CREATE
    write_action = Action.CREATE

    def heading(self) -> str:
        return f"Add a {self.kind.singular}"


class EntryEditView(EntryPage):
    def load(self, **kwargs: Any) -> None:
        self.entry = self.get_object(self.kind.model, kwargs["pk"])

    def heading(self) -> str:
        return f"Edit the {self.kind.singular} '{self.entry}'"


class ThreatCreateView(EntryCreateView):
    nav = "risk-threats"
    kind = THREATS


class ThreatEditView(EntryEditView):
    nav = "risk-threats"
    kind = THREATS


class VulnerabilityCreateView(EntryCreateView):
    nav = "risk-vulnerabilities"
    kind = VULNERABILITIES


class VulnerabilityEditView(EntryEditView):
    nav = "risk-vulnerabilities"
    kind = VULNERABILITIES
