"""``/api/organizations/{org}/safeguards``: statuses, their changes, approvals and the posture.

A safeguard is named by its Security Rule entry, as an id (``164.312(a)(2)(iv)``) or a key
(``164.312-a-2-iv``). Reading never writes: an entry nobody has recorded anything for answers
as "not implemented" with ``assessed: false``. Every write goes through
``phiward.safeguards.services`` (the model's rules; errors are 422 problems naming the fields).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from phiward.catalog import catalog
from phiward.catalog.catalog import EntryKind, Family, FrameworkId, Requirement
from phiward.core.apiscope import SCOPED_ERRORS, WRITE_ERRORS, OrgScope, org_scope, scoped
from phiward.core.errors import InputProblems, NotFound, Problem
from phiward.core.members import member_of
from phiward.core.models import display_name
from phiward.core.permissions import Action, Area
from phiward.risk.models import Risk
from phiward.safeguards import services
from phiward.safeguards.models import SafeguardStatus
from phiward.safeguards.nprm import lens, lens_json
from phiward.safeguards.posture import Item, posture_json, risk_json
from phiward.safeguards.status import Decision, Implementation, Shown

router = Router(tags=["safeguards"])
AREA = Area.SAFEGUARDS


class PersonOut(Schema):
    username: str
    name: str


class PolicyIn(Schema):
    title: str = Field(max_length=500)
    url: str = Field("", max_length=500, description="An http(s) address; or give a reference")
    reference: str = Field("", max_length=500, description="A document reference, e.g. SOP-12")


class PolicyOut(Schema):
    title: str
    url: str
    reference: str


class RiskRefOut(Schema):
    id: int
    reference: str
    title: str
    level: str | None
    open: bool


class EvidenceOut(Schema):
    current: int = Field(description="Current (unexpired) evidence items")
    expired: int


class NotApplicableOut(Schema):
    """A required entry marked "not applicable": its reason and approval."""

    reason: str
    requested_by: PersonOut | None
    requested_at: dt.datetime | None
    approved_by: PersonOut | None
    approved_at: dt.datetime | None
    pending: bool


class SafeguardOut(Schema):
    spec_id: str
    key: str
    title: str
    kind: EntryKind
    family: Family
    requirement: Requirement
    parent: str | None
    status: Implementation
    status_label: str
    shown: Shown = Field(description="The status as the posture counts it (evidence, approval)")
    shown_label: str
    assessed: bool = Field(description="False until something was recorded for the entry")
    owner: PersonOut | None
    description: str
    policies: list[PolicyOut]
    decision: Decision | None
    alternative: str
    rationale: str
    not_applicable: NotApplicableOut | None
    last_reviewed_on: dt.date | None
    last_reviewed_by: PersonOut | None
    risks: list[RiskRefOut]
    evidence: EvidenceOut


class SafeguardFilters(Schema):
    status: Implementation | None = Field(None, description="The recorded status")
    shown: Shown | None = Field(None, description="The status as shown (with evidence, approval)")
    family: Family | None = None
    requirement: Requirement | None = None


class SafeguardPatch(Schema):
    """The fields to change; fields left out stay as they are. Saving counts as a review."""

    status: Implementation | None = None
    owner: str | None = Field(None, description="A member's username; null for no owner")
    description: str | None = None
    policies: list[PolicyIn] | None = Field(None, max_length=50)
    decision: Decision | None = Field(None, description="Addressable specifications only")
    alternative: str | None = None
    rationale: str | None = None
    na_reason: str | None = Field(
        None, description='Why a required entry is "not applicable" (then it awaits approval)'
    )
    risk_ids: list[int] | None = Field(
        None, max_length=500, description="Exactly these risks of the register are linked"
    )


class RejectIn(Schema):
    note: str = Field(max_length=2000, description="Why the request is rejected")


class TallyOut(Schema):
    total: int
    applicable: int = Field(description='Entries not approved as "not applicable"')
    unassessed: int
    score: float | None = Field(description="0 to 1: implemented 1, partial 0.5, others 0")
    counts: dict[str, int] = Field(description="Entries per implementation status counted")
    shown: dict[str, int] = Field(description="Entries per shown status")


class BreakdownOut(TallyOut):
    required: TallyOut
    addressable: TallyOut


class FamilyOut(BreakdownOut):
    family: Family
    label: str


class GapOut(Schema):
    spec_id: str
    key: str
    title: str
    family: Family | None
    requirement: Requirement
    status: Implementation
    shown: Shown
    shown_label: str
    owner: str | None
    risks: list[RiskRefOut]


class FactOut(Schema):
    label: str
    value: str


class RelatedOut(Schema):
    spec_id: str
    title: str
    requirement: Requirement
    shown: Shown
    shown_label: str


class BecomesRequiredOut(RelatedOut):
    decision: Decision | None
    reason: str


class NprmProposalOut(Schema):
    id: str
    title: str
    summary: str
    facts: list[FactOut]
    from_secondary_summaries: bool
    verdict: str
    related: list[RelatedOut]


class LensOut(Schema):
    """The 2025 proposed rule (not final) applied to this organization's statuses."""

    framework: str
    status: str
    title: str
    as_of: str
    addressable_as_specified: int
    becomes_required: list[BecomesRequiredOut]
    proposals: list[NprmProposalOut]


