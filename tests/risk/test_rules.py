"""Each proposal rule: an inventory it proposes for, and one just short of it that it does not.

``CASES`` has both for every rule of ``RULES`` (a test fails for a rule without them); the
other tests pin grouping, labels, reasons and the rules' conventions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import re
from pathlib import Path

import pytest

from phiward.risk.engine import propose
from phiward.risk.facts import Inventory
from phiward.risk.rules import RULES, rule
from phiward.risk.rules.base import AssetRule
from phiward.risk.scoring import Method
from tests.risk.factories import (
    BUSINESS,
    CLINICAL,
    CLOUD,
    DMZ,
    FLAT,
    MEDICAL,
    SERVERS,
    TODAY,
    answer,
    asset,
    flow,
    inventory,
    shipped_catalog,
    vendor,
)

PAST = TODAY - dt.timedelta(days=1)
FUTURE = TODAY + dt.timedelta(days=365)
LAPTOP = {"kind": "laptop", "kind_label": "Laptop", "ephi_roles": frozenset({"maintains"})}
DEVICE = {
    "kind": "medical_device",
    "kind_label": "Medical device",
    "zone": MEDICAL,
    "ephi_roles": frozenset({"creates", "maintains"}),
    "mds2_on_file": True,
    "patchable": "vendor_only",
}
SERVER = {"kind": "server", "kind_label": "Server", "ephi_roles": frozenset({"maintains"})}
BACKUP_SEEN = {"backups_recorded": True}

# rule key -> (an inventory it proposes for, one it does not)
CASES: dict[str, tuple[Inventory, Inventory]] = {
    "portable_device_unencrypted": (
        inventory(
            assets=(asset(**LAPTOP, encryption_at_rest="none", encryption_at_rest_label="None"),)
        ),
        inventory(assets=(asset(**LAPTOP, encryption_at_rest="full_disk"),)),
    ),
    "os_past_end_of_support": (
        inventory(assets=(asset(os_name="Windows", os_version="10", os_end_of_support=PAST),)),
        inventory(assets=(asset(os_name="Windows", os_version="11", os_end_of_support=FUTURE),)),
    ),
    "medical_device_unpatchable": (
        inventory(assets=(asset(**{**DEVICE, "patchable": "no"}),)),
        inventory(assets=(asset(**DEVICE),)),
    ),
    "medical_device_without_mds2": (
        inventory(assets=(asset(**{**DEVICE, "mds2_on_file": False}),)),
        inventory(assets=(asset(**DEVICE),)),
    ),
    "medical_device_not_segmented": (
        inventory(assets=(asset(**{**DEVICE, "zone": BUSINESS}),)),
        inventory(assets=(asset(**DEVICE),)),
    ),
    "ephi_system_internet_exposed": (
        inventory(assets=(asset(**SERVER, zone=DMZ),)),
        inventory(assets=(asset(**SERVER, zone=SERVERS),)),
    ),
    "ephi_system_on_flat_network": (
        inventory(assets=(asset(**SERVER, zone=FLAT),)),
        inventory(assets=(asset(**SERVER, zone=SERVERS),)),
    ),
    "ephi_system_without_backup": (
        inventory(assets=(asset(**SERVER, zone=SERVERS),), **BACKUP_SEEN),
        inventory(assets=(asset(**SERVER, zone=SERVERS, backed_up=True),), **BACKUP_SEEN),
    ),
    "cloud_service_ephi": (
        inventory(
            assets=(
                asset(
                    kind="saas_application",
                    kind_label="SaaS application",
                    ephi_roles=frozenset({"maintains"}),
                    zone=None,
                ),
            )
        ),
        inventory(
            assets=(
                asset(
                    kind="saas_application",
                    kind_label="SaaS application",
                    ephi_roles=frozenset({"receives"}),
                    zone=None,
                ),
            )
        ),
    ),
    "vendor_without_baa": (
        inventory(vendors=(vendor(baa_status="none", baa_status_label="None on file"),)),
        inventory(vendors=(vendor(baa_status="signed", baa_expires_on=FUTURE),)),
    ),
    "flow_unencrypted": (
        inventory(
            flows=(
                flow(
                    transit_encryption="none",
                    transit_encryption_label="None",
                    tls_version="",
                    transit_status="unencrypted",
                ),
            )
        ),
        inventory(flows=(flow(),)),
    ),
    "flow_weak_tls": (
        inventory(flows=(flow(tls_version="1.0", transit_status="unencrypted"),)),
        inventory(flows=(flow(tls_version="1.3"),)),
    ),
    "flow_encryption_unknown": (
        inventory(
            flows=(
                flow(
                    transit_encryption="unknown",
                    transit_encryption_label="Unknown",
                    tls_version="",
                    transit_status="unknown",
                ),
            )
        ),
        inventory(
            flows=(flow(transit_encryption="vpn", transit_encryption_label="VPN", tls_version=""),)
        ),
    ),
    "questionnaire_gap": (
        inventory(answers=(answer("SQ_164.308(a)(7).5.01", "no"),)),
        inventory(answers=(answer("SQ_164.308(a)(7).5.01", "yes"),)),
    ),
}


def run(key: str, facts: Inventory) -> list[object]:
    chosen = rule(key)
    assert chosen is not None
    return list(propose(facts, shipped_catalog(), Method.THREE_LEVEL, rules=(chosen,)))


def test_every_rule_has_a_proposing_and_a_non_proposing_case() -> None:
    assert set(CASES) == {r.key for r in RULES}


@pytest.mark.parametrize("key", sorted(CASES))
def test_rule_proposes(key: str) -> None:
    found = run(key, CASES[key][0])
    assert found, f"{key} proposed nothing"
    assert all(p.rule == key for p in found)  # type: ignore[attr-defined]


@pytest.mark.parametrize("key", sorted(CASES))
def test_rule_does_not_propose(key: str) -> None:
    assert run(key, CASES[key][1]) == []


@pytest.mark.parametrize("key", sorted(CASES))
def test_other_rules_stay_silent_on_each_non_proposing_case(key: str) -> None:
    """The non-proposing cases are clean inventories: no rule at all fires on them."""
    found = propose(CASES[key][1], shipped_catalog(), Method.THREE_LEVEL)
    assert [p.rule for p in found] == []


def test_rule_modules_follow_the_convention() -> None:
    keys = [r.key for r in RULES]
    assert len(keys) == len(set(keys))
    catalog = shipped_catalog()
    for each in RULES:
        module = importlib.import_module(f"phiward.risk.rules.{each.key}")
        assert module.RULE is each, each.key
        assert each.doc(), f"{each.key} has no docstring"
        assert each.title
        if each.key != "questionnaire_gap":
            assert each.threat in catalog.threats, each.key
            assert each.vulnerability in catalog.vulnerabilities, each.key
            assert "{subject}" in each.reason


def test_docs_table_names_every_rule() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "risk.md").read_text(encoding="utf-8")
    for each in RULES:
        assert f"`{each.key}`" in docs, each.key


# --- asset rules: grouping, labels, reasons -----------------------------------------------------


def laptops(n: int, **fields: object) -> tuple[object, ...]:
    base = {**LAPTOP, "encryption_at_rest": "unknown", "encryption_at_rest_label": "Unknown"}
    base.update(fields)
    return tuple(asset(name=f"LT{i:02d}", **base) for i in range(1, n + 1))


def test_forty_similar_laptops_are_one_proposal() -> None:
    found = propose(inventory(assets=laptops(40)), shipped_catalog(), Method.THREE_LEVEL)
    (only,) = found
    assert only.subject_label == "Laptops \u00d740 in Clinic LAN"
    assert len(only.asset_ids) == 40
    assert "encryption at rest 'Unknown'" in only.reason
    assert "Assets: LT01, LT02, LT03, LT04, LT05 and 35 more." in only.reason
    assert only.likelihood == 3  # high, on three levels


def test_groups_split_by_fact_zone_and_kind() -> None:
    assets = (
        *laptops(3),
        *laptops(2, encryption_at_rest="none", encryption_at_rest_label="None"),
        *laptops(2, zone=BUSINESS),
        asset(
            kind="mobile_device",
            kind_label="Mobile device / tablet",
            name="Tab",
            ephi_roles=frozenset({"creates"}),
            encryption_at_rest="unknown",
        ),
    )
    found = propose(inventory(assets=assets), shipped_catalog(), Method.THREE_LEVEL)
    labels = sorted(p.subject_label for p in found)
    assert labels == [
        "Laptops \u00d72 in Business",
        "Laptops \u00d72 in Clinic LAN",
        "Laptops \u00d73 in Clinic LAN",
        "Tab in Clinic LAN",
    ]
    assert len({p.subject_key for p in found}) == 4


def test_subject_key_is_stable_when_the_group_grows() -> None:
    three = propose(inventory(assets=laptops(3)), shipped_catalog(), Method.THREE_LEVEL)
    four = propose(inventory(assets=laptops(4)), shipped_catalog(), Method.THREE_LEVEL)
    assert three[0].subject_key == four[0].subject_key
    assert three[0].fingerprint != four[0].fingerprint  # the facts changed: one more laptop


def test_portable_rule_ignores_devices_without_ephi() -> None:
    found = run("portable_device_unencrypted", inventory(assets=laptops(1, ephi_roles=frozenset())))
    assert found == []


def test_os_rule_uses_the_analysis_day_and_zone() -> None:
    eos = {"os_name": "Windows", "os_version": "10", "os_end_of_support": TODAY}
    assert run("os_past_end_of_support", inventory(assets=(asset(**eos),))) == []
    later = dataclasses.replace(inventory(assets=(asset(**eos),)), today=TODAY + dt.timedelta(1))
    (found,) = run("os_past_end_of_support", later)
    assert "runs Windows 10, whose support ended on 2026-06-01" in found.reason  # type: ignore[attr-defined]
    # No ePHI and a business zone: not proposed; the same machine on the clinical LAN is.
    quiet = asset(**{**eos, "os_end_of_support": PAST}, ephi_roles=frozenset(), zone=BUSINESS)
    assert run("os_past_end_of_support", inventory(assets=(quiet,))) == []
    loud = dataclasses.replace(quiet, zone=CLINICAL)
    assert run("os_past_end_of_support", inventory(assets=(loud,)))


def test_os_rule_leaves_medical_devices_and_retired_assets_alone() -> None:
    eos = {"os_name": "Windows", "os_version": "7", "os_end_of_support": PAST}
    device = asset(**{**DEVICE, **eos})
    retired = asset(**eos, lifecycle="retired")
    assert run("os_past_end_of_support", inventory(assets=(device, retired))) == []


def test_medical_device_rules_do_not_double_up() -> None:
    legacy = asset(
        **{**DEVICE, "mds2_on_file": None},
        os_name="Windows",
        os_version="7",
        os_end_of_support=PAST,
    )
    found = propose(inventory(assets=(legacy,)), shipped_catalog(), Method.THREE_LEVEL)
    assert [p.rule for p in found] == ["medical_device_unpatchable"]
    assert "support ended 2026-05-31" in found[0].reason


def test_unsegmented_device_needs_a_known_zone() -> None:
    nowhere = asset(**{**DEVICE, "zone": None})
    assert run("medical_device_not_segmented", inventory(assets=(nowhere,))) == []


def test_backup_rule_is_silent_when_the_inventory_records_no_backups() -> None:
    facts = inventory(assets=(asset(**SERVER, zone=SERVERS),), backups_recorded=False)
    assert run("ephi_system_without_backup", facts) == []
    in_cloud = inventory(assets=(asset(**SERVER, zone=CLOUD),), **BACKUP_SEEN)
    assert run("ephi_system_without_backup", in_cloud) == []


def test_internet_exposed_rule_leaves_cloud_zones_to_the_cloud_rule() -> None:
    facts = inventory(assets=(asset(**SERVER, zone=CLOUD),))
    assert run("ephi_system_internet_exposed", facts) == []
    assert [p.rule for p in propose(facts, shipped_catalog(), Method.THREE_LEVEL)] == [
        "cloud_service_ephi"
    ]


# --- vendor and flow rules ----------------------------------------------------------------------


def test_vendor_rule_sees_an_expired_signed_baa() -> None:
    lapsed = vendor(baa_status="signed", baa_expires_on=PAST, flow_names=("Balances",))
    (found,) = run("vendor_without_baa", inventory(vendors=(lapsed,)))
    assert "BAA status is 'Signed, expired on 2026-05-31' (through 'Balances')" in found.reason  # type: ignore[attr-defined]
    for quiet in (
        vendor(baa_status="not_required", baa_status_label="Not required"),
        vendor(baa_status="none", handles_ephi=False),
    ):
        assert run("vendor_without_baa", inventory(vendors=(quiet,))) == []


def test_flow_rules_need_ephi() -> None:
    plain = flow(categories=frozenset(), transit_encryption="none", transit_status="unencrypted")
    assert propose(inventory(flows=(plain,)), shipped_catalog(), Method.THREE_LEVEL) == ()


def test_flow_label_and_reason_name_the_flow() -> None:
    bare = flow(
        name="Balances",
        source="PM",
        destination="Collections",
        transit_encryption="none",
        transit_encryption_label="None",
        protocol="FTP",
        tls_version="",
        transit_status="unencrypted",
    )
    (found,) = run("flow_unencrypted", inventory(flows=(bare,)))
    assert found.subject_label == "Balances (PM \u2192 Collections)"  # type: ignore[attr-defined]
    assert "transit encryption 'None' (protocol: FTP)" in found.reason  # type: ignore[attr-defined]


def test_tls_without_a_version_is_unknown_not_weak() -> None:
    unversioned = flow(tls_version="", transit_status="unknown")
    facts = inventory(flows=(unversioned,))
    assert [p.rule for p in propose(facts, shipped_catalog(), Method.THREE_LEVEL)] == [
        "flow_encryption_unknown"
    ]


# --- the questionnaire --------------------------------------------------------------------------


def test_answers_propose_each_mapped_vulnerability_and_threat() -> None:
    facts = inventory(
        answers=(
            answer("SQ_164.308(a)(7).5.01", "partial"),
            answer("SQ_164.310(d).4.01", "unknown"),
            answer("SQ_164.308(a)(7).5.02", "yes"),
        )
    )
    found = run("questionnaire_gap", facts)
    pairs = sorted((p.vulnerability, p.threat) for p in found)  # type: ignore[attr-defined]
    assert pairs == [("no-offline-backup", "hardware-failure"), ("no-offline-backup", "ransomware")]
    first = found[0]
    assert first.facts == {  # type: ignore[attr-defined]
        "SQ_164.308(a)(7).5.01": "partial",
        "SQ_164.310(d).4.01": "unknown",
    }
    assert first.likelihood == 2  # moderate: no answer was a plain "no"  # type: ignore[attr-defined]
    assert "'Data Backup Plan and Disaster Recovery Plan' (KA_164.308(a)(7).5)" in first.reason  # type: ignore[attr-defined]
    assert first.subject_label == "Organization-wide"  # type: ignore[attr-defined]


def test_not_applicable_answers_propose_nothing() -> None:
    facts = inventory(answers=(answer("SQ_164.312(d).3.01", "n/a"),))
    assert run("questionnaire_gap", facts) == []


def test_every_reason_names_only_facts_it_was_given() -> None:
    """No template leaves a placeholder unfilled."""
    for key, (proposing, _) in CASES.items():
        for found in run(key, proposing):
            assert not re.search(r"\{\w+\}", found.reason), key  # type: ignore[attr-defined]


def test_asset_rules_are_asset_rules() -> None:
    asset_keys = {r.key for r in RULES if isinstance(r, AssetRule)}
    assert "portable_device_unencrypted" in asset_keys
    assert "vendor_without_baa" not in asset_keys
