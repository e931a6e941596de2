"""The analysis wizard's first steps: the analyses, starting one (scope, method, participants,
dates), its page, editing it, and the NIST SP 800-66r2 questionnaire (a standard at a time;
with htmx each answer saves as it changes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.views.generic import TemplateView

from phiward.catalog.catalog import load
from phiward.core.errors import InvalidInput, NotFound
from phiward.core.permissions import Action
from phiward.risk import questionnaire, services
from phiward.risk.forms import ANALYSIS_ALIASES, ANSWER_CHOICES, AnalysisForm
from phiward.risk.models import (
    Answer,
    ProposalStatus,
    QuestionAnswer,
    RiskAnalysis,
    RiskProposal,
    RiskStatus,
)
from phiward.risk.questionnaire import Question
from phiward.risk.scoring import METHODS, Method, spec
from phiward.risk.views.base import FormPage, RiskView
from phiward.web.orgviews import current_user, is_partial_request

STEPS = (
    ("analysis-detail", "Scope and method"),
    ("questionnaire", "Questionnaire"),
    ("proposals", "Proposals"),
    ("approve", "Approval"),
)


def steps(analysis: RiskAnalysis, current: str) -> list[tuple[str, str, bool]]:
    """The wizard's steps as (url, label, current) for the step bar."""
    slug = analysis.organization.slug
    return [
        (reverse(f"risk:{name}", args=[slug, analysis.pk]), label, name == current)
        for name, label in STEPS
    ]


class AnalysisListView(RiskView, TemplateView):
    nav = "risk-analyses"
    template_name = "risk/analysis_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["analyses"] = (
            RiskAnalysis.objects.for_org(self.org)
            .select_related("approved_by")
            .annotate(
                open_risks=Count("risks", filter=Q(risks__status=RiskStatus.OPEN), distinct=True),
                undecided=Count(
                    "proposals",
                    filter=Q(proposals__status=ProposalStatus.PROPOSED),
                    distinct=True,
                ),
            )
            .order_by("-started_on", "-pk")
        )
        return context


class AnalysisFormPage(FormPage):
    nav = "risk-analyses"
    template_name = "risk/analysis_form.html"
    aliases = ANALYSIS_ALIASES

    def page_context(self) -> dict[str, Any]:
        return {"methods": [METHODS[m] for m in Method]}


class AnalysisStartView(AnalysisFormPage):
    read_action = Action.CREATE
    write_action = Action.CREATE

    def heading(self) -> str:
        return "Start a risk analysis"

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        initial = {"started_on": timezone.localdate(), "scope_all_ephi": True}
        return AnalysisForm(data, organization=self.org, initial=initial)

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        analysis = services.start_analysis(
            self.org,
            current_user(self.request),
            title=data["title"],
            method=data["method"],
            scope_text=data["scope"],
            scope_all_ephi=data["scope_all_ephi"],
            assets=list(data["assets"]),
            participants=data["participants"],
            started_on=data["started_on"],
            next_review_on=data["next_review_on"],
        )
        messages.success(self.request, f"Started {analysis}. Next: the questionnaire.")
        return HttpResponseRedirect(self.url("questionnaire", analysis.pk))


class AnalysisEditView(AnalysisFormPage):
    analysis: RiskAnalysis

    def load(self, **kwargs: Any) -> None:
        self.analysis = self.get_object(RiskAnalysis, kwargs["pk"])

    def heading(self) -> str:
        return f"Edit {self.analysis}"

    def cancel_url(self) -> str:
        return self.url("analysis-detail", self.analysis.pk)

    def make_form(self, data: QueryDict | None) -> forms.BaseForm:
        return AnalysisForm(
            data,
            organization=self.org,
            editing=True,
            initial=AnalysisForm.initial_for(self.analysis),
        )

    def perform(self, form: forms.BaseForm) -> HttpResponse:
        data = form.cleaned_data
        services.update_analysis(
            self.analysis,
            current_user(self.request),
            title=data["title"],
            method=data["method"],
            scope_text=data["scope"],
            scope_all_ephi=data["scope_all_ephi"],
            assets=list(data["assets"]),
            participants=data["participants"],
            next_review_on=data["next_review_on"],
        )
        messages.success(self.request, f"Saved {self.analysis}.")
        return HttpResponseRedirect(self.cancel_url())


class AnalysisDetailView(RiskView, TemplateView):
    nav = "risk-analyses"
    template_name = "risk/analysis_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        analysis = self.get_object(RiskAnalysis, kwargs["pk"], "started_by", "approved_by")
        proposals = Counter(
            RiskProposal.objects.filter(analysis=analysis).values_list("status", flat=True)
        )
        context.update(
            analysis=analysis,
            steps=steps(analysis, "analysis-detail"),
            method=spec(analysis.method),
            scope_assets=[link.asset for link in analysis.scope_links.select_related("asset")],
            answered=QuestionAnswer.objects.filter(analysis=analysis).count(),
            questions=len(questionnaire.questions()),
            proposals={ProposalStatus(k).label: v for k, v in sorted(proposals.items())},
            risks=analysis.risks.count(),
        )
        return context


