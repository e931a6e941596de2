"""``GET /api/organizations/{org}/audit``: the organization's audit entries, newest first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from phiward.audit import search
from phiward.core.apiscope import SCOPED_ERRORS, org_scope
from phiward.core.auditing import AuditAction
from phiward.core.permissions import Action, Area

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    seq: int = Field(..., description="Leaf index in the audit log's Merkle tree")
    timestamp: dt.datetime
    actor_id: int | None
    actor: str
    action: AuditAction
    object_type: str
    object_id: str
    summary: str
    changes: dict[str, Any]
    source: str
    leaf_hash: str


class AuditPage(Schema):
    items: list[AuditEntryOut]
    count: int = Field(..., description="Total number of matching entries")
    limit: int
    offset: int


class AuditFilters(Schema):
    user: str = Field("", max_length=150, description="Actor username, exact")
    action: AuditAction | None = None
    object_type: str = Field("", max_length=100)
    object_id: str = Field("", max_length=100)
    since: dt.datetime | None = Field(None, description="From this time (inclusive)")
    until: dt.datetime | None = Field(None, description="Before this time")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=2**62)


@router.get(
    "/{org}/audit",
    response={200: AuditPage, **SCOPED_ERRORS},
    operation_id="list_audit_entries",
    summary="List audit entries",
)
def list_audit_entries(
    request: HttpRequest, org: str, filters: Query[AuditFilters]
) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, Area.AUDIT)
    chosen = search.LogFilter(
        organization_id=scope.organization.pk,
        user=filters.user,
        action=filters.action.value if filters.action else "",
        object_type=filters.object_type,
        object_id=filters.object_id,
        since=filters.since,
        until=filters.until,
    )
    found = search.entries(chosen)
    start, stop = filters.offset, filters.offset + filters.limit
    return {
        "items": list(found[start:stop]),
        "count": found.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }
