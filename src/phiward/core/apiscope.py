"""The one mechanism that scopes API operations to an organization.

The API twin of ``phiward.web.orgviews.OrgView``: an operation under
``/api/organizations/{org}/`` calls ``org_scope`` with the action and area it needs and gets
the organization and the caller's membership. A non-member gets NotFound (404, the
organization's existence is not revealed), a member whose role lacks the action gets
PermissionDenied (403). A request authenticated by an API token is held to the token's
organization (any other is 404) and to both the token's role and its creator's current one.
Objects are then fetched only through ``in_org`` and ``reference``, which go through
``Model.objects.for_org(org)``; no operation filters by organization itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar, cast

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Schema

from phiward.core.auditing import AuditAction, AuditEvent, record
from phiward.core.errors import InputProblems, NotFound, PermissionDenied, Problem
from phiward.core.models import Membership, Organization, OrgScopedModel, display_name
from phiward.core.permissions import Action, Area, Role, allowed
from phiward.core.tenancy import membership_for, require

M = TypeVar("M", bound=OrgScopedModel)
_R = TypeVar("_R", bound=Model)


class ProblemOut(Schema):
    """An error answer (RFC 9457 problem+json); ``errors`` maps field names to messages."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None


# The error answers every organization-scoped operation can give, for the OpenAPI document.
SCOPED_ERRORS: dict[int, type[Schema]] = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**SCOPED_ERRORS, 422: ProblemOut}


@dataclass(frozen=True)
class OrgScope:
    """Who is acting, in which organization, with which membership."""

    organization: Organization
    membership: Membership
    user: User


@dataclass(frozen=True)
class TokenCredential:
    """What an API token authenticated (``phiward.tokens``): its creator, acting only in one
    organization and with at most ``role``; the creator's current role caps it further."""

    token_id: int
    organization_id: int
    role: Role
    user: User


def token_credential(request: HttpRequest) -> TokenCredential | None:
    """The API token a request was authenticated by, or None (a browser session)."""
    credential = getattr(request, "auth", None)
    return credential if isinstance(credential, TokenCredential) else None


def api_user(request: HttpRequest) -> User:
    """The user the API's authentication resolved (operations only run for authenticated users)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("authentication required")
    return user


def org_scope(request: HttpRequest, org_slug: str, action: Action, area: Area) -> OrgScope:
    """The caller's scope in ``org_slug``, if their role allows ``action`` in ``area``."""
    user = api_user(request)
    membership = membership_for(user, org_slug)
    credential = token_credential(request)
    if credential is not None:
        if membership.organization_id != credential.organization_id:
            raise NotFound("organization not found")  # a token works in its own organization
        if not allowed(credential.role, action, area):
            _record_denial(membership, action, area)
            raise PermissionDenied(
                f"this API token's role '{credential.role}' may not {action} in {area}"
            )
    if not allowed(membership.role, action, area):
        _record_denial(membership, action, area)
    require(membership, action, area)  # the creator's current role caps the token's
    return OrgScope(membership.organization, membership, user)


def _record_denial(membership: Membership, action: Action, area: Area) -> None:
    record(
        AuditEvent(
            action=AuditAction.PERMISSION_DENIED,
            organization_id=membership.organization_id,
            summary=f"denied: {action} in {area}",
            source="api",
        )
    )


def scoped(model: type[M], scope: OrgScope) -> QuerySet[M]:
    """Every ``model`` object of the scope's organization."""
    return cast("QuerySet[M]", model.objects.for_org(scope.organization))


# The largest primary key either database stores; larger numbers name no object.
MAX_ID = 2**63 - 1


def _find(model: type[M], scope: OrgScope, pk: int) -> M | None:
    if not 1 <= pk <= MAX_ID:
        return None
    return scoped(model, scope).filter(pk=pk).first()


def in_org(model: type[M], scope: OrgScope, pk: int) -> M:
    """One object of the scope's organization; objects of other organizations are not found."""
    found = _find(model, scope, pk)
    if found is None:
        raise NotFound(f"{model._meta.verbose_name} not found")
    return found


def reference(model: type[M], scope: OrgScope, pk: int, field: str) -> M:
    """An object a request refers to by id in ``field``; unknown or foreign ids are input errors.

    The message is the same whether the id does not exist or belongs to another organization.
    """
    found = _find(model, scope, pk)
    if found is None:
        raise InputProblems(
            [
                Problem(
                    f"No {model._meta.verbose_name} with id {pk} in this organization.",
                    field=field,
                )
            ]
        )
    return found


def problems_from(
    error: DjangoValidationError, field_names: Mapping[str, str] | None = None
) -> InputProblems:
    """A model's validation errors as InputProblems, fields renamed to the API's names."""
    names = field_names or {}
    problems = []
    for field, errors in error.error_dict.items():
        for item in errors:
            place = _unique_field(item) if field == NON_FIELD_ERRORS else field
            for message in item.messages:
                problems.append(Problem(message, field=names.get(place, place)))
    return InputProblems(problems)


def _unique_field(error: DjangoValidationError) -> str:
    """Name the field of a per-organization uniqueness error (e.g. 'name'), not '__all__'."""
    params = error.params if isinstance(error.params, dict) else {}
    fields = [f for f in params.get("unique_check", ()) if f != "organization"]
    return fields[0] if len(fields) == 1 else NON_FIELD_ERRORS


@contextlib.contextmanager
def renamed_problems(names: Mapping[str, str]) -> Iterator[None]:
    """Re-raise a service's ``InputProblems`` with the fields named as in the request."""
    try:
        yield
    except InputProblems as exc:
        raise InputProblems(
            [
                Problem(p.message, p.file, p.row, names.get(p.field or "", p.field))
                for p in exc.problems
            ]
        ) from exc


def person_ref(user: User | None) -> dict[str, str] | None:
    """A user as answers show people: username and name."""
    if user is None:
        return None
    return {"username": user.get_username(), "name": display_name(user)}


class Paging(Protocol):
    offset: int
    limit: int


def page_of(found: QuerySet[_R], query: Paging, out: Callable[[_R], object]) -> dict[str, object]:
    """One page of ``found`` as every list operation answers: items, count, limit, offset."""
    start, stop = query.offset, query.offset + query.limit
    return {
        "items": [out(item) for item in found[start:stop]],
        "count": found.count(),
        "limit": query.limit,
        "offset": query.offset,
    }
