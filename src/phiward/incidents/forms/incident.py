"""Reporting an incident, triage, its status and its timeline."""

from __future__ import annotations

from typing import Any

from django import forms

from phiward.core.models import Organization
from phiward.evidence.models import EvidenceItem
from phiward.incidents.forms import (
    DATETIME,
    LONG_TEXT,
    SHORT_TEXT,
    OrgForm,
    member_field,
)
from phiward.incidents.models import Category, PhiInvolved, Severity, TimelineKind
from phiward.inventory.models import Asset, Vendor

ANONYMOUS_HELP = (
    "Your name is not stored with the report, and the audit log records it as an "
    "'anonymous report'. The security team cannot contact you unless you leave a way to reach "
    "you below."
)
# Entry kinds a person adds on the timeline page (the services add the others themselves).
TIMELINE_KINDS = [
    (TimelineKind.ACTION.value, TimelineKind.ACTION.label),
    (TimelineKind.DECISION.value, TimelineKind.DECISION.label),
    (TimelineKind.COMMUNICATION.value, TimelineKind.COMMUNICATION.label),
    (TimelineKind.NOTE.value, TimelineKind.NOTE.label),
]


class InventoryLinks(OrgForm):
    """Systems and vendors from the inventory (only for members who may read it)."""

    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        label="Systems involved",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    vendors = forms.ModelMultipleChoiceField(
        queryset=Vendor.objects.none(),
        required=False,
        label="Vendors involved",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, organization=organization, **kwargs)
        for name, model in (("assets", Asset), ("vendors", Vendor)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = model.objects.for_org(organization).order_by("name")


class ReportForm(InventoryLinks):
    """The intake form: what a workforce member (or anyone in the organization) reports."""

    title = forms.CharField(
        max_length=200,
        label="What happened, in a few words",
        help_text="For example: 'Laptop left on the bus' or 'Clicked a link in a strange e-mail'.",
    )
    description = forms.CharField(
        required=False,
        label="Tell us more",
        widget=LONG_TEXT,
        help_text="What you saw, what you did, who else knows. Facts only; nobody is blamed for "
        "reporting.",
    )
    category = forms.ChoiceField(
        choices=Category.choices,
        initial=Category.OTHER,
        label="What kind of incident is it?",
        help_text="Your best guess is fine; the security team will check.",
    )
    occurred_at = forms.DateTimeField(
        required=False,
        label="When did it happen?",
        widget=DATETIME,
        help_text="Leave empty if you do not know.",
    )
    discovered_at = forms.DateTimeField(
        required=False, label="When did you notice it?", widget=DATETIME
    )
    phi_involved = forms.ChoiceField(
        choices=PhiInvolved.choices,
        initial=PhiInvolved.UNKNOWN,
        label="Was patient information involved?",
        widget=forms.RadioSelect,
    )
    systems_text = forms.CharField(
        required=False,
        max_length=1000,
        label="Systems or devices involved (optional)",
        widget=SHORT_TEXT,
        help_text="For example: 'front-desk PC', 'my work phone', 'e-mail'.",
    )
    anonymous = forms.BooleanField(
        required=False, label="Report anonymously", help_text=ANONYMOUS_HELP
    )
    reporter_contact = forms.CharField(
        required=False,
        max_length=500,
        label="How can we reach you? (optional)",
        help_text="A phone number or e-mail, if you want the security team to follow up.",
    )

    field_order = [
        "title",
        "description",
        "category",
        "occurred_at",
        "discovered_at",
        "phi_involved",
        "assets",
        "vendors",
        "systems_text",
        "anonymous",
        "reporter_contact",
    ]

    def __init__(
        self, *args: Any, organization: Organization, sees_inventory: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, organization=organization, **kwargs)
        if sees_inventory:
            self.fields["assets"].help_text = "Optional. Hold Ctrl (or Cmd) to choose several."
        else:
            # The inventory is not theirs to browse: they name the systems in words.
            del self.fields["assets"]
            del self.fields["vendors"]

    def full_description(self) -> str:
        data = self.cleaned_data
        systems = str(data.get("systems_text", "")).strip()
        text = str(data.get("description", "")).strip()
        if systems:
            text = f"{text}\n\nSystems or devices involved: {systems}".strip()
        return text


class TriageForm(InventoryLinks):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=LONG_TEXT)
    category = forms.ChoiceField(choices=Category.choices)
    severity = forms.ChoiceField(choices=Severity.choices)
    handler = member_field("Handler", "— not assigned —")
    occurred_at = forms.DateTimeField(required=False, label="Occurred at", widget=DATETIME)
    discovered_at = forms.DateTimeField(required=False, label="Discovered at", widget=DATETIME)
    phi_involved = forms.ChoiceField(choices=PhiInvolved.choices, label="PHI involved")

    field_order = [
        "title",
        "description",
        "category",
        "severity",
        "handler",
        "occurred_at",
        "discovered_at",
        "phi_involved",
        "assets",
        "vendors",
    ]


class StatusForm(forms.Form):
    status = forms.CharField(max_length=20, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=2000, widget=SHORT_TEXT)


class TimelineForm(OrgForm):
    kind = forms.ChoiceField(choices=TIMELINE_KINDS, label="Kind of entry")
    text = forms.CharField(label="What happened", widget=SHORT_TEXT)
    at = forms.DateTimeField(
        required=False,
        label="When",
        widget=DATETIME,
        help_text="Leave empty for now (UTC).",
    )
    evidence = forms.ModelChoiceField(
        queryset=EvidenceItem.objects.none(),
        required=False,
        label="Attach evidence",
        empty_label="— none —",
        help_text="An item of the evidence library; its SHA-256 is recorded with the entry.",
    )

    def __init__(
        self, *args: Any, organization: Organization, sees_evidence: bool, **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", "timeline_%s")
        super().__init__(*args, organization=organization, **kwargs)
        if sees_evidence:
            field = self.fields["evidence"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = EvidenceItem.objects.for_org(organization).order_by("-pk")
        else:
            del self.fields["evidence"]
