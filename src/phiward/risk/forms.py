"""The risk pages' forms. They only shape input: the rules live in the models and in
``phiward.risk.services``, whose ``InputProblems`` come back onto the fields they name
(``show_problems``). Every choice of a related object is limited to the organization.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet

from phiward.core.errors import InputProblems, InvalidInput
from phiward.core.models import Organization, display_name
from phiward.inventory.models import Asset, DataFlow, Vendor
from phiward.risk.models import (
    Answer,
    Impact,
    RiskAnalysis,
    Strategy,
    Threat,
    ThreatSource,
    TreatmentStatus,
    Vulnerability,
)
from phiward.risk.scoring import METHODS, Method, MethodSpec, spec

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SHORT_TEXT = forms.Textarea(attrs={"rows": 3})
_SEPARATORS = re.compile(r"[\n,;]+")


def show_problems(
    form: forms.BaseForm, error: InvalidInput, aliases: Mapping[str, str] | None = None
) -> None:
    """A service's errors onto the form: next to the field they name, else above the form."""
    names = aliases or {}
    problems = error.problems if isinstance(error, InputProblems) else None
    if problems is None:
        form.add_error(None, str(error))
        return
    for problem in problems:
        field = names.get(problem.field or "", problem.field)
        form.add_error(field if field in form.fields else None, problem.message)


def members(organization: Organization) -> QuerySet[User]:
    return User.objects.filter(memberships__organization=organization).order_by("username")


class MemberChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{display_name(obj)} ({obj.get_username()})"


def owner_field(label: str = "Owner") -> MemberChoiceField:
    return MemberChoiceField(
        queryset=User.objects.none(), required=False, label=label, empty_label="— no owner —"
    )


class ListField(forms.CharField):
    """A list of short strings, one per line (commas and semicolons separate too)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            items = [str(v) for v in value]
        else:
            items = _SEPARATORS.split(str(value or ""))
        return list(dict.fromkeys(item.strip() for item in items if item.strip()))


class OrgForm(forms.Form):
    """A form whose choices come from one organization."""

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.organization = organization
        for field in self.fields.values():
            if isinstance(field, MemberChoiceField):
                field.queryset = members(organization)


# --- analyses -----------------------------------------------------------------------------------


def _method_choices() -> list[tuple[str, str]]:
    return [(m.value, METHODS[m].label) for m in Method]


def participants_text(participants: list[dict[str, str]]) -> str:
    return "\n".join(
        f"{p.get('name', '')} | {p['role']}" if p.get("role") else p.get("name", "")
        for p in participants
    )


class AnalysisForm(OrgForm):
    title = forms.CharField(max_length=200)
    method = forms.ChoiceField(
        choices=_method_choices,
        initial=Method.THREE_LEVEL.value,
        widget=forms.RadioSelect,
        help_text="The likelihood and impact scales; it cannot change once a risk is rated.",
    )
    scope = forms.CharField(
        label="Scope in words",
        required=False,
        widget=SHORT_TEXT,
        help_text="Systems, sites and processes the analysis covers.",
    )
    scope_all_ephi = forms.BooleanField(
        label="All ePHI assets and data flows of the inventory", required=False, initial=True
    )
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        label="Or only these assets",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Used when the scope is not all ePHI assets; the ePHI flows that touch them "
        "and their vendors are included.",
    )
    participants = forms.CharField(
        required=False,
        widget=SHORT_TEXT,
        help_text="One per line: name | role (e.g. 'Dana Lee | Security officer').",
    )
    started_on = forms.DateField(required=False, widget=DATE, label="Started on")
    next_review_on = forms.DateField(required=False, widget=DATE, label="Next review on")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assets = self.fields["assets"]
        assert isinstance(assets, forms.ModelMultipleChoiceField)
        assets.queryset = Asset.objects.for_org(self.organization).order_by("name")
        if editing:
            del self.fields["started_on"]  # the start date is history

    def clean_participants(self) -> list[dict[str, str]]:
        parsed = []
        text = str(self.cleaned_data.get("participants") or "")
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            name, _, role = line.partition("|")
            if not name.strip():
                raise forms.ValidationError(f"Line {number}: write 'name | role'.")
            parsed.append({"name": name.strip(), "role": role.strip()})
        return parsed

    @classmethod
    def initial_for(cls, analysis: RiskAnalysis) -> dict[str, Any]:
        return {
            "title": analysis.title,
            "method": analysis.method,
            "scope": analysis.scope,
            "scope_all_ephi": analysis.scope_all_ephi,
            "assets": [link.asset_id for link in analysis.scope_links.all()],
            "participants": participants_text(analysis.participants),
            "next_review_on": analysis.next_review_on,
        }


ANALYSIS_ALIASES = {"scope_text": "scope"}


class NoteForm(forms.Form):
    note = forms.CharField(
        required=False, widget=SHORT_TEXT, max_length=5000, label_suffix="", label="Note"
    )


class ReasonForm(forms.Form):
    """A reason the service requires (its message says why when it is missing)."""

    reason = forms.CharField(required=False, widget=SHORT_TEXT, max_length=5000, label_suffix="")


# --- ratings ------------------------------------------------------------------------------------


def _scale(method: MethodSpec, axis: str) -> list[tuple[str, str]]:
    points = method.likelihood if axis == "likelihood" else method.impact
    return [("", "— not rated —")] + [(str(p.value), f"{p.value} {p.name}") for p in points]


def _rating_field(method: MethodSpec, axis: str, label: str, required: bool) -> forms.Field:
    return forms.TypedChoiceField(
        choices=_scale(method, axis),
        coerce=int,
        empty_value=None,
        required=required,
        label=label,
    )


class RatingFields(OrgForm):
    """Likelihood and impact on the analysis's method (inherent and residual)."""

    def __init__(
        self, *args: Any, method: Method | str, required: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.method = spec(method)
        m = self.method
        self.fields["likelihood"] = _rating_field(m, "likelihood", "Likelihood", required)
        self.fields["impact"] = _rating_field(m, "impact", "Impact", required)
        self.fields["residual_likelihood"] = _rating_field(
            m, "likelihood", "Residual likelihood", False
        )
        self.fields["residual_impact"] = _rating_field(m, "impact", "Residual impact", False)
        self.fields[
            "residual_likelihood"
        ].help_text = "The risk left with current controls and completed treatments (optional)."
        self.order_fields(
            ["likelihood", "impact", "residual_likelihood", "residual_impact", "current_controls"]
        )


class RateForm(RatingFields):
    current_controls = forms.CharField(
        required=False, widget=SHORT_TEXT, help_text="Security measures in place today."
    )
    owner = owner_field()


class AcceptProposalForm(RatingFields):
    """Accepting a proposal, optionally edited; every field may stay empty (as proposed)."""

    title = forms.CharField(max_length=300, required=False, help_text="Empty: the proposed title.")
    current_controls = forms.CharField(
        required=False, widget=SHORT_TEXT, help_text="Security measures in place today."
    )
    owner = owner_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["required"] = False
        super().__init__(*args, **kwargs)
        self.order_fields(["title", "likelihood", "impact", "residual_likelihood"])


class DismissForm(ReasonForm):
    reason = forms.CharField(
        required=False,
        widget=SHORT_TEXT,
        max_length=5000,
        label="Why it is dismissed",
        help_text="Kept in the approved analysis.",
    )


# --- risks --------------------------------------------------------------------------------------


class RiskForm(OrgForm):
    """A risk's words, owner and assets; on creation also its analysis, threat and
    vulnerability (from the organization's catalog), vendor and data flow."""

    analysis = forms.ModelChoiceField(queryset=RiskAnalysis.objects.none(), empty_label=None)
    title = forms.CharField(max_length=300)
    threat = forms.ModelChoiceField(queryset=Threat.objects.none())
    vulnerability = forms.ModelChoiceField(queryset=Vulnerability.objects.none())
    description = forms.CharField(required=False, widget=SHORT_TEXT)
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none(), required=False)
    data_flow = forms.ModelChoiceField(queryset=DataFlow.objects.none(), required=False)
    current_controls = forms.CharField(
        required=False, widget=SHORT_TEXT, help_text="Security measures in place today."
    )
    owner = owner_field()

    CREATE_ONLY = ("analysis", "threat", "vulnerability", "vendor", "data_flow")

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.organization
        if not creating:
            for name in self.CREATE_ONLY:
                del self.fields[name]
        querysets: dict[str, QuerySet[Any]] = {
            "analysis": RiskAnalysis.objects.for_org(org).order_by("-started_on", "-pk"),
            "threat": Threat.objects.for_org(org).filter(retired=False).order_by("name"),
            "vulnerability": Vulnerability.objects.for_org(org)
            .filter(retired=False)
            .order_by("name"),
            "assets": Asset.objects.for_org(org).order_by("name"),
            "vendor": Vendor.objects.for_org(org).order_by("name"),
            "data_flow": DataFlow.objects.for_org(org).order_by("name"),
        }
        for name, queryset in querysets.items():
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = queryset


