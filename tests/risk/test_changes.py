"""Change tracking (S12): inventory changes mark the risks that depend on them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow
from phiward.risk.changes import WATCHED, flag_risks
from phiward.risk.models import ReassessmentReason, ReassessmentSource, Risk, RiskAnalysis
from phiward.risk.register import add_risk, close_risk, rate_risk
from tests.risk.conftest import Clinic


@pytest.fixture
def laptop_risk(clinic: Clinic, analysis: RiskAnalysis, officer: User) -> Risk:
    risk = add_risk(
        analysis,
        officer,
        title="Laptops",
        threat="lost-stolen-device",
        vulnerability="no-encryption-at-rest",
        assets=[clinic.lt01, clinic.lt02],
        likelihood=3,
        impact=2,
    )
    assert not risk.needs_reassessment
    return risk


def open_reasons(risk: Risk) -> list[str]:
    return [r.reason for r in risk.reassessments.filter(resolved_at=None).order_by("pk")]


def test_an_asset_fact_change_flags_linked_risks(
    clinic: Clinic, laptop_risk: Risk, officer: User
) -> None:
    clinic.lt01.encryption_at_rest = "full_disk"
    clinic.lt01.save()
    laptop_risk.refresh_from_db()
    assert laptop_risk.needs_reassessment
    (reason,) = laptop_risk.reassessments.all()
    assert reason.reason == "Asset 'LT01': encryption at rest changed from None to Full-disk"
    assert reason.source == ReassessmentSource.INVENTORY
    assert (reason.object_type, reason.object_id) == ("inventory.asset", str(clinic.lt01.pk))


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        (
            "os_end_of_support",
            dt.date(2025, 10, 14),
            "OS end of support changed from not recorded to 2025-10-14",
        ),
        ("patchable", "no", "patchable changed from Unknown to No"),
        ("ephi_maintains", False, "maintains ePHI changed from yes to no"),
        ("record_count", 1200, "record count changed from not recorded to 1200"),
        (
            "criticality",
            "critical",
            "clinical criticality changed from Moderate to Critical (patient safety)",
        ),
        ("lifecycle", "retired", "lifecycle changed from In use to Retired"),
        ("mds2_on_file", True, "MDS2 form on file changed from not recorded to yes"),
    ],
)
def test_each_watched_asset_fact(
    clinic: Clinic, laptop_risk: Risk, field: str, value: object, words: str
) -> None:
    setattr(clinic.lt01, field, value)
    clinic.lt01.save()
    assert open_reasons(laptop_risk) == [f"Asset 'LT01': {words}"]


def test_zone_moves_name_the_zones(clinic: Clinic, laptop_risk: Risk) -> None:
    clinic.lt02.zone = clinic.business
    clinic.lt02.save()
    assert open_reasons(laptop_risk) == [
        "Asset 'LT02': zone changed from 'Clinic LAN' to 'Business'"
    ]


def test_changes_that_do_not_matter_flag_nothing(clinic: Clinic, laptop_risk: Risk) -> None:
    clinic.lt01.owner = "Dr. Lee"
    clinic.lt01.notes = "Patient Jane Doe's chart was open on it"  # free text: never in a reason
    clinic.lt01.hostname = "lt01.clinic.example"
    clinic.lt01.save()
    clinic.lt03.encryption_at_rest = "none"  # not linked to the risk
    clinic.lt03.save()
    laptop_risk.refresh_from_db()
    assert not laptop_risk.needs_reassessment
    assert not ReassessmentReason.objects.exists()


def test_several_changes_make_one_reason(clinic: Clinic, laptop_risk: Risk) -> None:
    clinic.lt01.encryption_at_rest = "full_disk"
    clinic.lt01.lifecycle = "maintenance"
    clinic.lt01.notes = "secret words"
    clinic.lt01.save()
    (reason,) = open_reasons(laptop_risk)
    assert reason == (
        "Asset 'LT01': encryption at rest changed from None to Full-disk; "
        "lifecycle changed from In use to In maintenance"
    )
    assert "secret" not in reason


def test_vendor_and_flow_changes(clinic: Clinic, analysis: RiskAnalysis, officer: User) -> None:
    vendor_risk = add_risk(
        analysis,
        officer,
        title="BAA",
        threat="vendor-compromise",
        vulnerability="no-baa",
        vendor=clinic.collections,
    )
    flow_risk = add_risk(
        analysis,
        officer,
        title="FTP",
        threat="interception",
        vulnerability="unencrypted-transmission",
        data_flow=clinic.balances,
    )
    clinic.collections.baa_status = "signed"
    clinic.collections.baa_expires_on = dt.date(2028, 1, 31)
    clinic.collections.save()
    assert open_reasons(vendor_risk) == [
        "Vendor 'Collections Co': BAA status changed from None on file to Signed; "
        "BAA expiry date changed from not recorded to 2028-01-31"
    ]
    clinic.balances.transit_encryption = "tls"
    clinic.balances.tls_version = "1.3"
    clinic.balances.save()
    assert open_reasons(flow_risk) == [
        "Data flow 'Balances': transit encryption changed from None to TLS; "
        "minimum TLS version changed from not recorded to TLS 1.3"
    ]


def test_zone_changes_reach_risks_through_assets(clinic: Clinic, laptop_risk: Risk) -> None:
    clinic.clinical.internet_exposed = True
    clinic.clinical.save()
    assert open_reasons(laptop_risk) == [
        "Zone 'Clinic LAN': internet exposed changed from no to yes"
    ]


def test_deleting_a_linked_asset_flags_the_risk(clinic: Clinic, laptop_risk: Risk) -> None:
    clinic.lt02.delete()
    laptop_risk.refresh_from_db()
    assert laptop_risk.needs_reassessment
    assert open_reasons(laptop_risk) == ["Asset 'LT02' was deleted from the inventory"]
    assert [link.asset.name for link in laptop_risk.asset_links.all()] == ["LT01"]


def test_bulk_inventory_deletes_flag_once_per_record(
    clinic: Clinic, laptop_risk: Risk, analysis: RiskAnalysis, officer: User
) -> None:
    flow_risk = add_risk(
        analysis,
        officer,
        title="FTP",
        threat="interception",
        vulnerability="unencrypted-transmission",
        data_flow=clinic.balances,
    )
    Asset.objects.for_org(clinic.org).filter(name__in=["LT01", "EHR server"]).delete()
    assert open_reasons(laptop_risk) == ["Asset 'LT01' was deleted from the inventory"]
    # The EHR's flows went with it.
    assert open_reasons(flow_risk) == ["Data flow 'Balances' was deleted from the inventory"]
    assert not DataFlow.objects.filter(name="Balances").exists()


def test_deleting_a_vendor_or_zone_flags(
    clinic: Clinic, laptop_risk: Risk, analysis: RiskAnalysis, officer: User
) -> None:
    vendor_risk = add_risk(
        analysis,
        officer,
        title="BAA",
        threat="vendor-compromise",
        vulnerability="no-baa",
        vendor=clinic.collections,
    )
    clinic.collections.delete()
    vendor_risk.refresh_from_db()
    assert vendor_risk.vendor is None
    assert open_reasons(vendor_risk)[0].startswith("Vendor 'Collections Co' was deleted")
    clinic.clinical.delete()
    assert open_reasons(laptop_risk) == [
        "Zone 'Clinic LAN' was deleted: its assets have no zone now"
    ]


def test_closed_risks_are_not_flagged(clinic: Clinic, laptop_risk: Risk, officer: User) -> None:
    close_risk(laptop_risk, officer, "All laptops replaced")
    clinic.lt01.encryption_at_rest = "full_disk"
    clinic.lt01.save()
    laptop_risk.refresh_from_db()
    assert not laptop_risk.needs_reassessment


def test_deleting_the_organization_is_not_blocked(clinic: Clinic, laptop_risk: Risk) -> None:
    clinic.org.delete()
    assert not Organization.objects.filter(pk=clinic.org.pk).exists()
    assert not Risk.objects.exists() and not ReassessmentReason.objects.exists()


def test_flag_risks_for_other_sources(clinic: Clinic, laptop_risk: Risk, officer: User) -> None:
    flagged = flag_risks(
        clinic.org,
        ReassessmentSource.INCIDENT,
        "Incident INC-4: a laptop was stolen from a car",
        assets=[clinic.lt02],
        obj=clinic.lt02,
    )
    assert flagged == [laptop_risk]
    again = flag_risks(
        clinic.org,
        "incident",
        "Incident INC-4: a laptop was stolen from a car",
        assets=[clinic.lt02],
        obj=clinic.lt02,
    )
    assert again == []  # the same open reason is not added twice
    rate_risk(laptop_risk, officer, likelihood=3, impact=3)
    assert flag_risks(
        clinic.org,
        "incident",
        "Incident INC-4: a laptop was stolen from a car",
        risks=[laptop_risk],
    ) == [laptop_risk]
    with pytest.raises(ValueError, match="reason"):
        flag_risks(clinic.org, "incident", "  ", risks=[laptop_risk])
    with pytest.raises(ValueError, match="gossip"):
        flag_risks(clinic.org, "gossip", "heard something", risks=[laptop_risk])


def test_watched_fields_exist() -> None:
    for model, names in WATCHED.items():
        for name in names:
            model._meta.get_field(name)


def test_bulk_writers_flag_with_the_before_snapshot(clinic: Clinic, laptop_risk: Risk) -> None:
    from phiward.audit.tracking import snapshot
    from phiward.risk.changes import flag_bulk_updates

    laptops = [clinic.lt01, clinic.lt03]
    before = snapshot(Asset, [a.pk for a in laptops])
    for laptop in laptops:
        laptop.encryption_at_rest = "file_level"
    Asset.objects.bulk_update(laptops, ["encryption_at_rest"])  # sends no signals
    laptop_risk.refresh_from_db()
    assert not laptop_risk.needs_reassessment
    assert flag_bulk_updates(laptops, before) == 1  # LT03 is linked to no risk
    assert open_reasons(laptop_risk) == [
        "Asset 'LT01': encryption at rest changed from None to File-level"
    ]
