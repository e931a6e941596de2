"""CSRF on session-authenticated writes, the OpenAPI document, and list query budgets."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from phiward.audit.api import router as audit_router
from phiward.core.api import router as org_router
from phiward.core.models import Organization, ResponsibilityAssignment
from phiward.core.permissions import Role
from phiward.inventory.api import router as inventory_router
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from tests.api.sample import API, RESOURCES, Inventory, build_inventory, new_body, send

CSRF_SECRET = "a" * 32  # a well-formed CSRF cookie value; the header must repeat it


def _csrf_client(user: User, with_token: bool) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    if with_token:
        client.cookies["csrftoken"] = CSRF_SECRET
        client.defaults["HTTP_X_CSRFTOKEN"] = CSRF_SECRET
    return client


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_unsafe_methods_need_the_csrf_token(
    officer: User, inventory: Inventory, method: str
) -> None:
    base = f"{API}/{inventory.org.slug}/zones"
    path = base if method == "POST" else f"{base}/{inventory.zone.pk}"
    body = new_body("zones", inventory) if method == "POST" else {"description": "changed"}
    refused = send(_csrf_client(officer, with_token=False), method, path, body)
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    assert "CSRF" in refused.json()["detail"]
    assert Zone.objects.count() == 1
    assert Zone.objects.get().description == ""

    accepted = send(_csrf_client(officer, with_token=True), method, path, body)
    assert accepted.status_code in (200, 201, 204)


def test_safe_methods_need_no_csrf_token(officer: User, inventory: Inventory) -> None:
    client = _csrf_client(officer, with_token=False)
    assert client.get(f"{API}/{inventory.org.slug}/zones").status_code == 200


def _routes() -> set[tuple[str, str]]:
    """Every (method, path) the organizations and inventory routers declare."""
    routes = set()
    for router in (org_router, inventory_router, audit_router):
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    routes.add((method.lower(), "/api/organizations" + path.rstrip("/")))
    return routes


def test_openapi_document_lists_every_route(db: None) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    listed = {
        (method, path) for path, operations in document["paths"].items() for method in operations
    }
    assert _routes() <= listed
    expected = {
        ("get", f"{API}"),
        ("post", f"{API}"),
        ("get", f"{API}/{{org}}"),
        ("get", f"{API}/{{org}}/members"),
        ("get", f"{API}/{{org}}/responsibilities"),
        ("patch", f"{API}/{{org}}"),
        ("post", f"{API}/{{org}}/members"),
        ("patch", f"{API}/{{org}}/members/{{username}}"),
        ("delete", f"{API}/{{org}}/members/{{username}}"),
        ("post", f"{API}/{{org}}/officers"),
        ("put", f"{API}/{{org}}/responsibilities"),
        ("get", f"{API}/{{org}}/audit"),
    }
    for r in RESOURCES:
        expected |= {("get", f"{API}/{{org}}/{r}"), ("post", f"{API}/{{org}}/{r}")}
        expected |= {(m, f"{API}/{{org}}/{r}/{{item_id}}") for m in ("get", "patch", "delete")}
    assert expected <= listed
    assert len(_routes()) == len(expected)


def test_openapi_document_is_typed_per_resource(db: None) -> None:
    document = json.loads(Client().get("/api/openapi.json").content)
    schemas = document["components"]["schemas"]
    for name in ("Zone", "Vendor", "Asset", "DataFlow"):
        assert {f"{name}In", f"{name}Out", f"{name}Page"} <= set(schemas)
    assert "handles_ephi" in schemas["AssetOut"]["properties"]
    assert "unencrypted" in schemas["DataFlowOut"]["properties"]
    assert "ProblemOut" in schemas
    operation_ids = [
        operation["operationId"]
        for operations in document["paths"].values()
        for operation in operations.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))
    asset_list = document["paths"][f"{API}/{{org}}/assets"]["get"]
    params = {p["name"] for p in asset_list["parameters"]}
    assert {"limit", "offset", "kind", "zone", "ephi", "encryption_at_rest", "lifecycle", "q"} <= (
        params
    )


def _grow_inventory(inv: Inventory, n: int) -> None:
    org = inv.org
    for i in range(n):
        zone = Zone.objects.create(organization=org, name=f"Zone {i}")
        vendor = Vendor.objects.create(organization=org, name=f"Vendor {i}")
        asset = Asset.objects.create(organization=org, name=f"Asset {i}", kind="server", zone=zone)
        DataFlow.objects.create(
            organization=org, name=f"Flow {i}", source_asset=asset, destination_vendor=vendor
        )


LIST_BUDGET = 5  # session, user, membership, page, count
ORG_BUDGET = 6  # session, user, membership; the profile adds two officers and a count


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_queries_do_not_grow_with_rows(
    officer_client: Client,
    inventory: Inventory,
    resource: str,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    path = f"{API}/{inventory.org.slug}/{resource}?limit=200"
    with django_assert_max_num_queries(LIST_BUDGET):
        assert send(officer_client, "GET", path).json()["count"] == 1
    _grow_inventory(inventory, 40)
    with django_assert_max_num_queries(LIST_BUDGET):
        assert send(officer_client, "GET", path).json()["count"] == 41


@pytest.mark.parametrize("suffix", ["", "/members", "/responsibilities"])
def test_organization_queries_do_not_grow_with_members(
    org_client_factory: Callable[[int], tuple[Client, str]],
    suffix: str,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for members in (1, 30):
        client, slug = org_client_factory(members)
        with django_assert_max_num_queries(ORG_BUDGET):
            assert send(client, "GET", f"{API}/{slug}{suffix}").status_code == 200


@pytest.fixture
def org_client_factory(
    make_org: Callable[..., Organization], make_member: Callable[..., User]
) -> Callable[[int], tuple[Client, str]]:
    def make(members: int) -> tuple[Client, str]:
        org = make_org()
        build_inventory(org)
        owner = make_member(org, Role.OWNER)
        for n in range(members):
            user = make_member(org, Role.WORKFORCE, username=f"w{n}-{org.slug}")
            ResponsibilityAssignment.objects.create(
                organization=org, area="training", raci="I", user=user
            )
        client = Client()
        client.force_login(owner)
        return client, org.slug

    return make