# --- treatments and tasks -----------------------------------------------------------------------


class TreatmentForm(OrgForm):
    strategy = forms.ChoiceField(choices=Strategy.choices, widget=forms.RadioSelect)
    description = forms.CharField(required=False, widget=SHORT_TEXT, label="What is done")
    status = forms.ChoiceField(
        choices=TreatmentStatus.choices, initial=TreatmentStatus.PLANNED, required=False
    )
    owner = owner_field()
    due_on = forms.DateField(required=False, widget=DATE, label="Due on")
    spec_ids = ListField(
        required=False,
        label="Security Rule specifications",
        help_text="The ones this treatment implements, one per line, e.g. 164.312(a)(2)(iv).",
    )
    justification = forms.CharField(
        required=False, widget=SHORT_TEXT, help_text="Why the risk is acceptable as it is."
    )
    expires_on = forms.DateField(
        required=False, widget=DATE, label="Acceptance expires on", help_text="When to reconsider."
    )
    counterparty = forms.CharField(
        required=False, max_length=200, help_text="The insurer or vendor the risk goes to."
    )

    SECTIONS = (
        ("Treatment", ("strategy", "description", "status", "owner", "due_on")),
        ("Mitigate: needs an owner and a due date", ("spec_ids",)),
        ("Accept: then an approver signs it off", ("justification", "expires_on")),
        ("Transfer", ("counterparty",)),
    )

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def clean_status(self) -> str:
        return str(self.cleaned_data.get("status") or TreatmentStatus.PLANNED)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class TaskForm(OrgForm):
    title = forms.CharField(required=False, max_length=300, label="Task")
    owner = owner_field()
    due_on = forms.DateField(required=False, widget=DATE, label="Due on")


# --- the questionnaire --------------------------------------------------------------------------

ANSWER_CHOICES = [("", "— not answered —"), *Answer.choices]


# --- the threat and vulnerability catalog -------------------------------------------------------


class CatalogEntryForm(forms.ModelForm):
    """The fields threats and vulnerabilities share; ``key`` only when adding one."""

    spec_ids = ListField(
        required=False,
        label="Security Rule specifications",
        help_text="The ones that address it, one per line, e.g. 164.312(d).",
    )
    nist_controls = ListField(
        required=False,
        label="NIST SP 800-53 controls",
        help_text="One per line or comma-separated, e.g. IA-2, AC-17.",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance.organization = organization
        if self.instance.pk is not None:
            del self.fields["key"]  # the key is how proposals and the API name it

    def clean_key(self) -> str:
        key = str(self.cleaned_data["key"]).strip()
        model = type(self.instance)
        if model.objects.for_org(self.organization).filter(key=key).exists():
            raise forms.ValidationError("An entry with this key already exists here.")
        return key


class ThreatForm(CatalogEntryForm):
    affects = forms.MultipleChoiceField(
        choices=Impact.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What it harms; impact is judged by it.",
    )
    events = ListField(
        required=False, label="Threat events", help_text="NIST SP 800-30 Appendix E events."
    )
    source = forms.ChoiceField(choices=ThreatSource.choices, label="Threat source")

    class Meta:
        model = Threat
        fields = [
            "key",
            "name",
            "source",
            "source_detail",
            "description",
            "affects",
            "events",
            "spec_ids",
            "nist_controls",
            "retired",
        ]
        widgets = {"description": SHORT_TEXT}


class VulnerabilityForm(CatalogEntryForm):
    key_activities = ListField(
        required=False,
        label="NIST SP 800-66r2 key activities",
        help_text="Questions of these key activities answered no propose it, e.g. KA_164.312(d).1.",
    )
    answer_threats = ListField(
        required=False,
        label="Threats it is paired with",
        help_text="Threat keys, when the questionnaire proposes it.",
    )

    class Meta:
        model = Vulnerability
        fields = [
            "key",
            "name",
            "description",
            "spec_ids",
            "nist_controls",
            "key_activities",
            "answer_threats",
            "retired",
        ]
        widgets = {"description": SHORT_TEXT}
