"""The engine: impact from records and criticality, fitting to a method, the catalog filter."""

from __future__ import annotations

import dataclasses

import pytest

from phiward.risk.engine import impact, propose, volume_impact
from phiward.risk.facts import Catalog
from phiward.risk.rules.base import ImpactBasis
from phiward.risk.scoring import Level, Method
from tests.risk.factories import LAPTOP_FIELDS, asset, flow, inventory, shipped_catalog


@pytest.mark.parametrize(
    ("records", "expected"),
    [(None, 3), (0, 1), (9, 2), (10, 3), (499, 3), (500, 4), (99_999, 4), (100_000, 5)],
)
def test_volume_impact_steps(records: int | None, expected: int) -> None:
    assert volume_impact(records) == expected


def test_impact_takes_the_worst_of_what_the_threat_harms() -> None:
    basis = ImpactBasis(record_count=20, criticality="critical")
    assert impact(frozenset({"confidentiality"}), basis) == 3
    assert impact(frozenset({"availability"}), basis) == 5
    assert impact(frozenset({"confidentiality", "integrity"}), basis) == 5
    assert impact(frozenset(), basis) == 5  # a threat that names nothing harms everything


def test_specially_protected_categories_raise_confidentiality_impact() -> None:
    plain = ImpactBasis(record_count=100, categories=frozenset({"billing"}))
    sensitive = ImpactBasis(record_count=100, categories=frozenset({"sensitive"}))
    assert impact(frozenset({"confidentiality"}), plain) == 3
    assert impact(frozenset({"confidentiality"}), sensitive) == 4
    huge = ImpactBasis(record_count=200_000, categories=frozenset({"sensitive"}))
    assert impact(frozenset({"confidentiality"}), huge) == 5


def unencrypted_laptop(**fields: object) -> object:
    return asset(
        **LAPTOP_FIELDS, encryption_at_rest="none", encryption_at_rest_label="None", **fields
    )


def test_suggestions_follow_the_method() -> None:
    facts = inventory(assets=(unencrypted_laptop(record_count=600),))
    (three,) = propose(facts, shipped_catalog(), Method.THREE_LEVEL)
    (five,) = propose(facts, shipped_catalog(), Method.FIVE_LEVEL)
    # Rule: likelihood high (4 of 5); impact: 600 records -> 4 of 5.
    assert (five.likelihood, five.impact, five.level) == (4, 4, Level.HIGH)
    assert (three.likelihood, three.impact, three.level) == (3, 3, Level.CRITICAL)


def test_group_impact_is_its_worst_member() -> None:
    facts = inventory(
        assets=(
            unencrypted_laptop(name="a", record_count=5),
            unencrypted_laptop(name="b", record_count=800, criticality="high"),
        )
    )
    (found,) = propose(facts, shipped_catalog(), Method.FIVE_LEVEL)
    assert found.basis.record_count == 800
    assert found.basis.criticality == "high"
    assert found.impact == 4


def test_retired_or_missing_catalog_entries_are_not_proposed() -> None:
    catalog = shipped_catalog()
    facts = inventory(assets=(unencrypted_laptop(),))
    assert propose(facts, catalog, Method.THREE_LEVEL)
    without_threat = Catalog(
        threats={k: v for k, v in catalog.threats.items() if k != "lost-stolen-device"},
        vulnerabilities=catalog.vulnerabilities,
    )
    assert propose(facts, without_threat, Method.THREE_LEVEL) == ()
    without_vulnerability = dataclasses.replace(
        catalog,
        vulnerabilities={
            k: v for k, v in catalog.vulnerabilities.items() if k != "no-encryption-at-rest"
        },
    )
    assert propose(facts, without_vulnerability, Method.THREE_LEVEL) == ()


def test_fingerprint_ignores_impact_inputs_but_not_facts() -> None:
    one = propose(
        inventory(assets=(unencrypted_laptop(id=1, record_count=10),)),
        shipped_catalog(),
        Method.THREE_LEVEL,
    )[0]
    more_records = propose(
        inventory(assets=(unencrypted_laptop(id=1, record_count=900),)),
        shipped_catalog(),
        Method.THREE_LEVEL,
    )[0]
    unknown = propose(
        inventory(assets=(asset(**LAPTOP_FIELDS, id=1, encryption_at_rest="unknown"),)),
        shipped_catalog(),
        Method.THREE_LEVEL,
    )[0]
    assert one.fingerprint == more_records.fingerprint
    assert one.impact != more_records.impact
    assert one.fingerprint != unknown.fingerprint


def test_output_is_ordered_and_deterministic() -> None:
    facts = inventory(
        assets=(unencrypted_laptop(name="zz", zone=None), unencrypted_laptop(name="aa")),
        flows=(flow(transit_encryption="none", transit_status="unencrypted", tls_version=""),),
    )
    first = propose(facts, shipped_catalog(), Method.THREE_LEVEL)
    again = propose(facts, shipped_catalog(), Method.THREE_LEVEL)
    assert first == again
    assert [p.rule for p in first] == [
        "portable_device_unencrypted",
        "portable_device_unencrypted",
        "flow_unencrypted",
    ]
    assert [p.subject_label for p in first[:2]] == ["aa in Clinic LAN", "zz (no zone)"]


def test_many_assets_make_few_proposals() -> None:
    """5,000 laptops in five zones: five proposals (the group size is in the label)."""
    zones = [dataclasses.replace(LAPTOP_ZONE, id=i, name=f"Site {i}") for i in range(5)]
    assets = tuple(unencrypted_laptop(name=f"LT{i:04d}", zone=zones[i % 5]) for i in range(5000))
    found = propose(inventory(assets=assets), shipped_catalog(), Method.THREE_LEVEL)
    assert sorted(p.subject_label for p in found) == [
        f"Laptops \u00d71000 in Site {i}" for i in range(5)
    ]


LAPTOP_ZONE = asset().zone
