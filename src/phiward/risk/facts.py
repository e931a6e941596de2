"""The facts the proposal rules read: plain frozen values built from the inventory.

Pure: no Django. ``phiward.risk.scope`` builds an ``Inventory`` for an analysis from the
database; tests build one by hand. Values are the inventory's stored choice strings
(``encryption_at_rest="none"``), with their labels alongside where a reason shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

# The stored values of inventory choices the rules and the impact scale use.
PORTABLE_KINDS = frozenset({"laptop", "mobile_device", "removable_media"})
CLOUD_KINDS = frozenset({"cloud_service", "saas_application"})
# Systems of record: where ePHI is kept for the organization (not endpoints or devices).
SYSTEM_KINDS = frozenset(
    {
        "ehr",
        "pacs",
        "practice_management",
        "scheduling",
        "e_prescribing",
        "lab_system",
        "email",
        "patient_portal",
        "telehealth",
        "server",
        "database",
        "file_share",
    }
)
IN_SERVICE = frozenset({"planned", "active", "maintenance"})
CRITICALITY_ORDER = ("low", "moderate", "high", "critical")
SENSITIVE_CATEGORY = "sensitive"


def criticality_rank(value: str) -> int:
    """0 (low) .. 3 (critical); an unknown value counts as moderate."""
    return CRITICALITY_ORDER.index(value) if value in CRITICALITY_ORDER else 1


@dataclass(frozen=True, slots=True)
class ZoneFacts:
    id: int
    name: str
    kind: str
    internet_exposed: bool
    kind_label: str = ""


@dataclass(frozen=True, slots=True)
class AssetFacts:
    id: int
    name: str
    kind: str
    kind_label: str
    zone: ZoneFacts | None = None
    vendor_id: int | None = None
    ephi_roles: frozenset[str] = frozenset()  # of creates, receives, maintains, transmits
    record_count: int | None = None
    criticality: str = "moderate"
    encryption_at_rest: str = "unknown"
    encryption_at_rest_label: str = "Unknown"
    os_name: str = ""
    os_version: str = ""
    os_end_of_support: dt.date | None = None
    lifecycle: str = "active"
    mds2_on_file: bool | None = None
    patchable: str = "unknown"
    categories: frozenset[str] = frozenset()  # ePHI categories of the flows in and out of it
    backed_up: bool = False  # a data flow takes its data to a backup system

    @property
    def handles_ephi(self) -> bool:
        return bool(self.ephi_roles)

    @property
    def in_service(self) -> bool:
        return self.lifecycle in IN_SERVICE

    @property
    def os_label(self) -> str:
        return " ".join(part for part in (self.os_name, self.os_version) if part) or "unnamed OS"


@dataclass(frozen=True, slots=True)
class VendorFacts:
    id: int
    name: str
    handles_ephi: bool
    baa_status: str  # none, requested, signed, expired, not_required
    baa_status_label: str
    baa_expires_on: dt.date | None = None
    remote_access: bool = False
    flow_names: tuple[str, ...] = ()  # flows carrying ePHI to or from it
    asset_names: tuple[str, ...] = ()  # assets it hosts or services
    record_count: int | None = None  # the largest of those assets'
    criticality: str = "moderate"  # the highest of those assets'
    categories: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FlowFacts:
    id: int
    name: str
    source: str  # name of the source asset or vendor
    destination: str
    categories: frozenset[str]
    protocol: str
    transit_encryption: str  # none, tls, vpn, ssh, application, unknown
    transit_encryption_label: str
    tls_version: str  # "", 1.0 .. 1.3
    transit_status: str  # encrypted, unencrypted, unknown (inventory.transit)
    criticality: str = "moderate"  # the destination asset's (a vendor counts as moderate)


@dataclass(frozen=True, slots=True)
class AnswerFacts:
    question_id: str
    key_activity_id: str
    key_activity_title: str
    answer: str  # yes, partial, no, n/a, unknown


@dataclass(frozen=True, slots=True)
class Profile:
    """The organization's ePHI at a glance: what organization-wide proposals are judged by."""

    record_count: int | None = None  # the largest record count of an ePHI asset
    criticality: str = "moderate"  # the highest clinical criticality of an ePHI asset
    categories: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Inventory:
    today: dt.date
    assets: tuple[AssetFacts, ...] = ()
    vendors: tuple[VendorFacts, ...] = ()
    flows: tuple[FlowFacts, ...] = ()
    answers: tuple[AnswerFacts, ...] = ()
    backups_recorded: bool = False  # the inventory records data flows into backup systems
    profile: Profile = field(default_factory=Profile)


@dataclass(frozen=True, slots=True)
class ThreatInfo:
    key: str
    name: str
    affects: frozenset[str]  # empty: everything


@dataclass(frozen=True, slots=True)
class VulnerabilityInfo:
    key: str
    name: str
    key_activities: tuple[str, ...] = ()
    answer_threats: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalog:
    """The organization's threats and vulnerabilities the rules may propose (not retired)."""

    threats: Mapping[str, ThreatInfo]
    vulnerabilities: Mapping[str, VulnerabilityInfo]
