"""Sample inventory data and JSON request helpers for the API tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.test import Client

from phiward.core.models import Organization
from phiward.inventory.models import (
    Asset,
    AssetKind,
    AtRestEncryption,
    BaaStatus,
    DataFlow,
    TransitEncryption,
    Vendor,
    Zone,
    ZoneKind,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

API = "/api/organizations"


@dataclass(frozen=True)
class Inventory:
    """One object of each inventory kind, in one organization."""

    org: Organization
    zone: Zone
    vendor: Vendor
    asset: Asset
    flow: DataFlow

    def ids(self) -> dict[str, int]:
        return {
            "zones": self.zone.pk,
            "vendors": self.vendor.pk,
            "assets": self.asset.pk,
            "flows": self.flow.pk,
        }


def build_inventory(org: Organization, prefix: str = "") -> Inventory:
    zone = Zone.objects.create(
        organization=org, name=f"{prefix}Clinical LAN", kind=ZoneKind.CLINICAL
    )
    vendor = Vendor.objects.create(
        organization=org, name=f"{prefix}CloudEHR Inc", baa_status=BaaStatus.SIGNED
    )
    asset = Asset.objects.create(
        organization=org,
        name=f"{prefix}EHR server",
        kind=AssetKind.EHR,
        zone=zone,
        vendor=vendor,
        ephi_maintains=True,
        encryption_at_rest=AtRestEncryption.DATABASE_TDE,
        hostname="ehr01.clinic.example",
        ip_address="10.1.0.10",
    )
    flow = DataFlow.objects.create(
        organization=org,
        name=f"{prefix}EHR to vendor backup",
        source_asset=asset,
        destination_vendor=vendor,
        ephi_categories=["clinical_notes"],
        transit_encryption=TransitEncryption.TLS,
        tls_version="1.2",
    )
    return Inventory(org, zone, vendor, asset, flow)


def send(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Response:
    """A JSON request; ``body`` is sent for POST and PATCH."""
    call: Callable[..., Response] = getattr(client, method.lower())
    if method in ("POST", "PATCH", "PUT"):
        return call(path, body or {}, content_type="application/json")
    return call(path)


def new_body(resource: str, inv: Inventory) -> dict[str, Any]:
    """A valid creation body for ``resource`` that refers to objects of ``inv``."""
    bodies: dict[str, dict[str, Any]] = {
        "zones": {"name": "Guest Wi-Fi", "kind": "guest", "internet_exposed": True},
        "vendors": {"name": "Shredding Co", "handles_ephi": True, "baa_status": "requested"},
        "assets": {
            "name": "Front desk PC",
            "kind": "workstation",
            "zone_id": inv.zone.pk,
            "ephi_receives": True,
            "encryption_at_rest": "full_disk",
        },
        "flows": {
            "name": "Lab results feed",
            "source_vendor_id": inv.vendor.pk,
            "destination_asset_id": inv.asset.pk,
            "ephi_categories": ["lab_results"],
            "transit_encryption": "vpn",
        },
    }
    return bodies[resource]


RESOURCES = ("zones", "vendors", "assets", "flows")
