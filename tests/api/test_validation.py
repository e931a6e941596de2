"""Invalid input is a 422 problem+json naming every field that is wrong, and changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from phiward.inventory.models import Asset, DataFlow
from tests.api.sample import API, Inventory, new_body, send

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


def _problem(response: Response) -> dict[str, Any]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert (body["status"], body["title"]) == (422, "Invalid input")
    assert body["detail"]
    return body


def _asset(inv: Inventory, **changes: Any) -> dict[str, Any]:
    return {**new_body("assets", inv), **changes}


def _flow(inv: Inventory, **changes: Any) -> dict[str, Any]:
    return {**new_body("flows", inv), **changes}


@pytest.mark.parametrize(
    ("resource", "make_body", "field"),
    [
        ("assets", lambda inv: _asset(inv, kind="spaceship"), "kind"),
        ("assets", lambda inv: _asset(inv, encryption_at_rest="rot13"), "encryption_at_rest"),
        ("assets", lambda inv: {"kind": "server"}, "name"),
        ("assets", lambda inv: _asset(inv, zone_id=987654), "zone_id"),
        ("assets", lambda inv: _asset(inv, vendor_id="abc"), "vendor_id"),
        ("assets", lambda inv: _asset(inv, ip_address="10.1.2.300"), "ip_address"),
        ("assets", lambda inv: _asset(inv, last_seen="2025-01-01T10:00:00"), "last_seen"),
        ("assets", lambda inv: _asset(inv, name="x" * 201), "name"),
        ("flows", lambda inv: _flow(inv, source_asset_id=inv.asset.pk), "source_asset_id"),
        ("flows", lambda inv: _flow(inv, destination_asset_id=None), "destination_asset_id"),
        ("flows", lambda inv: _flow(inv, tls_version="1.3"), "tls_version"),
        ("flows", lambda inv: _flow(inv, ephi_categories=["horoscope"]), "ephi_categories.0"),
        ("flows", lambda inv: _flow(inv, destination_vendor_id=424242), "destination_vendor_id"),
        ("zones", lambda inv: {"name": "DMZ 2", "kind": "moat"}, "kind"),
        ("vendors", lambda inv: {"name": "V", "website": "not a url"}, "website"),
        ("vendors", lambda inv: {"name": "V", "baa_signed_on": "yesterday"}, "baa_signed_on"),
    ],
)
def test_invalid_creation_names_the_field(
    officer_client: Client, inventory: Inventory, resource: str, make_body: Any, field: str
) -> None:
    before = Asset.objects.count(), DataFlow.objects.count()
    body = _problem(
        send(officer_client, "POST", f"{API}/{inventory.org.slug}/{resource}", make_body(inventory))
    )
    assert field in body["errors"], body
    assert all(
        isinstance(message, str) for messages in body["errors"].values() for message in messages
    )
    assert (Asset.objects.count(), DataFlow.objects.count()) == before


def test_every_problem_is_reported_at_once(officer_client: Client, inventory: Inventory) -> None:
    body = _flow(inventory, source_asset_id=inventory.asset.pk, tls_version="1.2")
    errors = _problem(send(officer_client, "POST", f"{API}/{inventory.org.slug}/flows", body))[
        "errors"
    ]
    assert {"source_asset_id", "tls_version"} <= set(errors)


def test_a_duplicate_name_is_refused(officer_client: Client, inventory: Inventory) -> None:
    body = {"name": inventory.zone.name}
    errors = _problem(send(officer_client, "POST", f"{API}/{inventory.org.slug}/zones", body))[
        "errors"
    ]
    assert any("already exists" in message for message in errors["name"])


def test_the_same_name_is_fine_in_another_organization(
    officer_client: Client, inventory: Inventory, other_inventory: Inventory
) -> None:
    body = {"name": other_inventory.zone.name}
    assert (
        send(officer_client, "POST", f"{API}/{inventory.org.slug}/zones", body).status_code == 201
    )


def test_an_invalid_patch_leaves_the_object_unchanged(
    officer_client: Client, inventory: Inventory
) -> None:
    path = f"{API}/{inventory.org.slug}/flows/{inventory.flow.pk}"
    errors = _problem(
        send(officer_client, "PATCH", path, {"transit_encryption": "vpn", "name": "Renamed"})
    )["errors"]
    assert "tls_version" in errors  # TLS 1.2 stays set, but the flow is no longer TLS
    inventory.flow.refresh_from_db()
    assert (inventory.flow.name, inventory.flow.transit_encryption) == (
        "EHR to vendor backup",
        "tls",
    )


def test_patching_a_required_field_to_null_is_refused(
    officer_client: Client, inventory: Inventory
) -> None:
    path = f"{API}/{inventory.org.slug}/assets/{inventory.asset.pk}"
    errors = _problem(send(officer_client, "PATCH", path, {"name": None, "kind": None}))["errors"]
    assert {"name", "kind"} <= set(errors)


def test_malformed_json_is_a_bad_request_problem(
    officer_client: Client, inventory: Inventory
) -> None:
    response = officer_client.post(
        f"{API}/{inventory.org.slug}/zones", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["title"] == "Bad Request"


def test_a_bad_filter_value_names_the_parameter(
    officer_client: Client, inventory: Inventory
) -> None:
    response = send(officer_client, "GET", f"{API}/{inventory.org.slug}/assets?kind=spaceship")
    assert "kind" in _problem(response)["errors"]


@pytest.mark.parametrize(
    "query",
    ["offset=99999999999999999999999", "zone=99999999999999999999", "vendor=-1", "zone=0"],
)
def test_out_of_range_filters_are_422_not_500(
    officer_client: Client, inventory: Inventory, query: str
) -> None:
    response = officer_client.get(f"{API}/{inventory.org.slug}/assets?{query}")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_out_of_range_ids_are_not_found(officer_client: Client, inventory: Inventory) -> None:
    huge = 2**70
    assert officer_client.get(f"{API}/{inventory.org.slug}/assets/{huge}").status_code == 404
    body = {"name": "Huge ref", "kind": "server", "zone_id": huge}
    response = send(officer_client, "POST", f"{API}/{inventory.org.slug}/assets", body)
    assert response.status_code == 422
