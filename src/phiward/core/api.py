"""The organizations API: the caller's organizations, a profile, members and the RACI matrix.

Reading goes through ``org_scope`` like every organization-scoped operation. Creating an
organization is an install-level act, not one inside an organization: administrators
(superusers) and people who already own an organization (consultants, MSPs) may do it, and
become the new organization's owner.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from phiward.core.apiscope import SCOPED_ERRORS, ProblemOut, api_user, org_scope, problems_from
from phiward.core.apiscope import scoped as scoped_objects
from phiward.core.errors import PermissionDenied
from phiward.core.models import (
    Membership,
    Organization,
    OrganizationKind,
    ProgramArea,
    Raci,
    ResponsibilityAssignment,
    display_name,
)
from phiward.core.permissions import Action, Area, Role
from phiward.core.tenancy import may_create_organization

router = Router(tags=["organizations"])


class OrganizationIn(Schema):
    slug: str = Field(description="Short name used in addresses: letters, digits, - and _")
    name: str
    kind: OrganizationKind = OrganizationKind.COVERED_ENTITY
    description: str = ""
    address: str = ""


class PersonOut(Schema):
    username: str
    name: str


class MyOrganizationOut(Schema):
    slug: str
    name: str
    kind: OrganizationKind
    role: Role
    role_label: str


class OrganizationOut(Schema):
    slug: str
    name: str
    kind: OrganizationKind
    kind_label: str
    description: str
    address: str
    security_officer: PersonOut | None
    privacy_officer: PersonOut | None
    member_count: int
    created_at: dt.datetime


class MemberOut(PersonOut):
    role: Role
    role_label: str


class AssignmentOut(PersonOut):
    raci: Raci
    raci_label: str


class ResponsibilityOut(Schema):
    """One row of the matrix: a program area and who is Responsible, Accountable, ..."""

    area: ProgramArea
    area_label: str
    assignments: list[AssignmentOut]


def _person(user: User | None) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": display_name(user)}


def _profile(organization: Organization) -> dict[str, object]:
    return {
        "slug": organization.slug,
        "name": organization.name,
        "kind": organization.kind,
        "kind_label": organization.get_kind_display(),
        "description": organization.description,
        "address": organization.address,
        "security_officer": _person(organization.security_officer),
        "privacy_officer": _person(organization.privacy_officer),
        "member_count": organization.memberships.count(),
        "created_at": organization.created_at,
    }


@router.get(
    "",
    response={200: list[MyOrganizationOut], 401: ProblemOut},
    operation_id="list_organizations",
    summary="The caller's organizations and role in each",
)
def list_organizations(request: HttpRequest) -> list[dict[str, object]]:
    memberships = Membership.objects.filter(user=api_user(request)).select_related("organization")
    return [
        {
            "slug": m.organization.slug,
            "name": m.organization.name,
            "kind": m.organization.kind,
            "role": m.role,
            "role_label": m.role_enum.label,
        }
        for m in memberships
    ]


@router.post(
    "",
    response={201: OrganizationOut, 401: ProblemOut, 403: ProblemOut, 422: ProblemOut},
    operation_id="create_organization",
    summary="Create an organization; the caller becomes its owner",
)
def create_organization(request: HttpRequest, payload: OrganizationIn) -> Status[dict[str, object]]:
    user = api_user(request)
    if not may_create_organization(user):
        raise PermissionDenied("only administrators and organization owners create organizations")
    organization = Organization(**payload.model_dump())
    try:
        organization.full_clean()
    except DjangoValidationError as exc:
        raise problems_from(exc) from exc
    with transaction.atomic():
        organization.save()
        Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
    return Status(201, _profile(organization))


@router.get(
    "/{org}",
    response={200: OrganizationOut, **SCOPED_ERRORS},
    operation_id="get_organization",
    summary="An organization's profile",
)
def get_organization(request: HttpRequest, org: str) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, Area.ORGANIZATION)
    return _profile(scope.organization)


@router.get(
    "/{org}/members",
    response={200: list[MemberOut], **SCOPED_ERRORS},
    operation_id="list_members",
    summary="The organization's members and their roles",
)
def list_members(request: HttpRequest, org: str) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, Area.ORGANIZATION)
    memberships = scope.organization.memberships.select_related("user").order_by("user__username")
    return [
        {
            "username": m.user.get_username(),
            "name": display_name(m.user),
            "role": m.role,
            "role_label": m.role_enum.label,
        }
        for m in memberships
    ]


@router.get(
    "/{org}/responsibilities",
    response={200: list[ResponsibilityOut], **SCOPED_ERRORS},
    operation_id="list_responsibilities",
    summary="The responsibility (RACI) matrix: one row per program area",
)
def list_responsibilities(request: HttpRequest, org: str) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, Area.GOVERNANCE)
    by_area: dict[str, list[dict[str, str]]] = {area.value: [] for area in ProgramArea}
    cells = scoped_objects(ResponsibilityAssignment, scope).select_related("user")
    for cell in cells.order_by("area", "raci", "user__username"):
        by_area[cell.area].append(
            {
                "username": cell.user.get_username(),
                "name": display_name(cell.user),
                "raci": cell.raci,
                "raci_label": cell.get_raci_display(),
            }
        )
    return [
        {"area": area, "area_label": area.label, "assignments": by_area[area.value]}
        for area in ProgramArea
    ]
