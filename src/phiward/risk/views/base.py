"""What every risk page shares: the area, the objects of the organization, and form pages
whose domain errors come back onto their fields."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar, cast

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.generic import TemplateView

from phiward.core.errors import InvalidInput, PhiwardError
from phiward.core.models import OrgScopedModel
from phiward.core.permissions import Action, Area
from phiward.risk.forms import show_problems
from phiward.web.orgviews import OrgView

M = TypeVar("M", bound=OrgScopedModel)


class RiskView(OrgView):
    area = Area.RISK
    nav = "risk"

    def get_object(self, model: type[M], pk: int, *related: str) -> M:
        """One object of this organization (any other is 404)."""
        queryset = cast("QuerySet[M]", model.objects.for_org(self.org)).select_related(*related)
        return get_object_or_404(queryset, pk=pk)

    def url(self, name: str, *args: object) -> str:
        return reverse(f"risk:{name}", args=[self.org.slug, *args])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_approve"] = self.can(Action.APPROVE)
        return context


def svg(picture: str) -> SafeString:
    """A picture of ``phiward.reports.pictures``: pure SVG it builds itself, every piece of
    user text XML-escaped there, presentation attributes only (no script, no style)."""
    return mark_safe(picture)  # noqa: S308 - escaped by pictures, see its docstring


def fail(request: HttpRequest, error: PhiwardError, to: str) -> HttpResponse:
    """A refused one-button action: back to the page, with the reason."""
    messages.error(request, str(error))
    return HttpResponseRedirect(to)


class FormPage(RiskView, TemplateView):
    """GET shows the form; POST validates it and calls ``perform`` in one transaction, whose
    ``InputProblems`` come back next to the fields they name (``aliases`` renames a service's
    field names to the form's)."""

    template_name = "risk/form.html"
    read_action = Action.CHANGE
    write_action = Action.CHANGE
    aliases: ClassVar[dict[str, str]] = {}

    def load(self, **kwargs: Any) -> None:
        """Fetch the objects the page is about (from the URL)."""

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        raise NotImplementedError

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        raise NotImplementedError

    def heading(self) -> str:
        return ""

    def cancel_url(self) -> str:
        return self.url("overview")

    def page_context(self) -> dict[str, Any]:
        return {}

    def render_form(self, form: forms.BaseForm) -> HttpResponse:
        context = self.get_context_data(
            form=form, heading=self.heading(), cancel_url=self.cancel_url(), **self.page_context()
        )
        return self.render_to_response(context)

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
                show_problems(form, exc, self.aliases)
        return self.render_form(form)
