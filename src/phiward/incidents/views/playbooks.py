"""The organization's response playbooks: one per category, seeded from the shipped ones on
first view (``services.ensure_playbooks``, as the risk pages seed the threat catalog), edited
here (title and steps per phase). Readers (auditors) see them; editing needs CHANGE. An edit
raises the playbook's version; incidents that already applied it keep their own copy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.views.generic import TemplateView

from phiward.core.permissions import Action
from phiward.incidents import services
from phiward.incidents.forms.playbooks import PlaybookForm
from phiward.incidents.models import PHASE_ORDER, Category, IncidentStep, Phase, Playbook
from phiward.incidents.views.base import FormPage, IncidentView
from phiward.web.orgviews import current_user

NAV = "incidents-playbooks"
COPIES_NOTE = (
    "Incidents that already applied this playbook keep the steps they copied; an edit "
    "changes what the next incident gets."
)


def applied_counts(playbooks: Sequence[Playbook]) -> dict[int, int]:
    """How many incidents applied each playbook (any version)."""
    rows = (
        IncidentStep.objects.filter(playbook__in=playbooks)
        .values("playbook_id")
        .annotate(n=Count("incident", distinct=True))
    )
    return {int(row["playbook_id"]): int(row["n"]) for row in rows}


def phases_of(playbook: Playbook) -> list[tuple[str, list[str]]]:
    """The playbook's steps grouped by phase, in phase order (phases without steps left out)."""
    steps = list(playbook.steps.order_by("order"))
    grouped = [
        (Phase(phase).label, [s.text for s in steps if s.phase == phase]) for phase in PHASE_ORDER
    ]
    return [(label, texts) for label, texts in grouped if texts]


class PlaybookListView(IncidentView, TemplateView):
    template_name = "incidents/playbook_list.html"
    nav = NAV
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        services.ensure_playbooks(self.org)
        books = list(
            Playbook.objects.for_org(self.org).annotate(step_count=Count("steps")).order_by("pk")
        )
        order = {value: n for n, value in enumerate(Category.values)}
        books.sort(key=lambda book: order.get(book.category, len(order)))
        applied = applied_counts(books)
        context.update(rows=[(book, applied.get(book.pk, 0)) for book in books])
        return context


class PlaybookEditView(FormPage):
    """GET: the playbook (a form for those who may change it, read-only for readers);
    POST: save the edit (CHANGE)."""

    template_name = "incidents/playbook_edit.html"
    read_action = Action.READ
    write_action = Action.CHANGE
    nav = NAV
    playbook: Playbook

    def load(self, **kwargs: Any) -> None:
        category = str(kwargs.get("category", ""))
        if category not in Category.values:
            raise Http404("No such incident category.")
        self.playbook = services.playbook_for(self.org, category)

    def heading(self) -> str:
        return f"Playbook: {self.playbook.get_category_display()}"

    def cancel_url(self) -> str:
        return self.url("playbooks")

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return PlaybookForm(data, initial=PlaybookForm.initial_for(self.playbook))

    def problem_aliases(self, form: forms.BaseForm) -> dict[str, str]:
        assert isinstance(form, PlaybookForm)
        return form.step_aliases()

    def page_context(self) -> dict[str, Any]:
        return {
            "playbook": self.playbook,
            "applied": applied_counts([self.playbook]).get(self.playbook.pk, 0),
            "copies_note": COPIES_NOTE,
        }

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.can(Action.CHANGE):
            return super().get(request, *args, **kwargs)
        self.load(**kwargs)
        context = self.get_context_data(
            heading=self.heading(),
            cancel_url=self.cancel_url(),
            phases=phases_of(self.playbook),
            **self.page_context(),
        )
        return self.response_class(
            request=request,
            template="incidents/playbook_detail.html",
            context=context,
            using=self.template_engine,
        )

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        assert isinstance(form, PlaybookForm)
        book = services.update_playbook(
            self.playbook,
            current_user(self.request),
            title=form.cleaned_data["title"],
            steps=form.steps(),
        )
        messages.success(
            self.request,
            f"Saved the playbook '{book.title}' (version {book.version}). "
            "Incidents that already applied it keep their copy.",
        )
        return HttpResponseRedirect(self.cancel_url())
