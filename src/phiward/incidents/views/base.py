"""What every incident page shares: the area, the organization's incidents, deadline warnings,
and form pages whose domain errors come back next to their fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import Http404
from django.urls import reverse

from phiward.calendar import warning_level
from phiward.core.errors import InvalidInput, NotFound, PermissionDenied
from phiward.core.permissions import Action, Area
from phiward.incidents.forms import show_problems
from phiward.incidents.models import Incident
from phiward.web.formpage import ServiceFormPage
from phiward.web.orgviews import OrgView

__all__ = ["FormPage", "IncidentView", "as_id", "warning_level"]

_ID = re.compile(r"[0-9]{1,18}")


def as_id(raw: str) -> int | None:
    """A primary key named in a form or a query (ASCII digits that fit the database), else None."""
    return int(raw) if _ID.fullmatch(raw) else None


class IncidentView(OrgView):
    area = Area.INCIDENTS
    nav = "incidents"

    def incident(self, pk: int) -> Incident:
        """One incident of this organization (any other is 404)."""
        found = (
            Incident.objects.for_org(self.org)
            .select_related("handler", "reported_by")
            .filter(pk=pk)
            .first()
        )
        if found is None:
            raise Http404("No such incident here.")
        return found

    def url(self, name: str, *args: object) -> str:
        return reverse(f"incidents:{name}", args=[self.org.slug, *args])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            can_read=self.can(Action.READ),
            can_approve=self.can(Action.APPROVE),
        )
        return context


class FormPage(IncidentView, ServiceFormPage):
    """A form page of the incidents app (see ``phiward.web.formpage``); a refused or unknown
    reference a service names also comes back on the form."""

    template_name = "incidents/form.html"
    read_action = Action.CHANGE
    write_action = Action.CHANGE
    form_errors = (InvalidInput, PermissionDenied, NotFound)

    def cancel_url(self) -> str:
        return self.url("list")

    def show_problems(
        self, form: forms.BaseForm, error: InvalidInput, aliases: Mapping[str, str]
    ) -> None:
        show_problems(form, error, aliases)
