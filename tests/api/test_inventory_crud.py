"""Create, read, update, delete and filter zones, vendors, assets and data flows."""

from __future__ import annotations

import pytest
from django.test import Client

from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from tests.api.sample import API, RESOURCES, Inventory, new_body, send

MODELS = {"zones": Zone, "vendors": Vendor, "assets": Asset, "flows": DataFlow}


@pytest.mark.parametrize("resource", RESOURCES)
def test_full_lifecycle(officer_client: Client, inventory: Inventory, resource: str) -> None:
    base = f"{API}/{inventory.org.slug}/{resource}"
    body = new_body(resource, inventory)

    created = send(officer_client, "POST", base, body)
    assert created.status_code == 201, created.content
    item = created.json()
    assert {key: item[key] for key in body} == body
    stored = MODELS[resource].objects.get(pk=item["id"])
    assert stored.organization_id == inventory.org.pk

    fetched = send(officer_client, "GET", f"{base}/{item['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == item

    listed = send(officer_client, "GET", base).json()
    assert listed["count"] == 2
    assert item["id"] in [row["id"] for row in listed["items"]]

    text_field = "description" if resource == "zones" else "notes"
    changed = send(officer_client, "PATCH", f"{base}/{item['id']}", {text_field: "Reviewed"})
    assert changed.status_code == 200, changed.content
    after = changed.json()
    assert after[text_field] == "Reviewed"
    assert {key: after[key] for key in body} == body  # fields not sent keep their values

    deleted = send(officer_client, "DELETE", f"{base}/{item['id']}")
    assert deleted.status_code == 204
    assert not MODELS[resource].objects.filter(pk=item["id"]).exists()
    assert send(officer_client, "GET", f"{base}/{item['id']}").status_code == 404


def test_asset_output_has_labels_references_and_ephi_flag(
    officer_client: Client, inventory: Inventory
) -> None:
    asset = send(
        officer_client, "GET", f"{API}/{inventory.org.slug}/assets/{inventory.asset.pk}"
    ).json()
    assert asset["kind"] == "ehr"
    assert asset["kind_label"] == "EHR"
    assert asset["encryption_at_rest_label"] == "Database (TDE)"
    assert asset["lifecycle_label"] == "In use"
    assert asset["zone_id"] == inventory.zone.pk
    assert asset["vendor_id"] == inventory.vendor.pk
    assert asset["handles_ephi"] is True

    plain = send(
        officer_client,
        "POST",
        f"{API}/{inventory.org.slug}/assets",
        {"name": "Lobby printer", "kind": "printer"},
    ).json()
    assert plain["handles_ephi"] is False
    assert plain["zone_id"] is None
    assert plain["criticality"] == "moderate"  # the model's default


def test_flow_output_has_encryption_flags(officer_client: Client, inventory: Inventory) -> None:
    base = f"{API}/{inventory.org.slug}/flows"
    flow = send(officer_client, "GET", f"{base}/{inventory.flow.pk}").json()
    assert flow["tls_version"] == "1.2"
    assert flow["transit_encryption_label"] == "TLS"
    assert (flow["unencrypted"], flow["encryption_unknown"], flow["carries_ephi"]) == (
        False,
        False,
        True,
    )

    weak = send(officer_client, "PATCH", f"{base}/{inventory.flow.pk}", {"tls_version": "1.0"})
    assert weak.json()["unencrypted"] is True

    body = {**new_body("flows", inventory), "transit_encryption": "unknown"}
    unknown = send(officer_client, "POST", base, body).json()
    assert unknown["encryption_unknown"] is True
    assert unknown["unencrypted"] is False
    assert unknown["tls_version"] is None


def test_patch_null_clears_a_reference_and_a_tls_version(
    officer_client: Client, inventory: Inventory
) -> None:
    org = inventory.org.slug
    asset = send(
        officer_client, "PATCH", f"{API}/{org}/assets/{inventory.asset.pk}", {"zone_id": None}
    )
    assert asset.status_code == 200
    assert asset.json()["zone_id"] is None
    inventory.asset.refresh_from_db()
    assert inventory.asset.zone is None

    flow = send(
        officer_client,
        "PATCH",
        f"{API}/{org}/flows/{inventory.flow.pk}",
        {"transit_encryption": "vpn", "tls_version": None},
    )
    assert flow.status_code == 200, flow.content
    inventory.flow.refresh_from_db()
    assert (inventory.flow.transit_encryption, inventory.flow.tls_version) == ("vpn", "")


def _names(client: Client, path: str) -> list[str]:
    response = send(client, "GET", path)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["items"]]


