"""One definition of transit protection: the pure function and the queryset filters agree."""

from __future__ import annotations

import itertools

import pytest

from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, TlsVersion, TransitEncryption, Vendor
from phiward.inventory.transit import TransitStatus, transit_status


@pytest.mark.parametrize(
    ("encryption", "version", "expected"),
    [
        ("none", "", TransitStatus.UNENCRYPTED),
        ("tls", "1.0", TransitStatus.UNENCRYPTED),
        ("tls", "1.1", TransitStatus.UNENCRYPTED),
        ("tls", "1.2", TransitStatus.ENCRYPTED),
        ("tls", "1.3", TransitStatus.ENCRYPTED),
        ("tls", "", TransitStatus.UNKNOWN),
        ("unknown", "", TransitStatus.UNKNOWN),
        ("vpn", "", TransitStatus.ENCRYPTED),
        ("ssh", "", TransitStatus.ENCRYPTED),
    ],
)
def test_transit_status(encryption: str, version: str, expected: TransitStatus) -> None:
    assert transit_status(encryption, version) == expected


@pytest.mark.django_db
def test_queryset_filters_agree_with_the_function(org: Organization) -> None:
    source = Asset.objects.create(organization=org, name="EHR", kind="ehr")
    target = Vendor.objects.create(organization=org, name="Clearinghouse")
    versions = ["", *TlsVersion.values]
    for n, (encryption, version) in enumerate(
        itertools.product(TransitEncryption.values, versions)
    ):
        DataFlow.objects.create(
            organization=org,
            name=f"flow {n}",
            source_asset=source,
            destination_vendor=target,
            transit_encryption=encryption,
            tls_version=version,
            ephi_categories=["billing"],
        )
    flows = DataFlow.objects.for_org(org)
    expected_unencrypted = {f.pk for f in flows if f.unencrypted}
    expected_unknown = {f.pk for f in flows if f.encryption_unknown}
    assert set(flows.unencrypted().values_list("pk", flat=True)) == expected_unencrypted
    assert set(flows.encryption_unknown().values_list("pk", flat=True)) == expected_unknown
    assert expected_unencrypted and expected_unknown


@pytest.mark.django_db
def test_handling_ephi_matches_the_property(org: Organization) -> None:
    for n, flags in enumerate(itertools.product([False, True], repeat=4)):
        Asset.objects.create(
            organization=org,
            name=f"asset {n}",
            kind="server",
            ephi_creates=flags[0],
            ephi_receives=flags[1],
            ephi_maintains=flags[2],
            ephi_transmits=flags[3],
        )
    assets = Asset.objects.for_org(org)
    expected = {a.pk for a in assets if a.handles_ephi}
    assert set(assets.handling_ephi().values_list("pk", flat=True)) == expected
    assert len(expected) == 15
