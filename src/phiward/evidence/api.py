"""The evidence API: list, get, add (a multipart file upload, or a JSON link or record),
download, change metadata and links, delete under the retention rule, and list deletions.

Every operation goes through ``org_scope`` in the evidence area and every write through
``phiward.evidence.library``. Downloads are ``application/octet-stream`` attachments whose
content was checked against its SHA-256 first (409 when it does not match), and each is on the
audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from phiward.core.apiscope import (
    SCOPED_ERRORS,
    WRITE_ERRORS,
    OrgScope,
    ProblemOut,
    in_org,
    org_scope,
    page_of,
    reference,
    scoped,
    token_credential,
)
from phiward.core.errors import InputProblems, Problem
from phiward.core.openapi import PROBLEM_MEDIA_TYPE
from phiward.core.permissions import Action, Area, allowed
from phiward.evidence import library
from phiward.evidence.library import Links, Metadata
from phiward.evidence.models import (
    EvidenceDeletion,
    EvidenceItem,
    expiring_q,
    state_q,
)
from phiward.evidence.retention import State
from phiward.evidence.schemas import (
    EvidenceDeletionPage,
    EvidenceDeletionQuery,
    EvidenceFileFields,
    EvidenceItemIn,
    EvidenceItemOut,
    EvidenceItemPage,
    EvidenceItemPatch,
    EvidenceItemQuery,
    EvidenceStateFilter,
)
from phiward.evidence.storage import EvidenceFileError

router = Router(tags=["evidence"])
AREA = Area.EVIDENCE
ITEM = "/{org}/evidence/{item_id}"


def _out(item: EvidenceItem) -> dict[str, object]:
    return {
        "id": item.pk,
        "reference": item.reference,
        "title": item.title,
        "description": item.description,
        "kind": item.kind,
        "url": item.url,
        "original_name": item.original_name,
        "media_type": item.media_type,
        "size": item.size,
        "sha256": item.sha256,
        "effective_on": item.effective_on,
        "uploaded_at": item.created_at,
        "uploaded_by": item.uploaded_by.get_username() if item.uploaded_by else None,
        "expires_on": item.expires_on,
        "reviewer": item.reviewer.get_username() if item.reviewer else None,
        "reviewed_on": item.reviewed_on,
        "last_in_effect_on": item.last_in_effect_on,
        "superseded_by_id": item.superseded_by_id,
        "superseded_on": item.superseded_on,
        "state": item.state(),
        "retained_until": item.retained_until(),
        "spec_ids": sorted(link.spec_id for link in item.spec_links.all()),
        "risk_ids": sorted(link.risk_id for link in item.risk_links.all()),
        "asset_ids": sorted(link.asset_id for link in item.asset_links.all()),
    }


def _items(scope: OrgScope) -> QuerySet[EvidenceItem]:
    return (
        scoped(EvidenceItem, scope)
        .select_related("uploaded_by", "reviewer")
        .prefetch_related("spec_links", "risk_links", "asset_links")
    )


def _member(scope: OrgScope, username: str | None, field: str) -> User | None:
    if username is None or not username.strip():
        return None
    found = User.objects.filter(
        username=username.strip(), memberships__organization=scope.organization
    ).first()
    if found is None:
        raise InputProblems(
            [Problem("no member of this organization has that username", field=field)]
        )
    return found


def _metadata(scope: OrgScope, data: EvidenceFileFields | EvidenceItemIn) -> Metadata:
    return Metadata(
        title=data.title,
        description=data.description,
        effective_on=data.effective_on,
        expires_on=data.expires_on,
        reviewer=_member(scope, data.reviewer, "reviewer"),
        reviewed_on=data.reviewed_on,
    )


def _links(
    scope: OrgScope, spec_ids: list[str], risk_ids: list[int], asset_ids: list[int]
) -> Links:
    org = scope.organization
    return Links(
        spec_ids=library.spec_ids(spec_ids),
        risks=library.risks(org, risk_ids),
        assets=library.assets(org, asset_ids),
    )


def _filter(items: QuerySet[EvidenceItem], query: EvidenceItemQuery) -> QuerySet[EvidenceItem]:
    today = timezone.localdate()
    if query.kind:
        items = items.filter(kind=query.kind)
    if query.state is EvidenceStateFilter.EXPIRING:
        items = items.filter(expiring_q(today))
    elif query.state is not None:
        items = items.filter(state_q(State(query.state.value), today))
    if query.spec:
        items = items.filter(spec_links__spec_id__in=list(library.spec_ids([query.spec], "spec")))
    if query.risk is not None:
        items = items.filter(risk_links__risk_id=query.risk)
    if query.asset is not None:
        items = items.filter(asset_links__asset_id=query.asset)
    if query.q:
        items = items.filter(
            Q(title__icontains=query.q)
            | Q(original_name__icontains=query.q)
            | Q(url__icontains=query.q)
        )
    return items.distinct()


@router.get(
    "/{org}/evidence",
    response={200: EvidenceItemPage, **WRITE_ERRORS},
    operation_id="list_evidence",
    summary="List evidence items",
)
def list_evidence(
    request: HttpRequest, org: str, query: Query[EvidenceItemQuery]
) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    return page_of(_filter(_items(scope), query), query, _out)


@router.post(
    "/{org}/evidence",
    response={201: EvidenceItemOut, **WRITE_ERRORS},
    operation_id="create_evidence",
    summary="Add a link or a generated record",
)
def create_evidence(
    request: HttpRequest, org: str, payload: EvidenceItemIn
) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    meta = _metadata(scope, payload)
    links = _links(scope, payload.spec_ids, payload.risk_ids, payload.asset_ids)
    if payload.kind == "link":
        if payload.document is not None:
            raise InputProblems([Problem("a link holds no document", field="document")])
        item = library.add_link(
            scope.organization, payload.url, meta=meta, links=links, user=scope.user
        )
    else:
        if payload.url:
            raise InputProblems([Problem("a record has no address", field="url")])
        item = library.add_record(
            scope.organization, payload.document, meta=meta, links=links, user=scope.user
        )
    return Status(201, _out(_items(scope).get(pk=item.pk)))


@router.post(
    "/{org}/evidence/files",
    response={201: EvidenceItemOut, **WRITE_ERRORS},
    operation_id="upload_evidence_file",
    summary="Upload an evidence file (multipart/form-data)",
)
def upload_evidence_file(
    request: HttpRequest,
    org: str,
    file: File[UploadedFile],
    fields: Form[EvidenceFileFields],
) -> Status[dict[str, Any]]:
    scope = org_scope(request, org, Action.CREATE, AREA)
    item = library.add_file(
        scope.organization,
        file,
        name=file.name or "",
        media_type=file.content_type or "",
        meta=_metadata(scope, fields),
        links=_links(scope, fields.spec_ids, fields.risk_ids, fields.asset_ids),
        user=scope.user,
    )
    return Status(201, _out(_items(scope).get(pk=item.pk)))


@router.get(
    ITEM,
    response={200: EvidenceItemOut, **SCOPED_ERRORS},
    operation_id="get_evidence",
    summary="Get an evidence item",
)
def get_evidence(request: HttpRequest, org: str, item_id: int) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    in_org(EvidenceItem, scope, item_id)
    return _out(_items(scope).get(pk=item_id))


def _problem(status: int, title: str, detail: str) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JsonResponse(body, status=status, content_type=PROBLEM_MEDIA_TYPE)


BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


@router.get(
    f"{ITEM}/content",
    response={**SCOPED_ERRORS, 409: ProblemOut},
    operation_id="download_evidence",
    summary="Download a file's or record's content (checked against its SHA-256)",
    openapi_extra={
        "responses": {"200": {"description": "The content, as an attachment", "content": BINARY}}
    },
)
def download_evidence(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    from phiward.evidence.views import attachment

    scope = org_scope(request, org, Action.EXPORT, AREA)
    item = in_org(EvidenceItem, scope, item_id)
    try:
        body = library.content(item)
    except EvidenceFileError as exc:
        library.record_integrity_failure(item, str(exc))
        return _problem(409, "Conflict", str(exc))
    library.record_download(item)
    response = attachment(item, body)
    response["Content-Type"] = library.DEFAULT_MEDIA_TYPE
    return response  # type: ignore[return-value]


@router.patch(
    ITEM,
    response={200: EvidenceItemOut, **WRITE_ERRORS},
    operation_id="update_evidence",
    summary="Change an evidence item's dates, reviewer, supersession or links",
)
def update_evidence(
    request: HttpRequest, org: str, item_id: int, payload: EvidenceItemPatch
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    item = in_org(EvidenceItem, scope, item_id)
    data = payload.model_dump(exclude_unset=True)
    changes: dict[str, object] = {}
    for name in ("title", "description"):
        if name in data:
            changes[name] = data[name] if data[name] is not None else ""
    for name in ("effective_on", "expires_on", "reviewed_on", "last_in_effect_on", "superseded_on"):
        if name in data:
            changes[name] = data[name]
    if "reviewer" in data:
        changes["reviewer"] = _member(scope, data["reviewer"], "reviewer")
    if "superseded_by_id" in data:
        newer = data["superseded_by_id"]
        changes["superseded_by"] = (
            None if newer is None else _reference(scope, newer, "superseded_by_id")
        )
    links = None
    if {"spec_ids", "risk_ids", "asset_ids"} & set(data):
        current = library.current_links(item)
        links = Links(
            spec_ids=library.spec_ids(data["spec_ids"])
            if data.get("spec_ids") is not None
            else current.spec_ids,
            risks=library.risks(scope.organization, data["risk_ids"])
            if data.get("risk_ids") is not None
            else current.risks,
            assets=library.assets(scope.organization, data["asset_ids"])
            if data.get("asset_ids") is not None
            else current.assets,
        )
    try:
        library.update(item, changes, links)
    except InputProblems as exc:
        renames = {"superseded_by": "superseded_by_id"}
        raise InputProblems(
            [Problem(p.message, field=renames.get(p.field or "", p.field)) for p in exc.problems]
        ) from exc
    return _out(_items(scope).get(pk=item.pk))


def _reference(scope: OrgScope, pk: int, field: str) -> EvidenceItem:
    return reference(EvidenceItem, scope, pk, field)


@router.delete(
    ITEM,
    response={204: None, **WRITE_ERRORS},
    operation_id="delete_evidence",
    summary="Delete an evidence item (inside its retention period: owners, with a reason)",
)
def delete_evidence(request: HttpRequest, org: str, item_id: int, reason: str = "") -> Status[None]:
    scope = org_scope(request, org, Action.DELETE, AREA)
    item = in_org(EvidenceItem, scope, item_id)
    library.delete(
        item,
        user=scope.user,
        may_delete_early=_may_administer(request, scope),
        reason=reason[:2000],
    )
    return Status(204, None)


def _may_administer(request: HttpRequest, scope: OrgScope) -> bool:
    """Deleting early needs ``administer`` for both the member and the token they use."""
    credential = token_credential(request)
    if credential is not None and not allowed(credential.role, Action.ADMINISTER, AREA):
        return False
    return allowed(scope.membership.role, Action.ADMINISTER, AREA)


@router.get(
    "/{org}/evidence-deletions",
    response={200: EvidenceDeletionPage, **SCOPED_ERRORS},
    operation_id="list_evidence_deletions",
    summary="List deleted evidence (what, when, by whom, why)",
)
def list_evidence_deletions(
    request: HttpRequest, org: str, query: Query[EvidenceDeletionQuery]
) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    found = scoped(EvidenceDeletion, scope)
    start, stop = query.offset, query.offset + query.limit
    return {
        "items": [
            {
                "id": d.pk,
                "item_number": d.item_number,
                "item_uid": str(d.item_uid),
                "title": d.title,
                "kind": d.kind,
                "sha256": d.sha256,
                "original_name": d.original_name,
                "size": d.size,
                "spec_ids": list(d.spec_ids),
                "item_created_at": d.item_created_at,
                "retained_until": d.retained_until,
                "early": d.early,
                "reason": d.reason,
                "deleted_by": d.deleted_by_name,
                "deleted_at": d.created_at,
            }
            for d in found[start:stop]
        ],
        "count": found.count(),
        "limit": query.limit,
        "offset": query.offset,
    }
