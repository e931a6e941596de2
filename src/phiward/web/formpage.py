"""A page with one form whose POST calls a service: the shape of most write pages.

GET shows the form; POST validates it and calls ``perform`` in one transaction. The domain
errors ``perform`` raises come back on the form — next to the fields they name (``aliases``
renames a service's field names to the form's) — instead of as an error page. ``fail`` is the
same for a one-button action: back to the page, with the reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.views.generic import TemplateView

from phiward.core.errors import InvalidInput, PhiwardError


def fail(request: HttpRequest, error: PhiwardError, to: str) -> HttpResponse:
    """A refused one-button action: back to the page, with the reason."""
    messages.error(request, str(error))
    return HttpResponseRedirect(to)


class ServiceFormPage(TemplateView, ABC):
    aliases: ClassVar[dict[str, str]] = {}
    multipart: ClassVar[bool] = False
    # The service errors shown on the form; any other error answers as an error page does.
    form_errors: ClassVar[tuple[type[PhiwardError], ...]] = (InvalidInput,)

    def load(self, **kwargs: Any) -> None:
        """Fetch the objects the page is about (from the URL)."""

    @abstractmethod
    def make_form(self, data: QueryDict | None) -> forms.BaseForm: ...

    @abstractmethod
    def perform(self, form: forms.BaseForm) -> HttpResponse: ...

    @abstractmethod
    def cancel_url(self) -> str: ...

    @abstractmethod
    def show_problems(
        self, form: forms.BaseForm, error: InvalidInput, aliases: Mapping[str, str]
    ) -> None:
        """Put a service's ``InvalidInput`` onto the form (each app words its field paths)."""

    def heading(self) -> str:
        return ""

    def page_context(self) -> dict[str, Any]:
        return {}

    def problem_aliases(self, form: forms.BaseForm) -> Mapping[str, str]:
        return self.aliases

    def render_form(self, form: forms.BaseForm) -> HttpResponse:
        context = self.get_context_data(
            form=form,
            heading=self.heading(),
            cancel_url=self.cancel_url(),
            multipart=self.multipart,
            **self.page_context(),
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
            except self.form_errors as exc:
                if isinstance(exc, InvalidInput):
                    self.show_problems(form, exc, self.problem_aliases(form))
                else:
                    form.add_error(None, str(exc))
        return self.render_form(form)