class PostureOut(Schema):
    overall: BreakdownOut
    families: list[FamilyOut]
    gaps: list[GapOut]
    nprm: LensOut | None = Field(description="With ?nprm=true: the 2025 proposed rule lens")


def _person(user: User | None) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": display_name(user)}


def _entry_or_404(spec: str) -> str:
    return services.entry_for(spec).id


def _out(row: SafeguardStatus, item: Item, evidence: tuple[int, int]) -> dict[str, object]:
    entry = item.entry
    na = None
    if row.status == Implementation.NOT_APPLICABLE and item.requirement is Requirement.REQUIRED:
        na = {
            "reason": row.na_reason,
            "requested_by": _person(row.na_requested_by),
            "requested_at": row.na_requested_at,
            "approved_by": _person(row.na_approved_by),
            "approved_at": row.na_approved_at,
            "pending": row.na_pending,
        }
    return {
        "spec_id": entry.id,
        "key": entry.key,
        "title": entry.title,
        "kind": entry.kind,
        "family": entry.family,
        "requirement": item.requirement,
        "parent": entry.parent,
        "status": row.status,
        "status_label": row.implementation.label,
        "shown": item.shown,
        "shown_label": item.shown.label,
        "assessed": row.is_recorded,
        "owner": _person(row.owner),
        "description": row.description,
        "policies": [
            {
                "title": p.get("title", ""),
                "url": p.get("url", ""),
                "reference": p.get("reference", ""),
            }
            for p in row.policies
        ],
        "decision": row.decision or None,
        "alternative": row.alternative,
        "rationale": row.rationale,
        "not_applicable": na,
        "last_reviewed_on": row.last_reviewed_on,
        "last_reviewed_by": _person(row.last_reviewed_by),
        "risks": [risk_json(risk) for risk in item.facts.risks],
        "evidence": {"current": evidence[0], "expired": evidence[1]},
    }


def _listing(scope: OrgScope) -> list[dict[str, object]]:
    organization = scope.organization
    snap = services.snapshot(organization)
    return [
        _out(row, item, snap.evidence.get(row.spec_id, (0, 0)))
        for row, item in zip(snap.rows, snap.posture.items, strict=True)
    ]


def _one(scope: OrgScope, spec_id: str) -> dict[str, object]:
    return next(out for out in _listing(scope) if out["spec_id"] == spec_id)


@router.get(
    "/{org}/safeguards/posture",
    response={200: PostureOut, **SCOPED_ERRORS},
    operation_id="get_safeguard_posture",
    summary="The safeguard posture: per family and overall, the gaps, the 2025 proposal lens",
)
def get_posture(request: HttpRequest, org: str, nprm: bool = False) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    current = services.posture_for(scope.organization)
    view = lens(catalog.load(FrameworkId.NPRM_2025), current) if nprm else None
    return {**posture_json(current), "nprm": lens_json(view) if view else None}


