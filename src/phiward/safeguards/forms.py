"""The safeguard edit form: the fields an entry takes, policies one per line.

The form only shapes input; the rules (a decision for addressable specifications, a reason for
"not applicable" on required ones, ...) are ``SafeguardStatus.clean``'s, reached through
``services.update``, whose errors come back onto the fields they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User

from phiward.catalog.catalog import CatalogEntry, Requirement
from phiward.core.models import Organization, display_name
from phiward.safeguards.models import SafeguardStatus
from phiward.safeguards.status import Decision, Implementation

POLICY_HELP = (
    "One per line: title | URL or document reference, e.g. "
    "'Access control policy | https://intranet.example/policies/access' or "
    "'Backup procedure | SOP-12 v3'."
)
URL_PREFIXES = ("http://", "https://")


class MemberChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{display_name(obj)} ({obj.get_username()})"


def policies_text(policies: list[dict[str, str]]) -> str:
    return "\n".join(
        f"{item.get('title', '')} | {item.get('url') or item.get('reference', '')}"
        for item in policies
    )


def parse_policies(text: str) -> list[dict[str, str]]:
    """Lines of 'title | URL or reference' as the model's policy list; errors name the line."""
    parsed = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        title, bar, target = line.partition("|")
        if not bar or not title.strip() or not target.strip():
            raise forms.ValidationError(
                f"Line {number}: write 'title | URL or document reference'."
            )
        target = target.strip()
        is_url = target.lower().startswith(URL_PREFIXES)
        parsed.append(
            {
                "title": title.strip(),
                "url": target if is_url else "",
                "reference": "" if is_url else target,
            }
        )
    return parsed


class SafeguardForm(forms.Form):
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in Implementation])
    owner = MemberChoiceField(
        queryset=User.objects.none(), required=False, label="Owner", empty_label="— no owner —"
    )
    description = forms.CharField(
        label="How it is met",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The measures in place, where they run, who operates them.",
    )
    decision = forms.ChoiceField(
        choices=[("", "— not decided yet —"), *((d.value, d.label) for d in Decision)],
        required=False,
        help_text="Addressable specifications need a documented decision (164.306(d)(3)).",
    )
    alternative = forms.CharField(
        label="Equivalent alternative measure",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="With the decision 'equivalent alternative measure': what is done instead.",
    )
    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the specification as written is not reasonable and appropriate "
        "(164.306(d)(3)(ii)(B)).",
    )
    na_reason = forms.CharField(
        label='Reason it is "not applicable"',
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A required entry marked not applicable needs this reason and an approval by "
        "someone else who may approve (or an owner).",
    )
    policies = forms.CharField(
        label="Policies and procedures",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=POLICY_HELP,
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        entry: CatalogEntry,
        row: SafeguardStatus,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault(
            "initial",
            {
                "status": row.status,
                "owner": row.owner_id,
                "description": row.description,
                "decision": row.decision,
                "alternative": row.alternative,
                "rationale": row.rationale,
                "na_reason": row.na_reason,
                "policies": policies_text(row.policies),
            },
        )
        super().__init__(*args, **kwargs)
        members = User.objects.filter(memberships__organization=organization).order_by("username")
        self.fields["owner"].queryset = members  # type: ignore[attr-defined]
        if entry.requirement is Requirement.ADDRESSABLE:
            del self.fields["na_reason"]
        else:
            for name in ("decision", "alternative", "rationale"):
                del self.fields[name]

    def clean_policies(self) -> list[dict[str, str]]:
        return parse_policies(self.cleaned_data.get("policies") or "")


class RejectForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    note = forms.CharField(
        label="Why it is rejected", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RiskLinkForm(forms.Form):
    risk = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("link", "Link"), ("unlink", "Unlink")])