# --- the questionnaire --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One question with its answer, for the questionnaire page."""

    question: Question
    answer: QuestionAnswer | None
    error: str = ""
    saved: bool = False

    @property
    def value(self) -> str:
        return self.answer.answer if self.answer is not None else ""

    @property
    def note(self) -> str:
        return self.answer.note if self.answer is not None else ""


def standards() -> dict[str, list[Question]]:
    """The questions grouped by the Security Rule standard they belong to, in catalog order."""
    grouped: dict[str, list[Question]] = {}
    for question in questionnaire.questions():
        grouped.setdefault(question.standard, []).append(question)
    return grouped


def standard_title(standard: str) -> str:
    entry = load("hipaa-security").get(standard)
    return entry.title if entry is not None else standard


class QuestionnaireView(RiskView, TemplateView):
    """GET: the standards with how much is answered, or one standard's questions
    (``?standard=``); POST: save that standard's answers (the page without JavaScript)."""

    template_name = "risk/questionnaire.html"
    nav = "risk-analyses"
    analysis: RiskAnalysis

    def answers(self) -> dict[str, QuestionAnswer]:
        return {a.question_id: a for a in QuestionAnswer.objects.filter(analysis=self.analysis)}

    def page(self, standard: str, errors: dict[str, str] | None = None) -> dict[str, Any]:
        grouped = standards()
        answers = self.answers()
        context: dict[str, Any] = {
            "analysis": self.analysis,
            "steps": steps(self.analysis, "questionnaire"),
            "choices": ANSWER_CHOICES,
            "answered": len(answers),
            "total": len(questionnaire.questions()),
        }
        if standard in grouped:
            names = list(grouped)
            index = names.index(standard)
            context.update(
                standard=standard,
                standard_title=standard_title(standard),
                rows=[
                    Row(q, answers.get(q.id), (errors or {}).get(q.id, ""))
                    for q in grouped[standard]
                ],
                previous=names[index - 1] if index > 0 else None,
                next=names[index + 1] if index + 1 < len(names) else None,
            )
            return context
        overview = []
        for name, questions in grouped.items():
            given = [answers[q.id].answer for q in questions if q.id in answers]
            gaps = sum(1 for a in given if a in (Answer.NO, Answer.PARTIAL, Answer.UNKNOWN))
            overview.append((name, standard_title(name), len(given), len(questions), gaps))
        context["overview"] = overview
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.analysis = self.get_object(RiskAnalysis, kwargs["pk"])
        context = self.get_context_data(**self.page(request.GET.get("standard", "")))
        return self.render_to_response(context)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.analysis = self.get_object(RiskAnalysis, kwargs["pk"])
        standard = request.POST.get("standard", "")
        questions = standards().get(standard, [])
        given = {q.id: request.POST.get(f"answer:{q.id}", "") for q in questions}
        errors = {
            qid: f"Answer one of: {', '.join(Answer.values)}."
            for qid, value in given.items()
            if value and value not in Answer.values
        }
        if errors:
            context = self.get_context_data(**self.page(standard, errors))
            return self.render_to_response(context)
        answers = self.answers()
        saved = 0
        by = current_user(request)
        with transaction.atomic():
            for qid, value in given.items():
                note = request.POST.get(f"note:{qid}", "").strip()
                found = answers.get(qid)
                if not value or (found and (found.answer, found.note) == (value, note)):
                    continue
                services.record_answer(self.analysis, by, qid, value, note)
                saved += 1
        messages.success(request, f"Saved {saved} answer{'s' if saved != 1 else ''}.")
        grouped = list(standards())
        after = grouped.index(standard) + 1 if standard in grouped else len(grouped)
        target = self.url("questionnaire", self.analysis.pk)
        if after < len(grouped):
            target += "?" + QueryDict.fromkeys(["standard"], grouped[after]).urlencode()
        return HttpResponseRedirect(target)


def _question(question_id: str) -> Question | None:
    try:
        return questionnaire.question(question_id)
    except NotFound:
        return None


class AnswerView(RiskView):
    """Save one answer: with htmx, the question's row comes back; without, its section."""

    read_action = Action.CHANGE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        analysis = self.get_object(RiskAnalysis, kwargs["pk"])
        qid = request.POST.get("question_id", "").strip()
        value = request.POST.get(f"answer:{qid}", request.POST.get("answer", ""))
        note = request.POST.get(f"note:{qid}", request.POST.get("note", ""))
        error = ""
        try:
            services.record_answer(analysis, current_user(request), qid, value, note)
        except InvalidInput as exc:
            error = str(exc)
        question = _question(qid)
        if not is_partial_request(request):
            if error:
                messages.error(request, f"Not saved: {error}")
            else:
                messages.success(request, "Saved the answer.")
            target = self.url("questionnaire", analysis.pk)
            if question is not None:
                query = QueryDict.fromkeys(["standard"], question.standard).urlencode()
                target = f"{target}?{query}"
            return HttpResponseRedirect(target)
        if question is None:
            response = HttpResponse(format_html('<p class="errorlist" role="alert">{}</p>', error))
        else:
            record = QuestionAnswer.objects.filter(analysis=analysis, question_id=qid).first()
            context = {
                "org": self.org,
                "analysis": analysis,
                "row": Row(question, record, error, saved=not error),
                "choices": ANSWER_CHOICES,
                "can_change": True,
            }
            response = render(request, "risk/_question.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
