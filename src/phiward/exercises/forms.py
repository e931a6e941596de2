"""Forms of the exercises app; member and evidence choices are limited to the organization."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS

from phiward.core.errors import Problem
from phiward.core.models import Organization, display_name
from phiward.evidence.models import EvidenceItem
from phiward.exercises.models import MAX_MINUTES, METRICS
from phiward.exercises.schedule import (
    MAX_INTERVAL_MONTHS,
    MAX_MAJOR_CHANGE_DAYS,
    ExerciseKind,
)
from phiward.exercises.services import ExerciseData

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class MembersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


def _members(organization: Organization) -> Any:
    return User.objects.filter(memberships__organization=organization).order_by("username")


def _minutes(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=MAX_MINUTES, help_text="Minutes"
    )


class ProblemsMixin(forms.Form):
    def add_problems(self, problems: list[Problem]) -> None:
        for problem in problems:
            target = problem.field if problem.field in self.fields else None
            self.add_error(target, problem.message if target else str(problem))

    def non_field_error_list(self) -> list[str]:
        return [str(e) for e in self.errors.get(NON_FIELD_ERRORS, [])]


class ExerciseForm(ProblemsMixin):
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in ExerciseKind])
    title = forms.CharField(max_length=200)
    held_on = forms.DateField(label="Date", widget=DATE, help_text="A future date: planned.")
    duration_minutes = forms.IntegerField(
        label="Duration", required=False, min_value=0, max_value=MAX_MINUTES, help_text="Minutes"
    )
    scenario = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    participants = MembersChoice(queryset=User.objects.none(), required=False)
    external_participants = forms.CharField(
        label="Other participants",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One name per line (people without a phiward account).",
    )
    minutes_to_detect = _minutes("Time to detect")
    minutes_to_contain = _minutes("Time to contain")
    minutes_to_decide = _minutes("Time to decide")
    minutes_to_notify = _minutes("Time to notify")
    findings = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    evidence = forms.ModelChoiceField(queryset=EvidenceItem.objects.none(), required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        participants = self.fields["participants"]
        assert isinstance(participants, forms.ModelMultipleChoiceField)
        participants.queryset = _members(organization)
        evidence = self.fields["evidence"]
        assert isinstance(evidence, forms.ModelChoiceField)
        evidence.queryset = EvidenceItem.objects.for_org(organization)

    def data_for_service(self) -> ExerciseData:
        data = self.cleaned_data
        names = [n.strip() for n in data["external_participants"].splitlines() if n.strip()]
        return ExerciseData(
            kind=ExerciseKind(data["kind"]),
            title=data["title"],
            held_on=data["held_on"],
            scenario=data["scenario"],
            duration_minutes=data["duration_minutes"],
            participants=tuple(data["participants"]),
            external_participants=tuple(names),
            metrics={name: data[name] for name, _label in METRICS},
            findings=data["findings"],
            evidence=data["evidence"],
        )


class ActionForm(ProblemsMixin):
    title = forms.CharField(label="Follow-up action", max_length=300)
    owner = MemberChoice(queryset=User.objects.none(), required=False)
    due_on = forms.DateField(label="Due on", required=False, widget=DATE)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = _members(organization)


class MajorChangeForm(ProblemsMixin):
    description = forms.CharField(
        max_length=300, help_text="A new EHR, a data-centre move, a merger, a new IR team …"
    )
    changed_on = forms.DateField(label="Changed on", widget=DATE)


class PlanForm(ProblemsMixin):
    title = forms.CharField(max_length=200)
    change_summary = forms.CharField(
        label="What changed", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 24}), help_text="Markdown or text."
    )


class ApproveForm(ProblemsMixin):
    effective_on = forms.DateField(
        label="Effective from", required=False, widget=DATE, help_text="Empty: today."
    )


def _interval(kind: ExerciseKind) -> forms.IntegerField:
    most = MAX_INTERVAL_MONTHS[kind]
    return forms.IntegerField(
        label=f"{kind.label}: every", min_value=1, help_text=f"Months (at most {most})."
    )


class IntervalsForm(ProblemsMixin):
    """Bounds are checked by the service (the message names the S31 maximum)."""

    tabletop_months = _interval(ExerciseKind.TABLETOP)
    drill_months = _interval(ExerciseKind.DRILL)
    full_test_months = _interval(ExerciseKind.FULL_TEST)
    major_change_days = forms.IntegerField(
        label="Full test after a major change: within",
        min_value=1,
        help_text=f"Days (at most {MAX_MAJOR_CHANGE_DAYS}).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
