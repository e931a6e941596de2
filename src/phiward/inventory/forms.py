"""Forms for the inventory; every related-object choice is limited to the organization."""

from __future__ import annotations

from typing import Any

from django import forms

from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, EphiCategory, Vendor, Zone

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrgScopedModelForm(forms.ModelForm):
    """Sets the instance's organization and limits every foreign-key choice to it."""

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance.organization = organization
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                field.queryset = field.queryset.model.objects.for_org(organization)

    def clean_name(self) -> str:
        # organization is not a form field, so ModelForm skips the (organization, name)
        # constraint; check it here so a duplicate is a form error, not a database error.
        name = str(self.cleaned_data["name"]).strip()
        model = type(self.instance)
        clash = model.objects.for_org(self.organization).filter(name=name)
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                f"A {model._meta.verbose_name} with this name already exists here."
            )
        return name


class ZoneForm(OrgScopedModelForm):
    class Meta:
        model = Zone
        fields = ["name", "kind", "description", "cidrs", "internet_exposed"]


class VendorForm(OrgScopedModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Vendor
        fields = [
            "name",
            "service",
            "handles_ephi",
            "baa_status",
            "baa_signed_on",
            "baa_expires_on",
            "remote_access",
            "contact",
            "website",
            "notes",
        ]
        widgets = {"baa_signed_on": DATE, "baa_expires_on": DATE}


ASSET_SECTIONS: list[tuple[str, list[str]]] = [
    ("What it is", ["name", "kind", "description", "owner", "site", "zone", "vendor", "lifecycle"]),
    (
        "ePHI",
        [
            "ephi_creates",
            "ephi_receives",
            "ephi_maintains",
            "ephi_transmits",
            "record_count",
            "criticality",
        ],
    ),
    ("Protection", ["encryption_at_rest", "encryption_algorithm"]),
    ("Platform", ["os_name", "os_version", "os_end_of_support"]),
    (
        "Identifiers used by scanners",
        ["hostname", "ip_address", "mac_address", "serial_number", "last_seen"],
    ),
    ("Medical device", ["manufacturer", "model", "mds2_on_file", "patchable"]),
    ("Notes", ["notes"]),
]


class AssetForm(OrgScopedModelForm):
    class Meta:
        model = Asset
        fields = [name for _, names in ASSET_SECTIONS for name in names]
        widgets = {
            "os_end_of_support": DATE,
            "last_seen": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "mds2_on_file": forms.NullBooleanSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in ASSET_SECTIONS]


class DataFlowForm(OrgScopedModelForm):
    ephi_categories = forms.MultipleChoiceField(
        choices=EphiCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="ePHI categories carried",
        help_text="Leave empty if the flow carries no ePHI.",
    )

    class Meta:
        model = DataFlow
        fields = [
            "name",
            "source_asset",
            "source_vendor",
            "destination_asset",
            "destination_vendor",
            "ephi_categories",
            "protocol",
            "transit_encryption",
            "tls_version",
            "purpose",
            "frequency",
            "notes",
        ]
        labels = {
            "source_asset": "From asset",
            "source_vendor": "or from vendor",
            "destination_asset": "To asset",
            "destination_vendor": "or to vendor",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}
