"""What the risk API's operations share: the router, the area, people and assets named in
requests, the services' field names as the API calls them, and a risk as it answers."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from ninja import Router
from ninja import Schema as NinjaSchema

from phiward.core.apiscope import MAX_ID, OrgScope, person_ref, renamed_problems, scoped
from phiward.core.errors import InputProblems, NotFound, Problem
from phiward.core.members import member_of
from phiward.core.permissions import Area
from phiward.inventory.models import Asset
from phiward.risk.lookups import open_reasons_prefetch
from phiward.risk.models import Risk, RiskAsset
from phiward.risk.register import KEEP

router = Router(tags=["risk"])
AREA = Area.RISK
# The services' field names as this API calls them.
API_NAMES = {
    "assets": "asset_ids",
    "vendor": "vendor_id",
    "data_flow": "data_flow_id",
    "analysis": "analysis_id",
    "scope_text": "scope",
}


def api_names(extra: Mapping[str, str] | None = None) -> contextlib.AbstractContextManager[None]:
    """Re-raise a service's ``InputProblems`` with the fields named as in the request."""
    return renamed_problems({**API_NAMES, **(extra or {})})


person = person_ref


def member(scope: OrgScope, username: str | None, field: str = "owner") -> User | None:
    """The member a request names by username (None: nobody); others are an input error."""
    if username is None:
        return None
    try:
        return member_of(scope.organization, username).user
    except NotFound as exc:
        raise InputProblems([Problem(str(exc), field=field)]) from exc


def assets_named(scope: OrgScope, ids: Sequence[int]) -> list[Asset]:
    """The organization's assets with these ids, in order; each unknown id is an input error."""
    found = {a.pk: a for a in scoped(Asset, scope).filter(pk__in=set(ids))}
    missing = [pk for pk in dict.fromkeys(ids) if pk not in found]
    if missing:
        raise InputProblems(
            [
                Problem(f"No asset with id {pk} in this organization.", field="asset_ids")
                for pk in missing
            ]
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


def in_range(value: int) -> bool:
    """Whether a number from a path can be a primary key (larger ones overflow the database)."""
    return 1 <= value <= MAX_ID


# --- a risk as the API answers it ---------------------------------------------------------------


def risks_of(scope: OrgScope) -> QuerySet[Risk]:
    """The scope's risks with what ``risk_out`` reads, in a fixed number of queries."""
    return (
        scoped(Risk, scope)
        .select_related("threat", "vulnerability", "owner", "assessed_by")
        .prefetch_related(
            Prefetch(
                "asset_links",
                queryset=RiskAsset.objects.select_related("asset").order_by("asset__name"),
            ),
            open_reasons_prefetch(),
        )
    )


def risk_of(scope: OrgScope, risk_id: int) -> Risk:
    found = risks_of(scope).filter(pk=risk_id).first() if in_range(risk_id) else None
    if found is None:
        raise NotFound("risk not found")
    return found


def risk_out(risk: Risk) -> dict[str, Any]:
    level = risk.level
    return {
        "id": risk.pk,
        "reference": risk.reference,
        "number": risk.number,
        "analysis_id": risk.analysis_id,
        "title": risk.title,
        "description": risk.description,
        "threat": {"key": risk.threat.key, "name": risk.threat.name},
        "vulnerability": {"key": risk.vulnerability.key, "name": risk.vulnerability.name},
        "assets": [
            {"id": link.asset.pk, "name": link.asset.name} for link in risk.asset_links.all()
        ],
        "vendor_id": risk.vendor_id,
        "data_flow_id": risk.data_flow_id,
        "current_controls": risk.current_controls,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "inherent_level": risk.inherent_level or None,
        "residual_likelihood": risk.residual_likelihood,
        "residual_impact": risk.residual_impact,
        "residual_level": risk.residual_level or None,
        "level": level.value if level is not None else None,
        "owner": person(risk.owner),
        "status": risk.status,
        "closed_at": risk.closed_at,
        "close_reason": risk.close_reason,
        "needs_reassessment": risk.needs_reassessment,
        "reassessment_reasons": [
            {"source": r.source, "reason": r.reason, "created_at": r.created_at}
            for r in getattr(risk, "open_reasons", ())
        ],
        "assessed_at": risk.assessed_at,
        "assessed_by": person(risk.assessed_by),
        "proposal_id": risk.proposal_id,
    }


def kept(payload: NinjaSchema, name: str) -> Any:
    """A PATCH field: its value, or KEEP when it was left out or sent as null."""
    value = getattr(payload, name)
    return KEEP if name not in payload.model_fields_set or value is None else value


def nullable(payload: NinjaSchema, name: str) -> Any:
    """A PATCH field null clears: its value (None too), or KEEP when it was left out."""
    return getattr(payload, name) if name in payload.model_fields_set else KEEP
