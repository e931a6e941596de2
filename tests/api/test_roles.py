"""The API authorization matrix: every operation, as every kind of caller.

The operations come from the OpenAPI document; each needs an entry in ``OPERATIONS`` saying
what it needs from the permission table and how to call it, so a new endpoint that is missing
here fails ``test_every_operation_is_in_the_table``. Each operation then runs as:

- a member of every role, by browser session, in their own organization;
- an outsider (the owner of another organization) and an anonymous caller;
- an API token of every role (made by an owner of the organization), in its organization;
- a token of another organization, used against this one (404), though its creator owns both.

The expected status comes from the operation's (area, action) and ``allowed()``; the success
status from the operation's own 2xx answer in the document. A refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Count, Max
from django.test import Client

from phiward.api import api
from phiward.core.members import PROFILE_FIELDS
from phiward.core.models import (
    Membership,
    OfficerAppointment,
    Organization,
    ResponsibilityAssignment,
)
from phiward.core.permissions import Action, Area, Role, allowed
from phiward.inventory.models import Asset, DataFlow, Vendor, Zone
from phiward.tokens.lifecycle import create_token
from tests.api.sample import Inventory, build_inventory, new_body, send

pytestmark = pytest.mark.django_db


class Gate(StrEnum):
    ANY_USER = "any-user"  # any authenticated caller (the catalog, one's own organizations)
    ORG_CREATORS = "org-creators"  # administrators and owners, by session (not by token)
    SCOPED = "scoped"  # a member (or token) of the path's organization whose role allows it


class World:
    """What one case runs against: the organization and another one; the people and objects
    an operation or caller needs are made on first use (creating everything for every case
    would be most of this matrix's time)."""

    def __init__(self, make_member: Callable[..., User]) -> None:
        self._make_member = make_member
        self.org = Organization.objects.create(slug="clinic-a", name="Clinic A")
        self.other = Organization.objects.create(slug="clinic-b", name="Clinic B")

    @cached_property
    def inventory(self) -> Inventory:
        return build_inventory(self.org)

    @cached_property
    def colleague(self) -> str:
        """A workforce member of ``org``, whom member operations name."""
        return self._make_member(self.org, Role.WORKFORCE, username="colleague").username

    @cached_property
    def boss(self) -> User:
        """An owner of ``org``, who makes the tokens."""
        return self._make_member(self.org, Role.OWNER, username="boss")

    @cached_property
    def outsider(self) -> User:
        """The owner of ``other``."""
        return self._make_member(self.other, Role.OWNER, username="outsider")


Body = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Op:
    gate: Gate
    area: Area | None = None
    action: Action | None = None
    body: Body | None = None
    resource: str | None = None  # the inventory resource whose object {item_id} names
    fixed: Mapping[str, str] = field(default_factory=dict)  # other path parameters


def scoped(area: Area, action: Action, body: Body | None = None, **kwargs: Any) -> Op:
    return Op(Gate.SCOPED, area, action, body, **kwargs)


def _inventory(resource: str, singular: str) -> dict[str, Op]:
    inv = Area.INVENTORY
    return {
        f"list_{resource}": scoped(inv, Action.READ),
        f"create_{singular}": scoped(inv, Action.CREATE, lambda w: new_body(resource, w.inventory)),
        f"get_{singular}": scoped(inv, Action.READ, resource=resource),
        f"update_{singular}": scoped(
            inv, Action.CHANGE, lambda w: {"name": "Renamed"}, resource=resource
        ),
        f"delete_{singular}": scoped(inv, Action.DELETE, resource=resource),
    }


ORG, GOV = Area.ORGANIZATION, Area.GOVERNANCE
CATALOG_ENTRY = {"framework": "hipaa-security", "key": "164.308-a-1"}

OPERATIONS: dict[str, Op] = {
    "list_organizations": Op(Gate.ANY_USER),
    "create_organization": Op(
        Gate.ORG_CREATORS, body=lambda w: {"slug": "new-clinic", "name": "New Clinic"}
    ),
    "get_organization": scoped(ORG, Action.READ),
    "update_organization": scoped(ORG, Action.ADMINISTER, lambda w: {"name": "Renamed"}),
    "list_members": scoped(ORG, Action.READ),
    "add_member": scoped(
        ORG,
        Action.ADMINISTER,
        lambda w: {"username": "newcomer", "role": "workforce", "create": True},
    ),
    "change_member_role": scoped(ORG, Action.ADMINISTER, lambda w: {"role": "auditor"}),
    "remove_member": scoped(ORG, Action.ADMINISTER),
    "designate_officer": scoped(
        GOV, Action.APPROVE, lambda w: {"officer": "privacy", "username": w.colleague}
    ),
    "list_responsibilities": scoped(GOV, Action.READ),
    "replace_responsibilities": scoped(GOV, Action.CHANGE, lambda w: {"assignments": []}),
    **_inventory("zones", "zone"),
    **_inventory("vendors", "vendor"),
    **_inventory("assets", "asset"),
    **_inventory("flows", "flow"),
    "list_audit_entries": scoped(Area.AUDIT, Action.READ),
    "phiward_catalog_api_list_frameworks": Op(Gate.ANY_USER),
    "phiward_catalog_api_list_entries": Op(Gate.ANY_USER, fixed=CATALOG_ENTRY),
    "phiward_catalog_api_get_entry": Op(Gate.ANY_USER, fixed=CATALOG_ENTRY),
}


# --- operations from the OpenAPI document -----------------------------------------------------


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str  # with {placeholders}
    success: int  # its 2xx answer


def _document_operations() -> list[Operation]:
    document = api.get_openapi_schema()
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = sorted(int(code) for code in operation["responses"])
            success = next(code for code in codes if 200 <= code < 300)
            found.append(Operation(operation["operationId"], method.upper(), path, success))
    return found


DOCUMENTED = _document_operations()


# --- callers ----------------------------------------------------------------------------------


class Via(StrEnum):
    MEMBER = "member"  # a browser session of a member of the organization
    OUTSIDER = "outsider"  # a session of the owner of another organization
    ANONYMOUS = "anonymous"
    TOKEN = "token"  # an API token of the organization (made by an owner)
    FOREIGN_TOKEN = "foreign-token"  # an owner's token of another organization


@dataclass(frozen=True)
class Caller:
    via: Via
    role: Role | None = None

    @property
    def id(self) -> str:
        return f"{self.via}-{self.role}" if self.role else str(self.via)


CALLERS = (
    *(Caller(Via.MEMBER, role) for role in Role),
    Caller(Via.OUTSIDER),
    Caller(Via.ANONYMOUS),
    *(Caller(Via.TOKEN, role) for role in Role),
    Caller(Via.FOREIGN_TOKEN),
)


def expected(op: Op, caller: Caller, success: int) -> int:
    if caller.via is Via.ANONYMOUS:
        return 401
    if op.gate is Gate.ANY_USER:
        return success
    if op.gate is Gate.ORG_CREATORS:
        owner = caller.via is Via.OUTSIDER or (
            caller.via is Via.MEMBER and caller.role is Role.OWNER
        )
        return success if owner else 403  # a token acts only inside its organization
    if caller.via in (Via.OUTSIDER, Via.FOREIGN_TOKEN):
        return 404  # the organization's existence is not revealed
    assert caller.role is not None and op.area is not None and op.action is not None
    return success if allowed(caller.role, op.action, op.area) else 403


# --- running one case -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_client() -> Client:
    """One client for the module: a new one builds a new handler, and WhiteNoise's middleware
    walks every static file when it starts, which would be most of this matrix's time."""
    return Client()


def _login(client: Client, caller: Caller, world: World, make_member: Callable[..., User]) -> None:
    client.cookies.clear()
    client.defaults.pop("HTTP_AUTHORIZATION", None)
    org = world.org
    if caller.via is Via.MEMBER:
        assert caller.role is not None
        client.force_login(make_member(org, caller.role, username="caller"))
    elif caller.via is Via.OUTSIDER:
        client.force_login(world.outsider)
    elif caller.via in (Via.TOKEN, Via.FOREIGN_TOKEN):
        home = org
        if caller.via is Via.FOREIGN_TOKEN:
            # The boss owns both organizations: only the token's own confinement gives 404.
            Membership.objects.create(user=world.boss, organization=world.other, role=Role.OWNER)
            home = world.other
        _, secret = create_token(home, creator=world.boss, name="matrix", role=caller.role)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"


def _path(operation: Operation, op: Op, world: World) -> str:
    values: dict[str, object] = {"org": world.org.slug, **op.fixed}
    if "{username}" in operation.path:
        values["username"] = world.colleague
    if op.resource is not None:
        values["item_id"] = world.inventory.ids()[op.resource]
    try:
        return operation.path.format(**values)
    except KeyError as missing:
        pytest.fail(f"{operation.id}: no value for {missing}; give one in OPERATIONS")


def _snapshot() -> tuple[object, ...]:
    """Everything an operation could write: organizations, people, governance, inventory."""
    inventory = (Zone, Vendor, Asset, DataFlow)
    return (
        *Organization.objects.order_by("pk").values_list("slug", *PROFILE_FIELDS),
        *Membership.objects.order_by("pk").values_list("organization", "user", "role"),
        ResponsibilityAssignment.objects.count(),
        OfficerAppointment.objects.count(),
        *(m.objects.aggregate(Count("pk"), Max("updated_at"), Max("pk")) for m in inventory),
    )


def test_every_operation_is_in_the_table() -> None:
    documented = {operation.id for operation in DOCUMENTED}
    missing = sorted(documented - set(OPERATIONS))
    assert not missing, (
        "API operations with no access expectations; add them to OPERATIONS in "
        f"tests/api/test_roles.py: {', '.join(missing)}"
    )
    stale = sorted(set(OPERATIONS) - documented)
    assert not stale, f"OPERATIONS names operations the API does not have: {', '.join(stale)}"


CASES = [
    pytest.param(operation, caller, id=f"{operation.id}-{caller.id}")
    for operation in DOCUMENTED
    if operation.id in OPERATIONS
    for caller in CALLERS
]


@pytest.mark.parametrize(("operation", "caller"), CASES)
def test_access(
    operation: Operation,
    caller: Caller,
    make_member: Callable[..., User],
    shared_client: Client,
) -> None:
    op = OPERATIONS[operation.id]
    world = World(make_member)
    client = shared_client
    _login(client, caller, world, make_member)
    path = _path(operation, op, world)
    body = op.body(world) if op.body is not None else None
    want = expected(op, caller, operation.success)
    before = _snapshot() if want >= 400 else None

    response = send(client, operation.method, path, body)

    assert response.status_code == want, (
        f"{operation.method} {path} as {caller.id}: expected {want}, got "
        f"{response.status_code}: {response.content[:300]!r}"
    )
    if want >= 400:
        assert response.json()["status"] == want
        assert _snapshot() == before, "a refused request changed data"
