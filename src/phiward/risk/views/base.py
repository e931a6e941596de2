"""What every risk page shares: the area, the objects of the organization, and form pages
whose domain errors come back onto their fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from django import forms
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from phiward.core.errors import InvalidInput
from phiward.core.models import OrgScopedModel
from phiward.core.permissions import Action, Area
from phiward.risk.forms import show_problems
from phiward.web.formpage import ServiceFormPage
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


class FormPage(RiskView, ServiceFormPage):
    """A form page of the risk app (see ``phiward.web.formpage``)."""

    template_name = "risk/form.html"
    read_action = Action.CHANGE
    write_action = Action.CHANGE

    def cancel_url(self) -> str:
        return self.url("overview")

    def show_problems(
        self, form: forms.BaseForm, error: InvalidInput, aliases: Mapping[str, str]
    ) -> None:
        show_problems(form, error, aliases)