def test_asset_filters(officer_client: Client, inventory: Inventory) -> None:
    org = inventory.org
    Asset.objects.create(
        organization=org, name="Lobby printer", kind="printer", lifecycle="retired"
    )
    Asset.objects.create(
        organization=org,
        name="Nurse laptop",
        kind="laptop",
        ephi_receives=True,
        encryption_at_rest="none",
        hostname="lt-nurse-3",
        ip_address="10.2.0.7",
    )
    base = f"{API}/{org.slug}/assets"
    assert _names(officer_client, f"{base}?kind=laptop") == ["Nurse laptop"]
    assert _names(officer_client, f"{base}?zone={inventory.zone.pk}") == ["EHR server"]
    assert _names(officer_client, f"{base}?ephi=true") == ["EHR server", "Nurse laptop"]
    assert _names(officer_client, f"{base}?ephi=false") == ["Lobby printer"]
    assert _names(officer_client, f"{base}?encryption_at_rest=none") == ["Nurse laptop"]
    assert _names(officer_client, f"{base}?lifecycle=retired") == ["Lobby printer"]
    assert _names(officer_client, f"{base}?q=PRINTER") == ["Lobby printer"]
    assert _names(officer_client, f"{base}?q=lt-nurse") == ["Nurse laptop"]
    assert _names(officer_client, f"{base}?q=10.1.") == ["EHR server"]
    assert _names(officer_client, f"{base}?kind=laptop&ephi=false") == []


def test_flow_filters(officer_client: Client, inventory: Inventory) -> None:
    org = inventory.org
    other_vendor = Vendor.objects.create(organization=org, name="Fax service")
    DataFlow.objects.create(
        organization=org,
        name="Referral fax",
        source_asset=inventory.asset,
        destination_vendor=other_vendor,
        transit_encryption="none",
    )
    DataFlow.objects.create(
        organization=org,
        name="Old portal",
        source_vendor=other_vendor,
        destination_asset=inventory.asset,
        transit_encryption="tls",
        tls_version="1.1",
    )
    base = f"{API}/{org.slug}/flows"
    assert _names(officer_client, f"{base}?unencrypted=true") == ["Old portal", "Referral fax"]
    assert _names(officer_client, f"{base}?unencrypted=false") == ["EHR to vendor backup"]
    assert _names(officer_client, f"{base}?vendor={other_vendor.pk}") == [
        "Old portal",
        "Referral fax",
    ]
    assert _names(officer_client, f"{base}?vendor={inventory.vendor.pk}") == [
        "EHR to vendor backup"
    ]


def test_zone_and_vendor_filters(officer_client: Client, inventory: Inventory) -> None:
    org = inventory.org
    Zone.objects.create(organization=org, name="Guest Wi-Fi", kind="guest")
    Vendor.objects.create(organization=org, name="Coffee Co", handles_ephi=False)
    assert _names(officer_client, f"{API}/{org.slug}/zones?kind=guest") == ["Guest Wi-Fi"]
    assert _names(officer_client, f"{API}/{org.slug}/zones?q=lan") == ["Clinical LAN"]
    vendors = f"{API}/{org.slug}/vendors"
    assert _names(officer_client, f"{vendors}?handles_ephi=false") == ["Coffee Co"]
    assert _names(officer_client, f"{vendors}?baa_status=signed") == ["CloudEHR Inc"]


def test_pagination_reports_the_total(officer_client: Client, inventory: Inventory) -> None:
    org = inventory.org
    for n in range(7):
        Zone.objects.create(organization=org, name=f"Zone {n}")
    page = send(officer_client, "GET", f"{API}/{org.slug}/zones?limit=3&offset=3").json()
    assert page["count"] == 8
    assert (page["limit"], page["offset"]) == (3, 3)
    assert [z["name"] for z in page["items"]] == ["Zone 2", "Zone 3", "Zone 4"]
    too_big = send(officer_client, "GET", f"{API}/{org.slug}/zones?limit=100000")
    assert too_big.status_code == 422
    assert "limit" in too_big.json()["errors"]
