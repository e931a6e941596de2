"""List, retrieve, create, update and delete for one organization-scoped model, in the API.

A resource is described once by an ``OrgResource`` (model, URL segment, its own typed schemas,
its filters and the ids it refers to) and ``register`` adds its five operations to a router:

    GET    /{org}/<path>            list, paginated (limit/offset) with a total count
    POST   /{org}/<path>            create                                    -> 201
    GET    /{org}/<path>/{item_id}  retrieve
    PATCH  /{org}/<path>/{item_id}  partial update
    DELETE /{org}/<path>/{item_id}  delete                                    -> 204

Every operation goes through ``org_scope`` (READ, CREATE, CHANGE or DELETE in the resource's
area) and every object through ``Model.objects.for_org(org)``; ids of related objects are
resolved the same way, so an id from another organization is an input error naming the field.
Input is checked by the schema (types, enums) and then by the model's ``full_clean``; both kinds
of error become a 422 problem naming the fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from ninja import Field, PatchDict, Query, Router, Schema, Status
from pydantic import create_model

from phiward.core.apiscope import (
    MAX_ID,
    SCOPED_ERRORS,
    WRITE_ERRORS,
    OrgScope,
    in_org,
    org_scope,
    problems_from,
    reference,
    scoped,
)
from phiward.core.errors import InputProblems, Problem
from phiward.core.models import OrgScopedModel
from phiward.core.permissions import Action, Area

M = TypeVar("M", bound=OrgScopedModel)
F = TypeVar("F", bound="PageQuery")

MAX_PAGE = 500


class PageQuery(Schema):
    """Pagination parameters every list accepts; a resource's filters extend it."""

    limit: int = Field(50, ge=1, le=MAX_PAGE, description="Items per page")
    offset: int = Field(0, ge=0, le=MAX_ID, description="Items to skip")


@dataclass(frozen=True)
class OrgResource(Generic[M, F]):
    """What ``register`` needs to know about one model."""

    model: type[M]
    path: str  # URL segment under /{org}/, e.g. "assets"
    name: str  # singular, for operation ids, e.g. "asset"
    schema_in: type[Schema]  # the writable fields (PATCH accepts any subset)
    schema_out: type[Schema]  # what an object looks like in answers
    filters: type[F]
    apply_filters: Callable[[models.QuerySet[M], F], models.QuerySet[M]]
    # API field holding an id -> the model it refers to, e.g. {"zone_id": Zone}; the model
    # field is the name without "_id".
    references: Mapping[str, type[OrgScopedModel]] = field(default_factory=dict)
    area: Area = Area.INVENTORY

    @property
    def plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)


def _typed(view: Callable[..., object], **annotations: object) -> None:
    """Give a view written once for all resources the concrete schemas of one.

    django-ninja reads parameter annotations to validate requests and to write the OpenAPI
    document, so each resource's operations carry their own schema types there.
    """
    view.__annotations__.update(annotations)


def save(resource: OrgResource[M, F], scope: OrgScope, obj: M, data: Mapping[str, object]) -> M:
    """Apply validated input to ``obj``, check it with the model's rules and save it."""
    for name, value in data.items():
        target = resource.references.get(name)
        if target is not None:
            # The schema validated the id as an int (or null).
            related = None if value is None else reference(target, scope, cast(int, value), name)
            setattr(obj, name.removesuffix("_id"), related)
            continue
        model_field = obj._meta.get_field(name)
        text = (models.CharField, models.TextField)
        if value is None and isinstance(model_field, text) and not model_field.null:
            value = ""  # a text field stores "no value" as the empty string; the API says null
        setattr(obj, name, value)
    try:
        obj.full_clean()
    except DjangoValidationError as exc:
        renames = {name.removesuffix("_id"): name for name in resource.references}
        raise problems_from(exc, renames) from exc
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        # A concurrent write took the name between the check and the save.
        raise InputProblems(
            [Problem("conflicts with a record saved at the same moment; retry", field="name")]
        ) from exc
    return obj


def register(router: Router, resource: OrgResource[M, F]) -> None:
    """Add the resource's five operations to ``router``."""
    r = resource
    collection = f"/{{org}}/{r.path}"
    item = f"{collection}/{{item_id}}"
    page = create_model(
        f"{r.schema_out.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        items=(list[r.schema_out], ...),  # type: ignore[name-defined]
        count=(int, Field(..., description="Total number of matching items")),
        limit=(int, ...),
        offset=(int, ...),
    )

    def list_items(request: HttpRequest, org: str, filters: F) -> dict[str, object]:
        scope = org_scope(request, org, Action.READ, r.area)
        queryset = r.apply_filters(scoped(r.model, scope), filters)
        start, stop = filters.offset, filters.offset + filters.limit
        return {
            "items": list(queryset[start:stop]),
            "count": queryset.count(),
            "limit": filters.limit,
            "offset": filters.offset,
        }

    def get_item(request: HttpRequest, org: str, item_id: int) -> M:
        return in_org(r.model, org_scope(request, org, Action.READ, r.area), item_id)

    def create_item(request: HttpRequest, org: str, payload: Schema) -> Status[M]:
        scope = org_scope(request, org, Action.CREATE, r.area)
        obj = r.model(organization=scope.organization)
        with transaction.atomic():
            return Status(201, save(r, scope, obj, payload.model_dump(exclude_unset=True)))

    def update_item(request: HttpRequest, org: str, item_id: int, payload: dict[str, object]) -> M:
        scope = org_scope(request, org, Action.CHANGE, r.area)
        with transaction.atomic():
            return save(r, scope, in_org(r.model, scope, item_id), payload)

    def delete_item(request: HttpRequest, org: str, item_id: int) -> Status[None]:
        scope = org_scope(request, org, Action.DELETE, r.area)
        in_org(r.model, scope, item_id).delete()
        return Status(204, None)

    _typed(list_items, filters=Query[r.filters])  # type: ignore[misc,name-defined]
    _typed(create_item, payload=r.schema_in)
    _typed(update_item, payload=PatchDict[r.schema_in])  # type: ignore[name-defined]

    label = str(r.model._meta.verbose_name)
    router.add_api_operation(
        collection,
        ["GET"],
        list_items,
        response={200: page, **SCOPED_ERRORS},
        operation_id=f"list_{r.path}",
        summary=f"List {r.plural}",
    )
    router.add_api_operation(
        collection,
        ["POST"],
        create_item,
        response={201: r.schema_out, **WRITE_ERRORS},
        operation_id=f"create_{r.name}",
        summary=f"Add a {label}",
    )
    router.add_api_operation(
        item,
        ["GET"],
        get_item,
        response={200: r.schema_out, **SCOPED_ERRORS},
        operation_id=f"get_{r.name}",
        summary=f"Get a {label}",
    )
    router.add_api_operation(
        item,
        ["PATCH"],
        update_item,
        response={200: r.schema_out, **WRITE_ERRORS},
        operation_id=f"update_{r.name}",
        summary=f"Change a {label}",
    )
    router.add_api_operation(
        item,
        ["DELETE"],
        delete_item,
        response={204: None, **SCOPED_ERRORS},
        operation_id=f"delete_{r.name}",
        summary=f"Delete a {label}",
    )
