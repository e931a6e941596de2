"""The demo generators, without the database: reproducible, consistent, realistic, with gaps."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import Counter

import pytest

from phiward.demo.clinic import COLLECTIONS, LEGACY_US, UNENCRYPTED_LAPTOP, riverside
from phiward.demo.network import riverside_network
from phiward.demo.spec import ClinicSpec

NOW = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def clinic() -> ClinicSpec:
    return riverside(7, NOW)


def test_same_seed_same_clinic_other_seed_other_details(clinic: ClinicSpec) -> None:
    assert riverside(7, NOW) == clinic
    other = riverside(8, NOW)
    assert [a.name for a in other.assets] == [a.name for a in clinic.assets]
    assert [a.mac_address for a in other.assets] != [a.mac_address for a in clinic.assets]


def test_the_clinic_has_the_shape_of_a_sixty_person_practice(clinic: ClinicSpec) -> None:
    kinds = Counter(a.kind for a in clinic.assets)
    assert 35 <= kinds["workstation"] + kinds["laptop"] <= 45
    assert kinds["medical_device"] >= 8
    for kind in (
        "ehr",
        "pacs",
        "practice_management",
        "e_prescribing",
        "patient_portal",
        "email",
        "file_share",
        "backup_system",
        "identity_provider",
        "firewall",
    ):
        assert kinds[kind] >= 1, kind  # fmt: skip
    assert 2 <= len(clinic.sites) <= 3
    assert {z.kind for z in clinic.zones} >= {
        "clinical", "medical_device", "business", "guest", "server", "cloud"
    }  # fmt: skip
    ephi_vendors = [v for v in clinic.vendors if v.handles_ephi]
    assert len(ephi_vendors) >= 10
    signed = [v for v in ephi_vendors if v.baa_status == "signed"]
    assert len(signed) >= len(ephi_vendors) - 2
    assert all(v.baa_signed_on is not None and v.baa_signed_on < NOW.date() for v in signed)
    assert [v.name for v in ephi_vendors if v.baa_status == "none"] == [COLLECTIONS]
    windows = [a for a in clinic.assets if a.os_name.startswith("Windows 1")]
    assert windows
    assert sum(1 for a in windows if a.os_version == "22H2") == 2


def test_the_gaps_are_there(clinic: ClinicSpec) -> None:
    assets = {a.name: a for a in clinic.assets}
    unencrypted = [a.name for a in clinic.assets if a.ephi and a.encryption_at_rest == "none"]
    assert unencrypted == [UNENCRYPTED_LAPTOP]
    assert assets[UNENCRYPTED_LAPTOP].kind == "laptop"
    legacy = assets[LEGACY_US]
    assert legacy.kind == "medical_device"
    assert legacy.zone == "Business"
    assert legacy.os_name.startswith("Windows 7")
    assert legacy.patchable == "no"
    assert legacy.os_end_of_support is not None
    assert legacy.os_end_of_support < NOW.date()
    plain = [f for f in clinic.flows if f.transit == "none"]
    assert len(plain) == 1
    assert plain[0].protocol == "FTP"
    assert plain[0].destination.name == COLLECTIONS
    assert plain[0].categories
    weak = [f for f in clinic.flows if f.tls_version in ("1.0", "1.1")]
    assert len(weak) == 1
    assert assets[weak[0].destination.name].kind == "medical_device"
    eos = [
        a.name for a in clinic.assets if a.os_end_of_support and a.os_end_of_support < NOW.date()
    ]
    assert len(eos) == 3  # two Windows 10 workstations and the Windows 7 ultrasound


def test_addresses_fall_in_their_zone_and_identities_are_unique(clinic: ClinicSpec) -> None:
    networks = {z.name: [ipaddress.ip_network(c) for c in z.cidrs] for z in clinic.zones if z.cidrs}
    with_ip = [a for a in clinic.assets if a.ip_address]
    assert len(with_ip) > 60
    for a in with_ip:
        assert a.zone in networks, a.name
        assert any(ipaddress.ip_address(a.ip_address) in n for n in networks[a.zone]), a.name
        assert a.mac_address
        assert a.serial_number
        assert a.hostname
        assert a.last_seen is not None
        assert a.last_seen < NOW
    for field in ("ip_address", "mac_address", "hostname", "name"):
        values = [getattr(a, field) for a in with_ip]
        assert len(values) == len(set(values)), field


def test_flows_join_known_endpoints_with_valid_categories(clinic: ClinicSpec) -> None:
    assets = {a.name for a in clinic.assets}
    vendors = {v.name for v in clinic.vendors}
    known = {
        "demographics", "identifiers", "clinical_notes", "diagnoses", "medications",
        "lab_results", "imaging", "billing", "scheduling", "device_data", "sensitive",
    }  # fmt: skip
    for flow in clinic.flows:
        for end in (flow.source, flow.destination):
            assert end.name in (assets if end.kind == "asset" else vendors), flow.name
        assert set(flow.categories) <= known
        assert (flow.tls_version == "") or flow.transit == "tls"
    assert len({f.name for f in clinic.flows}) == len(clinic.flows)


def test_one_accountable_per_area_and_officers_are_members(clinic: ClinicSpec) -> None:
    accountable = Counter(r.area for r in clinic.raci if r.raci == "A")
    assert len(accountable) == 8
    assert set(accountable.values()) == {1}
    roles = {p.username: p.role for p in clinic.people}
    assert set(roles.values()) == {
        "owner", "security_officer", "privacy_officer", "auditor", "workforce"
    }  # fmt: skip
    assert roles[clinic.security_officer] == "security_officer"
    assert roles[clinic.privacy_officer] == "privacy_officer"


@pytest.mark.parametrize("size", [500, 2000, 5000])
def test_network_has_about_the_requested_number_of_assets(size: int) -> None:
    spec = riverside_network(3, NOW, size)
    assert abs(len(spec.assets) - size) <= max(40, size * 0.02)
    kinds = Counter(a.kind for a in spec.assets)
    assert kinds["workstation"] > kinds["laptop"] > kinds["firewall"] > 0
    assert 0.1 < kinds["medical_device"] / len(spec.assets) < 0.3
    assert len(spec.vendors) > 16
    assert len(spec.flows) > size / 20
    assert len({a.name for a in spec.assets}) == len(spec.assets)
    ips = [a.ip_address for a in spec.assets if a.ip_address]
    assert len(ips) == len(set(ips))
    assert all(len(", ".join(z.cidrs)) <= 500 for z in spec.zones)


def test_network_is_reproducible() -> None:
    assert riverside_network(3, NOW, 800) == riverside_network(3, NOW, 800)
