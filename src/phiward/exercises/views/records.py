"""Exercise pages: the list with what is due per kind, create, detail, edit, follow-up actions,
major changes, and opening a plan revision from an exercise's findings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from phiward.core.errors import InputProblems, InvalidInput
from phiward.core.permissions import Action
from phiward.exercises import intervals, plan, services
from phiward.exercises.forms import ActionForm, ExerciseForm, IntervalsForm, MajorChangeForm
from phiward.exercises.models import METRICS, Exercise, FollowUpAction, MajorChange
from phiward.exercises.views.base import IncidentsView
from phiward.web.orgviews import current_user


class ExerciseListView(IncidentsView, TemplateView):
    template_name = "exercises/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context.update(
            due=services.due_for(self.org, today),
            exercises=Exercise.objects.for_org(self.org).prefetch_related("actions"),
            changes=MajorChange.objects.for_org(self.org)[:20],
            open_actions=FollowUpAction.objects.for_org(self.org)
            .filter(done_on__isnull=True)
            .select_related("exercise", "owner")
            .order_by("due_on", "pk"),
            current_plan=plan.current(self.org),
            policy=intervals.intervals_for(self.org),
        )
        return context


class ExerciseDetailView(IncidentsView, TemplateView):
    template_name = "exercises/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        exercise = self.exercise(int(kwargs["pk"]))
        context.update(
            exercise=exercise,
            metrics=exercise.metrics(),
            participants=exercise.participants.order_by("username"),
            actions=exercise.actions.select_related("owner"),
            revisions=exercise.plan_revisions.order_by("-number"),
            action_form=ActionForm(organization=self.org),
        )
        return context


class _ExerciseFormView(IncidentsView, FormView[ExerciseForm]):
    template_name = "exercises/form.html"
    form_class = ExerciseForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["organization"] = self.org
        return kwargs


class ExerciseCreateView(_ExerciseFormView):
    read_action = Action.CREATE
    write_action = Action.CREATE

    def get_initial(self) -> dict[str, Any]:
        kind = self.request.GET.get("kind", "tabletop")
        return {"held_on": timezone.localdate(), "kind": kind}

    def form_valid(self, form: ExerciseForm) -> HttpResponse:
        try:
            exercise = services.record_exercise(
                self.org, form.data_for_service(), user=current_user(self.request)
            )
        except InputProblems as exc:
            form.add_problems(exc.problems)
            return self.form_invalid(form)
        messages.success(self.request, f"Recorded {exercise.reference}.")
        return redirect("exercises:detail", self.org.slug, exercise.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            heading="Record an exercise", cancel_url=reverse("exercises:list", args=[self.org.slug])
        )
        return context


class ExerciseEditView(_ExerciseFormView):
    read_action = Action.CHANGE
    write_action = Action.CHANGE

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.pk = int(kwargs.pop("pk"))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class: Any = None) -> ExerciseForm:
        self.object = self.exercise(self.pk)
        return super().get_form(form_class)

    def get_initial(self) -> dict[str, Any]:
        x = self.object
        initial: dict[str, Any] = {
            "kind": x.kind,
            "title": x.title,
            "held_on": x.held_on,
            "duration_minutes": x.duration_minutes,
            "scenario": x.scenario,
            "participants": list(x.participants.values_list("pk", flat=True)),
            "external_participants": "\n".join(x.external_participants),
            "findings": x.findings,
            "evidence": x.evidence_id,
        }
        initial.update({name: getattr(x, name) for name, _label in METRICS})
        return initial

    def form_valid(self, form: ExerciseForm) -> HttpResponse:
        try:
            services.update_exercise(self.object, form.data_for_service())
        except InputProblems as exc:
            form.add_problems(exc.problems)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {self.object.reference}.")
        return redirect("exercises:detail", self.org.slug, self.object.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            heading=f"Edit {self.object.reference}",
            cancel_url=reverse("exercises:detail", args=[self.org.slug, self.object.pk]),
        )
        return context


class ActionCreateView(IncidentsView, FormView[ActionForm]):
    """Add a follow-up action to an exercise (the form sits on the exercise's page)."""

    template_name = "exercises/action_form.html"
    form_class = ActionForm
    read_action = Action.CHANGE
    write_action = Action.CHANGE

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.pk = int(kwargs.pop("pk"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        self.object = self.exercise(self.pk)
        kwargs = super().get_form_kwargs()
        kwargs["organization"] = self.org
        return kwargs

    def form_valid(self, form: ActionForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            services.add_action(
                self.object, data["title"], owner=data["owner"], due_on=data["due_on"]
            )
        except InputProblems as exc:
            form.add_problems(exc.problems)
            return self.form_invalid(form)
        messages.success(self.request, "Follow-up action added.")
        return redirect("exercises:detail", self.org.slug, self.object.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["exercise"] = self.object
        return context


class ActionDoneView(IncidentsView):
    """Mark a follow-up action done (or, with ``reopen``, open again)."""

    write_action = Action.CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = self.action(int(kwargs["pk"]))
        reopen = request.POST.get("reopen") == "1"
        services.set_action_done(action, None if reopen else timezone.localdate())
        messages.success(request, "Reopened." if reopen else f"Done: {action.title}.")
        return redirect("exercises:detail", self.org.slug, action.exercise_id)


class MajorChangeView(IncidentsView, FormView[MajorChangeForm]):
    template_name = "exercises/major_change.html"
    form_class = MajorChangeForm
    read_action = Action.CREATE
    write_action = Action.CREATE

    def get_initial(self) -> dict[str, Any]:
        return {"changed_on": timezone.localdate()}

    def form_valid(self, form: MajorChangeForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            services.record_major_change(
                self.org,
                data["description"],
                changed_on=data["changed_on"],
                user=current_user(self.request),
            )
        except InputProblems as exc:
            form.add_problems(exc.problems)
            return self.form_invalid(form)
        messages.success(self.request, "Major change recorded: a full test is now due.")
        return redirect("exercises:list", self.org.slug)


class OpenRevisionView(IncidentsView):
    """Open an IR plan revision from an exercise's findings."""

    write_action = Action.CREATE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        exercise = self.exercise(int(kwargs["pk"]))
        try:
            draft = plan.open_revision(exercise, user=current_user(request))
        except InvalidInput as exc:
            messages.error(request, str(exc))
            return redirect("exercises:detail", self.org.slug, exercise.pk)
        messages.success(request, f"Draft v{draft.number} of the IR plan is open.")
        return redirect("exercises:plan-detail", self.org.slug, draft.pk)


class IntervalsView(IncidentsView, FormView[IntervalsForm]):
    """The organization's exercise intervals: shorter than the S31 rhythm, never longer."""

    template_name = "exercises/intervals.html"
    form_class = IntervalsForm
    read_action = Action.CHANGE
    write_action = Action.CHANGE

    def get_initial(self) -> dict[str, Any]:
        return dict(intervals.as_dict(intervals.intervals_for(self.org)))

    def form_valid(self, form: IntervalsForm) -> HttpResponse:
        try:
            intervals.update_intervals(self.org, **form.cleaned_data)
        except InputProblems as exc:
            form.add_problems(exc.problems)
            return self.form_invalid(form)
        messages.success(self.request, "Saved the exercise intervals.")
        return redirect("exercises:list", self.org.slug)
