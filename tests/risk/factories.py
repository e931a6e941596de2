"""Hand-built facts for the pure engine tests, and inventory records for the database tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from phiward.risk.facts import (
    AnswerFacts,
    AssetFacts,
    Catalog,
    FlowFacts,
    Inventory,
    ThreatInfo,
    VendorFacts,
    VulnerabilityInfo,
    ZoneFacts,
)
from phiward.risk.library import load_library

TODAY = dt.date(2026, 6, 1)
CLINICAL = ZoneFacts(1, "Clinic LAN", "clinical", False, "Clinical")
MEDICAL = ZoneFacts(2, "Medical devices", "medical_device", False, "Medical devices")
BUSINESS = ZoneFacts(3, "Business", "business", False, "Business")
FLAT = ZoneFacts(4, "Office", "flat", False, "Flat (unsegmented)")
DMZ = ZoneFacts(5, "DMZ", "dmz", True, "DMZ")
CLOUD = ZoneFacts(6, "Cloud", "cloud", True, "Cloud")
SERVERS = ZoneFacts(7, "Servers", "server", False, "Server / data center")

_ids = iter(range(1000, 10**6))
LAPTOP_FIELDS = {"kind": "laptop", "kind_label": "Laptop", "ephi_roles": frozenset({"maintains"})}


def asset(**fields: Any) -> AssetFacts:
    values: dict[str, Any] = {
        "id": next(_ids),
        "name": f"asset-{len(fields)}",
        "kind": "workstation",
        "kind_label": "Workstation",
        "zone": CLINICAL,
        "ephi_roles": frozenset({"receives"}),
        "encryption_at_rest": "full_disk",
        "encryption_at_rest_label": "Full-disk",
    }
    values.update(fields)
    if "name" not in fields:
        values["name"] = f"asset-{values['id']}"
    return AssetFacts(**values)


def vendor(**fields: Any) -> VendorFacts:
    values: dict[str, Any] = {
        "id": next(_ids),
        "name": "Acme Billing",
        "handles_ephi": True,
        "baa_status": "signed",
        "baa_status_label": "Signed",
    }
    values.update(fields)
    return VendorFacts(**values)


def flow(**fields: Any) -> FlowFacts:
    values: dict[str, Any] = {
        "id": next(_ids),
        "name": "Claims",
        "source": "PM",
        "destination": "Clearinghouse",
        "categories": frozenset({"billing"}),
        "protocol": "HTTPS",
        "transit_encryption": "tls",
        "transit_encryption_label": "TLS",
        "tls_version": "1.2",
        "transit_status": "encrypted",
    }
    values.update(fields)
    return FlowFacts(**values)


def answer(question_id: str, value: str) -> AnswerFacts:
    from phiward.risk.questionnaire import key_activities, key_activity_of

    activity = key_activities()[key_activity_of(question_id)]
    return AnswerFacts(question_id, activity.id, activity.title, value)


def inventory(**fields: Any) -> Inventory:
    return Inventory(today=fields.pop("today", TODAY), **fields)


def shipped_catalog() -> Catalog:
    library = load_library()
    return Catalog(
        threats={t.key: ThreatInfo(t.key, t.name, frozenset(t.affects)) for t in library.threats},
        vulnerabilities={
            v.key: VulnerabilityInfo(v.key, v.name, v.key_activities, v.answer_threats)
            for v in library.vulnerabilities
        },
    )


# --- database records ---------------------------------------------------------------------------


def make_zone(org: Organization, name: str = "Clinical", **fields: Any) -> Zone:
    zone = Zone(organization=org, name=name, kind=fields.pop("kind", "clinical"), **fields)
    zone.full_clean()
    zone.save()
    return zone


def make_vendor(org: Organization, name: str = "Acme Billing", **fields: Any) -> Vendor:
    record = Vendor(organization=org, name=name, **fields)
    record.full_clean()
    record.save()
    return record


def make_asset(org: Organization, name: str, **fields: Any) -> Asset:
    defaults: dict[str, Any] = {"kind": "laptop", "ephi_maintains": True}
    defaults.update(fields)
    record = Asset(organization=org, name=name, **defaults)
    record.full_clean()
    record.save()
    return record


def make_flow(org: Organization, name: str, **fields: Any) -> DataFlow:
    defaults: dict[str, Any] = {"ephi_categories": ["billing"], "transit_encryption": "none"}
    defaults.update(fields)
    record = DataFlow(organization=org, name=name, **defaults)
    record.full_clean()
    record.save()
    return record
