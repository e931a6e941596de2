"""What every incident page shares: the area, the organization's incidents, deadline warnings,
and form pages whose domain errors come back next to their fields."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.views.generic import TemplateView

from phiward.calendar import warning_level
from phiward.core.errors import InvalidInput, NotFound, PermissionDenied, PhiwardError
from phiward.core.permissions import Action, Area
from phiward.incidents.forms import show_problems
from phiward.incidents.models import Incident
from phiward.web.orgviews import OrgView

__all__ = ["FormPage", "IncidentView", "as_id", "fail", "warning_level"]

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


def fail(request: HttpRequest, error: PhiwardError, to: str) -> HttpResponse:
    """A refused one-button action: back to the page, with the reason."""
    messages.error(request, str(error))
    return HttpResponseRedirect(to)


class FormPage(IncidentView, TemplateView):
    """GET shows the form; POST validates it and calls ``perform`` in one transaction, whose
    ``InputProblems`` come back next to the fields they name (``aliases`` renames a service's
    field names to the form's)."""

    template_name = "incidents/form.html"
    read_action = Action.CHANGE
    write_action = Action.CHANGE
    aliases: ClassVar[dict[str, str]] = {}
    multipart: ClassVar[bool] = False

    def load(self, **kwargs: Any) -> None:
        """Fetch the objects the page is about (from the URL)."""

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        raise NotImplementedError

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        raise NotImplementedError

    def heading(self) -> str:
        return ""

    def cancel_url(self) -> str:
        return self.url("list")

    def page_context(self) -> dict[str, Any]:
        return {}

    def problem_aliases(self, form: forms.BaseForm) -> dict[str, str]:
        return self.aliases

    def render_form(self, form: forms.BaseForm, status: int = 200) -> HttpResponse:
        context = self.get_context_data(
            form=form,
            heading=self.heading(),
            cancel_url=self.cancel_url(),
            multipart=self.multipart,
            **self.page_context(),
        )
        return self.render_to_response(context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load(**kwargs)
        return self.render_form(self.make_form(None))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.load(**kwargs)
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    return self.perform(form)
            except InvalidInput as exc:
                show_problems(form, exc, self.problem_aliases(form))
            except (PermissionDenied, NotFound) as exc:
                form.add_error(None, str(exc))
        return self.render_form(form)
