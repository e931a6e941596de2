"""Tenant isolation: nothing of organization B is visible or reachable to a member of A only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from phiward.core.models import Membership, Organization
from phiward.core.permissions import Role
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from tests.api.sample import API, RESOURCES, Inventory, new_body, send
from tests.conftest import client_for

B_PATHS = ["", "/members", "/responsibilities", *(f"/{r}" for r in RESOURCES)]


@pytest.mark.parametrize("suffix", B_PATHS)
def test_another_organizations_endpoints_are_not_found(
    officer_client: Client, inventory: Inventory, other_inventory: Inventory, suffix: str
) -> None:
    response = send(officer_client, "GET", f"{API}/{other_inventory.org.slug}{suffix}")
    assert response.status_code == 404
    assert response.json()["detail"] == "organization not found"
    missing = send(officer_client, "GET", f"{API}/no-such-org{suffix}")
    assert (missing.status_code, missing.json()) == (404, response.json())


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_another_organizations_ids_are_not_found_under_ones_own_slug(
    officer_client: Client,
    inventory: Inventory,
    other_inventory: Inventory,
    resource: str,
    method: str,
) -> None:
    model = {"zones": Zone, "vendors": Vendor, "assets": Asset, "flows": DataFlow}[resource]
    foreign_id = other_inventory.ids()[resource]
    before = model.objects.get(pk=foreign_id).updated_at
    path = f"{API}/{inventory.org.slug}/{resource}/{foreign_id}"
    response = send(officer_client, method, path, {"name": "hijacked"})
    assert response.status_code == 404
    assert model.objects.get(pk=foreign_id).updated_at == before  # still there, unchanged


@pytest.mark.parametrize("resource", RESOURCES)
def test_lists_hold_only_ones_own_objects(
    officer_client: Client, inventory: Inventory, other_inventory: Inventory, resource: str
) -> None:
    page = send(officer_client, "GET", f"{API}/{inventory.org.slug}/{resource}").json()
    assert page["count"] == 1
    assert [row["id"] for row in page["items"]] == [inventory.ids()[resource]]


@pytest.mark.parametrize(
    ("resource", "field", "target"),
    [
        ("assets", "zone_id", "zone"),
        ("assets", "vendor_id", "vendor"),
        ("flows", "source_asset_id", "asset"),
        ("flows", "destination_vendor_id", "vendor"),
    ],
)
def test_a_reference_to_another_organizations_object_is_refused(
    officer_client: Client,
    inventory: Inventory,
    other_inventory: Inventory,
    resource: str,
    field: str,
    target: str,
) -> None:
    foreign_id = getattr(other_inventory, target).pk
    body = new_body(resource, inventory)
    if field == "source_asset_id":
        body.pop("source_vendor_id")
    if field == "destination_vendor_id":
        body.pop("destination_asset_id")
    body[field] = foreign_id
    created = send(officer_client, "POST", f"{API}/{inventory.org.slug}/{resource}", body)
    assert created.status_code == 422
    assert list(created.json()["errors"]) == [field]
    # The message does not reveal whether the id exists elsewhere.
    unknown = send(
        officer_client, "POST", f"{API}/{inventory.org.slug}/{resource}", {**body, field: 10**9}
    )
    assert unknown.json()["errors"][field] == [
        created.json()["errors"][field][0].replace(str(foreign_id), str(10**9))
    ]

    existing = inventory.asset.pk if resource == "assets" else inventory.flow.pk
    path = f"{API}/{inventory.org.slug}/{resource}/{existing}"
    changed = send(officer_client, "PATCH", path, {field: foreign_id})
    assert changed.status_code == 422
    assert field in changed.json()["errors"]


def test_filters_cannot_reach_into_another_organization(
    officer_client: Client, inventory: Inventory, other_inventory: Inventory
) -> None:
    org = inventory.org.slug
    zone = other_inventory.zone.pk
    assert send(officer_client, "GET", f"{API}/{org}/assets?zone={zone}").json()["count"] == 0
    vendor = other_inventory.vendor.pk
    assert send(officer_client, "GET", f"{API}/{org}/flows?vendor={vendor}").json()["count"] == 0


def test_a_member_of_both_sees_each_under_its_own_slug(
    inventory: Inventory,
    other_inventory: Inventory,
    make_member: Callable[..., User],
) -> None:
    consultant = make_member(inventory.org, Role.AUDITOR, username="consultant")
    Membership.objects.create(user=consultant, organization=other_inventory.org, role=Role.OWNER)
    client = client_for(consultant)
    mine = send(client, "GET", API).json()
    assert [(o["slug"], o["role"]) for o in mine] == [
        ("clinic-a", "auditor"),
        ("clinic-b", "owner"),
    ]
    b_asset = other_inventory.asset.pk
    assert send(client, "GET", f"{API}/clinic-b/assets/{b_asset}").status_code == 200
    assert send(client, "GET", f"{API}/clinic-a/assets/{b_asset}").status_code == 404
    # Owner in B, auditor in A: the role is the one of the organization in the path.
    assert send(client, "DELETE", f"{API}/clinic-a/zones/{inventory.zone.pk}").status_code == 403


def test_anonymous_callers_are_unauthorized(org: Organization) -> None:
    response = Client().get(f"{API}/{org.slug}/assets")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