@router.get(
    "/{org}/safeguards",
    response={200: list[SafeguardOut], **SCOPED_ERRORS},
    operation_id="list_safeguards",
    summary="Every Security Rule standard and specification with this organization's status",
)
def list_safeguards(
    request: HttpRequest, org: str, filters: Query[SafeguardFilters]
) -> list[dict[str, object]]:
    scope = org_scope(request, org, Action.READ, AREA)
    wanted = {
        "status": filters.status,
        "shown": filters.shown,
        "family": filters.family,
        "requirement": filters.requirement,
    }
    return [
        out
        for out in _listing(scope)
        if all(value is None or out[name] == value for name, value in wanted.items())
    ]


@router.get(
    "/{org}/safeguards/{spec}",
    response={200: SafeguardOut, **SCOPED_ERRORS},
    operation_id="get_safeguard",
    summary="One standard or specification (by id or key) with its status",
)
def get_safeguard(request: HttpRequest, org: str, spec: str) -> dict[str, object]:
    scope = org_scope(request, org, Action.READ, AREA)
    return _one(scope, _entry_or_404(spec))


def _owner(scope: OrgScope, username: str | None) -> User | None:
    if username is None:
        return None
    try:
        return member_of(scope.organization, username).user
    except NotFound as exc:
        raise InputProblems([Problem(str(exc), field="owner")]) from exc


def _risks(scope: OrgScope, ids: list[int]) -> list[Risk]:
    found = {risk.pk: risk for risk in scoped(Risk, scope).filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise InputProblems(
            [
                Problem(f"No risk with id {pk} in this organization.", field="risk_ids")
                for pk in missing
            ]
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


@router.patch(
    "/{org}/safeguards/{spec}",
    response={200: SafeguardOut, **WRITE_ERRORS},
    operation_id="update_safeguard",
    summary="Change a status, decision, owner, policies or linked risks",
)
def update_safeguard(
    request: HttpRequest, org: str, spec: str, payload: SafeguardPatch
) -> dict[str, object]:
    scope = org_scope(request, org, Action.CHANGE, AREA)
    spec_id = _entry_or_404(spec)
    data = payload.model_dump(exclude_unset=True)
    risk_ids = data.pop("risk_ids", None)
    if "owner" in data:
        data["owner"] = _owner(scope, data["owner"])
    if data.get("policies") is not None:
        data["policies"] = [dict(p) for p in data["policies"]]
    risks = _risks(scope, risk_ids) if risk_ids is not None else None
    if data:
        services.update(scope.organization, spec_id, data, by=scope.user)
    if risks is not None:
        services.set_risks(scope.organization, spec_id, risks)
    return _one(scope, spec_id)


@router.post(
    "/{org}/safeguards/{spec}/approve",
    response={200: SafeguardOut, **WRITE_ERRORS},
    operation_id="approve_safeguard_not_applicable",
    summary='Approve a required entry\'s pending "not applicable" (not your own, unless owner)',
)
def approve_not_applicable(request: HttpRequest, org: str, spec: str) -> dict[str, object]:
    scope = org_scope(request, org, Action.APPROVE, AREA)
    spec_id = _entry_or_404(spec)
    services.approve_not_applicable(scope.organization, spec_id, by=scope.user)
    return _one(scope, spec_id)


@router.post(
    "/{org}/safeguards/{spec}/reject",
    response={200: SafeguardOut, **WRITE_ERRORS},
    operation_id="reject_safeguard_not_applicable",
    summary='Reject a pending "not applicable"; the earlier status comes back',
)
def reject_not_applicable(
    request: HttpRequest, org: str, spec: str, payload: RejectIn
) -> dict[str, object]:
    scope = org_scope(request, org, Action.APPROVE, AREA)
    spec_id = _entry_or_404(spec)
    services.reject_not_applicable(scope.organization, spec_id, by=scope.user, note=payload.note)
    return _one(scope, spec_id)
