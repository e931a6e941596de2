"""The authorization matrix: every endpoint as every role, and as a non-member.

Expectations are written out here (not computed from the permission table), so a change to
the table or to an endpoint's declared action shows up as a failing cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Max
from django.test import Client

from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from tests.api.sample import API, RESOURCES, Inventory, new_body, send
from tests.conftest import client_for

SUCCESS = {"GET": 200, "POST": 201, "PATCH": 200, "DELETE": 204}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {org} and {id} are filled in per test
    needs: str  # a grant of GRANTS below
    resource: str | None = None

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("POST", "", "create organizations"),
    Endpoint("GET", "/{org}", "organization"),
    Endpoint("GET", "/{org}/members", "organization"),
    Endpoint("GET", "/{org}/responsibilities", "governance"),
    *(
        endpoint
        for r in RESOURCES
        for endpoint in (
            Endpoint("GET", f"/{{org}}/{r}", "read inventory", r),
            Endpoint("POST", f"/{{org}}/{r}", "write inventory", r),
            Endpoint("GET", f"/{{org}}/{r}/{{id}}", "read inventory", r),
            Endpoint("PATCH", f"/{{org}}/{r}/{{id}}", "write inventory", r),
            Endpoint("DELETE", f"/{{org}}/{r}/{{id}}", "write inventory", r),
        )
    ),
]

OFFICER = {"organization", "governance", "read inventory", "write inventory"}
GRANTS: dict[Role, set[str]] = {
    Role.OWNER: {*OFFICER, "create organizations"},
    Role.SECURITY_OFFICER: OFFICER,
    Role.PRIVACY_OFFICER: OFFICER,
    Role.AUDITOR: {"organization", "governance", "read inventory"},
    Role.WORKFORCE: {"organization"},
}


def _snapshot() -> tuple[Any, ...]:
    """Counts and latest change of everything an endpoint could write."""
    models = (Zone, Vendor, Asset, DataFlow)
    return (
        Organization.objects.count(),
        *(tuple(m.objects.aggregate(Max("updated_at"), Max("pk")).values()) for m in models),
        *(m.objects.count() for m in models),
    )


def _expected(role: Role | None, endpoint: Endpoint) -> int:
    if role is not None and endpoint.needs in GRANTS[role]:
        return SUCCESS[endpoint.method]
    if role is None and endpoint.path.startswith("/{org}"):
        return 404  # the organization's existence is not revealed
    return 403


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: r or "non_member")
def test_role_matrix(
    role: Role | None,
    endpoint: Endpoint,
    inventory: Inventory,
    other_org: Organization,
    make_member: Callable[..., User],
) -> None:
    if role is None:
        user = make_member(other_org, Role.SECURITY_OFFICER, username="outsider")
    else:
        user = make_member(inventory.org, role)
    client: Client = client_for(user)
    path = API + endpoint.path.format(
        org=inventory.org.slug, id=inventory.ids().get(endpoint.resource or "", 0)
    )
    if endpoint.method == "POST":
        body = (
            new_body(endpoint.resource, inventory)
            if endpoint.resource
            else {"slug": "new-clinic", "name": "New Clinic"}
        )
    else:
        body = {"name": "Renamed"}
    before = _snapshot()

    response = send(client, endpoint.method, path, body)

    expected = _expected(role, endpoint)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["status"] == expected
        assert _snapshot() == before, "a refused request changed data"
