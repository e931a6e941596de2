"""The organizations API: the caller's organizations, a profile, members and the RACI matrix.

Every operation under ``/{org}`` goes through ``org_scope`` with the action it needs. Members
and the profile change only through ``phiward.core.members`` (owners; the organization keeps
an owner), officers only through ``phiward.core.governance.appoint_officer``. Creating an
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
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from phiward.core import members as people
from phiward.core.apiscope import (
    SCOPED_ERRORS,
    WRITE_ERRORS,
    OrgScope,
    ProblemOut,
    api_user,
    org_scope,
    problems_from,
    token_credential,
)
from phiward.core.apiscope import scoped as scoped_objects
from phiward.core.errors import InputProblems, NotFound, PermissionDenied, Problem
from phiward.core.governance import appoint_officer, replace_responsibility_matrix
from phiward.core.models import (
    Membership,
    OfficerAppointment,
    OfficerKind,
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


class ProfilePatch(Schema):
    """The profile fields to change; fields left out stay as they are."""

    name: str | None = None
    kind: OrganizationKind | None = None
    description: str | None = None
    address: str | None = None


class MemberIn(Schema):
    username: str
    role: Role
    create: bool = Field(False, description="Create a new user with this username first")
    email: str = Field("", description="New users only")
    first_name: str = Field("", description="New users only")
    last_name: str = Field("", description="New users only")
    password: str | None = Field(
        None,
        description="New users only; checked by the install's password rules. When absent, "
        "a one-time password is generated (or none, see generate_password).",
    )
    generate_password: bool = Field(
        True,
        description="New users without a password: generate a one-time password (true) or "
        "create the user unable to log in until one is set (false)",
    )


class MemberAddedOut(MemberOut):
    one_time_password: str | None = Field(
        description="The generated password of a new user; given in this answer only"
    )


class RoleIn(Schema):
    role: Role


class OfficerIn(Schema):
    officer: OfficerKind
    username: str = Field(description="The member to designate")
    effective_date: dt.date | None = Field(None, description="Defaults to today")
    reason: str = ""


class AppointmentOut(Schema):
    officer: OfficerKind
    officer_label: str
    person: PersonOut
    previous: PersonOut | None
    effective_date: dt.date
    approved_by: PersonOut
    reason: str
    recorded_at: dt.datetime


class AssignmentIn(Schema):
    area: ProgramArea
    username: str
    raci: Raci


class ResponsibilitiesIn(Schema):
    """The whole matrix: every cell not listed is cleared."""

    assignments: list[AssignmentIn]


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
    credential = token_credential(request)
    if credential is not None:  # an API token knows only its own organization
        memberships = memberships.filter(organization_id=credential.organization_id)
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
    if token_credential(request) is not None:
        raise PermissionDenied("an API token acts only inside its own organization")
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


@router.patch(
    "/{org}",
    response={200: OrganizationOut, **WRITE_ERRORS},
    operation_id="update_organization",
    summary="Change the profile (owners); officers are designated under /officers",
)
def update_organization(request: HttpRequest, org: str, payload: ProfilePatch) -> dict[str, object]:
    scope = org_scope(request, org, Action.ADMINISTER, Area.ORGANIZATION)
    fields = payload.model_dump(exclude_unset=True)
    nulls = sorted(name for name, value in fields.items() if value is None)
    if nulls:
        raise InputProblems([Problem("may not be null", field=name) for name in nulls])
    people.update_profile(scope.organization, by=scope.user, **fields)
    return _profile(scope.organization)


def _member(membership: Membership) -> dict[str, object]:
    return {
        "username": membership.user.get_username(),
        "name": display_name(membership.user),
        "role": membership.role,
        "role_label": membership.role_enum.label,
    }


@router.get(
    "/{org}/members",
    response={200: list[MemberOut], **SCOPED_ERRORS},
    operation_id="list_members",
    summary="The organization's members and their roles",
)
def list_members(request: HttpRequest, org: str) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, Area.ORGANIZATION)
    return [_member(m) for m in people.members(scope.organization)]


@router.post(
    "/{org}/members",
    response={201: MemberAddedOut, **WRITE_ERRORS},
    operation_id="add_member",
    summary="Add an existing user, or create one, with a role (owners)",
)
def add_member(request: HttpRequest, org: str, payload: MemberIn) -> Status[dict[str, object]]:
    scope = org_scope(request, org, Action.ADMINISTER, Area.ORGANIZATION)
    try:
        membership, generated = people.add_member(
            scope.organization,
            username=payload.username,
            role=payload.role,
            email=payload.email,
            first_name=payload.first_name,
            last_name=payload.last_name,
            create=payload.create,
            password=payload.password,
            generate_password=payload.generate_password,
            by=scope.user,
        )
    except NotFound as exc:  # the user named in the body: an input error, like any reference
        raise InputProblems([Problem(str(exc), field="username")]) from exc
    return Status(201, {**_member(membership), "one_time_password": generated})


@router.patch(
    "/{org}/members/{username}",
    response={200: MemberOut, **WRITE_ERRORS},
    operation_id="change_member_role",
    summary="Change a member's role (owners); the last owner stays an owner",
)
def change_member_role(
    request: HttpRequest, org: str, username: str, payload: RoleIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.ADMINISTER, Area.ORGANIZATION)
    membership = people.member_of(scope.organization, username)
    return _member(people.change_role(membership, payload.role, by=scope.user))


@router.delete(
    "/{org}/members/{username}",
    response={204: None, **WRITE_ERRORS},
    operation_id="remove_member",
    summary="Remove a member (owners); not the last owner, not a designated officer",
)
def remove_member(request: HttpRequest, org: str, username: str) -> Status[None]:
    scope = org_scope(request, org, Action.ADMINISTER, Area.ORGANIZATION)
    people.remove_member(people.member_of(scope.organization, username), by=scope.user)
    return Status(204, None)


def _referenced_member(scope: OrgScope, username: str, field: str) -> User:
    """A member named in a request body; anyone else is an input error, found or not."""
    try:
        return people.member_of(scope.organization, username).user
    except NotFound as exc:
        raise InputProblems([Problem(str(exc), field=field)]) from exc


def _appointment(record: OfficerAppointment) -> dict[str, object]:
    return {
        "officer": record.officer,
        "officer_label": record.get_officer_display(),
        "person": _person(record.user),
        "previous": _person(record.previous_user),
        "effective_date": record.effective_date,
        "approved_by": _person(record.approved_by),
        "reason": record.reason,
        "recorded_at": record.created_at,
    }


@router.post(
    "/{org}/officers",
    response={201: AppointmentOut, **WRITE_ERRORS},
    operation_id="designate_officer",
    summary="Designate the security or privacy officer, recorded with you as approver",
)
def designate_officer(
    request: HttpRequest, org: str, payload: OfficerIn
) -> Status[dict[str, object]]:
    scope = org_scope(request, org, Action.APPROVE, Area.GOVERNANCE)
    record = appoint_officer(
        scope.organization,
        payload.officer,
        _referenced_member(scope, payload.username, "username"),
        approved_by=scope.user,
        effective_date=payload.effective_date or timezone.localdate(),
        reason=payload.reason,
    )
    return Status(201, _appointment(record))


def _matrix(scope: OrgScope) -> list[dict[str, object]]:
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


@router.get(
    "/{org}/responsibilities",
    response={200: list[ResponsibilityOut], **SCOPED_ERRORS},
    operation_id="list_responsibilities",
    summary="The responsibility (RACI) matrix: one row per program area",
)
def list_responsibilities(request: HttpRequest, org: str) -> list[dict[str, object]]:
    return _matrix(org_scope(request, org, Action.READ, Area.GOVERNANCE))


@router.put(
    "/{org}/responsibilities",
    response={200: list[ResponsibilityOut], **WRITE_ERRORS},
    operation_id="replace_responsibilities",
    summary="Replace the whole RACI matrix: members only, one Accountable per area",
)
def replace_responsibilities(
    request: HttpRequest, org: str, payload: ResponsibilitiesIn
) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.CHANGE, Area.GOVERNANCE)
    member_users = {m.user.get_username(): m.user for m in people.members(scope.organization)}
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    accountable: set[str] = set()
    cells: list[tuple[ProgramArea, User, Raci]] = []
    for i, item in enumerate(payload.assignments):
        user = member_users.get(item.username)
        if user is None:
            problems.append(
                Problem(
                    f"no member '{item.username}' in this organization",
                    field=f"assignments.{i}.username",
                )
            )
            continue
        if (item.area, item.username) in seen:
            problems.append(
                Problem(
                    f"{item.area.label}: '{item.username}' is listed twice",
                    field=f"assignments.{i}",
                )
            )
            continue
        seen.add((item.area, item.username))
        if item.raci == Raci.ACCOUNTABLE:
            if item.area in accountable:
                problems.append(
                    Problem(
                        f"{item.area.label}: only one person can be Accountable",
                        field=f"assignments.{i}.raci",
                    )
                )
                continue
            accountable.add(item.area)
        cells.append((item.area, user, item.raci))
    if problems:
        raise InputProblems(problems)
    replace_responsibility_matrix(scope.organization, cells)
    return _matrix(scope)
