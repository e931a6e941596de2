"""A small clinic inventory for the risk tests, and an analysis over it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from phiward.risk.analysis import start_analysis
from phiward.risk.models import RiskAnalysis
from tests.risk.factories import make_asset, make_flow, make_vendor, make_zone


@dataclass
class Clinic:
    org: Organization
    clinical: Zone
    servers: Zone
    business: Zone
    collections: Vendor
    lt01: Asset
    lt02: Asset
    lt03: Asset
    ehr: Asset
    backup: Asset
    files: Asset
    ultrasound: Asset
    balances: DataFlow
    backups: DataFlow


def build_clinic(org: Organization) -> Clinic:
    clinical = make_zone(org, "Clinic LAN", kind="clinical")
    servers = make_zone(org, "Servers", kind="server")
    business = make_zone(org, "Business", kind="business")
    collections = make_vendor(org, "Collections Co", baa_status="none")
    laptop = {"zone": clinical, "encryption_at_rest": "none", "ephi_receives": True}
    lt01 = make_asset(org, "LT01", **laptop)
    lt02 = make_asset(org, "LT02", **laptop)
    lt03 = make_asset(org, "LT03", **{**laptop, "encryption_at_rest": "full_disk"})
    ehr = make_asset(
        org,
        "EHR server",
        kind="server",
        zone=servers,
        record_count=20_000,
        criticality="critical",
        encryption_at_rest="database_tde",
    )
    backup = make_asset(
        org, "Backup appliance", kind="backup_system", zone=servers, encryption_at_rest="file_level"
    )
    files = make_asset(
        org, "File server", kind="file_share", zone=servers, encryption_at_rest="full_disk"
    )
    ultrasound = make_asset(
        org,
        "Ultrasound",
        kind="medical_device",
        zone=business,
        patchable="no",
        mds2_on_file=False,
        criticality="high",
    )
    balances = make_flow(
        org, "Balances", source_asset=ehr, destination_vendor=collections, protocol="FTP"
    )
    backups = make_flow(
        org,
        "Backups",
        source_asset=files,
        destination_asset=backup,
        transit_encryption="application",
    )
    return Clinic(
        org,
        clinical,
        servers,
        business,
        collections,
        lt01,
        lt02,
        lt03,
        ehr,
        backup,
        files,
        ultrasound,
        balances,
        backups,
    )


@pytest.fixture
def clinic(org: Organization) -> Clinic:
    return build_clinic(org)


@pytest.fixture
def analysis(clinic: Clinic, officer: User) -> RiskAnalysis:
    return start_analysis(clinic.org, officer, title="2026 risk analysis")
