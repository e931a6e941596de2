"""Forms of the evidence library; every choice is limited to the organization."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS

from phiward.catalog import catalog
from phiward.core.errors import Problem
from phiward.core.models import Organization, display_name
from phiward.evidence.library import Links, Metadata
from phiward.evidence.models import SECURITY_RULE, EvidenceItem, EvidenceKind
from phiward.inventory.models import Asset
from phiward.risk.models import Risk

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Names the library uses for fields, as the forms call them.
FIELD_NAMES = {"spec_ids": "specs", "risk_ids": "risks", "asset_ids": "assets"}


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class RiskChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def spec_choices() -> list[tuple[str, str]]:
    return [(e.id, f"{e.id} {e.title}") for e in catalog.load(SECURITY_RULE).entries]


class EvidenceFields(forms.Form):
    """What the upload and edit forms share: description, dates, reviewer and links."""

    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    effective_on = forms.DateField(
        label="In effect from", widget=DATE, help_text="Separate from the upload date."
    )
    expires_on = forms.DateField(
        label="Expires on", required=False, widget=DATE, help_text="Leave empty if it does not."
    )
    reviewer = MemberChoiceField(queryset=User.objects.none(), required=False)
    reviewed_on = forms.DateField(label="Reviewed on", required=False, widget=DATE)
    specs = forms.MultipleChoiceField(
        label="Security Rule specifications",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    risks = RiskChoiceField(queryset=Risk.objects.none(), required=False)
    assets = forms.ModelMultipleChoiceField(queryset=Asset.objects.none(), required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["specs"].choices = spec_choices()  # type: ignore[attr-defined]
        reviewer = self.fields["reviewer"]
        assert isinstance(reviewer, forms.ModelChoiceField)
        reviewer.queryset = User.objects.filter(memberships__organization=organization).order_by(
            "username"
        )
        for name, model in (("risks", Risk), ("assets", Asset)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = model.objects.for_org(organization)

    def metadata(self) -> Metadata:
        data = self.cleaned_data
        return Metadata(
            title=data["title"],
            description=data["description"],
            effective_on=data["effective_on"],
            expires_on=data["expires_on"],
            reviewer=data["reviewer"],
            reviewed_on=data["reviewed_on"],
        )

    def links(self) -> Links:
        data = self.cleaned_data
        return Links(
            spec_ids=tuple(data["specs"]),
            risks=tuple(data["risks"]),
            assets=tuple(data["assets"]),
        )

    def add_problems(self, problems: list[Problem]) -> None:
        """The library's errors on this form, each under its field when the form has it."""
        for problem in problems:
            name = FIELD_NAMES.get(problem.field or "", problem.field or "")
            target = name if name in self.fields else None
            message = problem.message if target else str(problem)
            self.add_error(target, message)

    def non_field_error_list(self) -> list[str]:
        return [str(e) for e in self.errors.get(NON_FIELD_ERRORS, [])]


class UploadForm(EvidenceFields):
    """Add a file or a link."""

    kind = forms.ChoiceField(
        label="What is it",
        choices=[(EvidenceKind.FILE.value, "A file"), (EvidenceKind.LINK.value, "A link")],
        widget=forms.RadioSelect,
        initial=EvidenceKind.FILE.value,
    )
    file = forms.FileField(required=False, help_text="Any type; it is encrypted at rest.")
    url = forms.URLField(label="Address", required=False, max_length=2000, assume_scheme="https")
    field_order = ["kind", "file", "url", "title", "description"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == EvidenceKind.FILE and not data.get("file"):
            self.add_error("file", "Choose the file to upload.")
        if kind == EvidenceKind.LINK and not data.get("url"):
            self.add_error("url", "Enter the address of the evidence.")
        return data


class EditForm(EvidenceFields):
    """Change what describes an item (its content stays as it was added)."""

    last_in_effect_on = forms.DateField(
        label="Last in effect on",
        required=False,
        widget=DATE,
        help_text="Once it is no longer in effect; retention counts 6 years from this day.",
    )
    superseded_by = forms.ModelChoiceField(
        queryset=EvidenceItem.objects.none(), required=False, label="Superseded by"
    )
    superseded_on = forms.DateField(label="Superseded on", required=False, widget=DATE)

    def __init__(self, *args: Any, item: EvidenceItem, **kwargs: Any) -> None:
        super().__init__(*args, organization=item.organization, **kwargs)
        newer = self.fields["superseded_by"]
        assert isinstance(newer, forms.ModelChoiceField)
        newer.queryset = EvidenceItem.objects.for_org(item.organization).exclude(pk=item.pk)

    def changes(self) -> dict[str, object]:
        data = self.cleaned_data
        names = (
            "title",
            "description",
            "effective_on",
            "expires_on",
            "reviewer",
            "reviewed_on",
            "last_in_effect_on",
            "superseded_by",
            "superseded_on",
        )
        return {name: data[name] for name in names}


class DeleteForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required while the evidence is inside its 6-year retention period.",
    )
