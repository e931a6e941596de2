from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from phiward.core.models import OfficerKind, Organization, ProgramArea, Raci


class OrganizationForm(forms.ModelForm[Organization]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    class Meta:
        model = Organization
        fields = ["name", "slug", "kind", "description", "address"]
        help_texts = {"slug": "Short name used in addresses, e.g. 'riverside-family-practice'."}


class OfficerForm(forms.Form):
    officer = forms.ChoiceField(choices=OfficerKind.choices)
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Person")
    effective_date = forms.DateField(
        initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        members = User.objects.filter(memberships__organization=organization).order_by("username")
        self.fields["user"].queryset = members  # type: ignore[attr-defined]


class ResponsibilityMatrixForm(forms.Form):
    """One select per (program area, member): blank, R, A, C or I."""

    def __init__(
        self, *args: Any, members: list[User], current: dict[tuple[str, int], str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        choices = [("", "—"), *Raci.choices]
        for area in ProgramArea:
            for member in members:
                self.fields[self.key(area, member)] = forms.ChoiceField(
                    choices=choices,
                    required=False,
                    initial=current.get((area.value, member.pk), ""),
                    label=f"{area.label}: {member.get_full_name() or member.username}",
                )

    @staticmethod
    def key(area: str, member: User) -> str:
        return f"{area}__{member.pk}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for area in ProgramArea:
            accountable = [
                m for m in self.members if cleaned.get(self.key(area, m)) == Raci.ACCOUNTABLE
            ]
            if len(accountable) > 1:
                raise forms.ValidationError(f"{area.label}: only one person can be Accountable.")
        return cleaned
