"""The risk register: numbering, rating, adding, closing and re-opening risks.

Every function validates through the models (``full_clean``), writes through ``save()`` (so
every change is in the audit log, in the same transaction) and raises ``InputProblems`` naming
the field on bad input.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Literal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from phiward.core.errors import InputProblems, InvalidInput, Problem
from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, Vendor
from phiward.risk.changes import flag_risks, resolve_reasons
from phiward.risk.facts import criticality_rank
from phiward.risk.models import (
    OPEN_TREATMENT,
    ReassessmentSource,
    Risk,
    RiskAnalysis,
    RiskAsset,
    RiskStatus,
    Threat,
    Treatment,
    Vulnerability,
)
from phiward.risk.planning import PlanItem, prioritize
from phiward.risk.scoring import Level, check_rating, level
from phiward.risk.validation import check_member, require_text, save


class Keep(Enum):
    KEEP = "keep"


KEEP: Literal[Keep.KEEP] = Keep.KEEP  # "leave this field as it is"


def next_number(organization: Organization) -> int:
    """The next R-number of the organization. Call inside the transaction that saves the risk:
    the organization's row is locked (PostgreSQL), and SQLite's write transactions are serial,
    so two writers never take the same number; the unique constraint is the backstop."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    last = Risk.objects.for_org(organization).aggregate(last=Max("number"))["last"]
    return int(last or 0) + 1


def threat_for(organization: Organization, value: Threat | str) -> Threat:
    if isinstance(value, Threat):
        if value.organization_id != organization.pk:
            raise InputProblems(
                [Problem("the threat belongs to another organization", field="threat")]
            )
        return value
    found = Threat.objects.for_org(organization).filter(key=value).first()
    if found is None:
        raise InputProblems([Problem(f"no threat '{value}' in the catalog", field="threat")])
    return found


def vulnerability_for(organization: Organization, value: Vulnerability | str) -> Vulnerability:
    if isinstance(value, Vulnerability):
        if value.organization_id != organization.pk:
            raise InputProblems(
                [
                    Problem(
                        "the vulnerability belongs to another organization", field="vulnerability"
                    )
                ]
            )
        return value
    found = Vulnerability.objects.for_org(organization).filter(key=value).first()
    if found is None:
        raise InputProblems(
            [Problem(f"no vulnerability '{value}' in the catalog", field="vulnerability")]
        )
    return found


def rating_problems(
    risk: Risk,
    likelihood: int | None,
    impact: int | None,
    residual_likelihood: int | None,
    residual_impact: int | None,
) -> list[Problem]:
    """What is wrong with a rating on the risk's analysis method (field names as the caller's)."""
    method = risk.analysis.method
    problems: list[Problem] = []
    if (likelihood is None) != (impact is None):
        problems.append(
            Problem(
                "rate both likelihood and impact, or neither",
                field="impact" if impact is None else "likelihood",
            )
        )
    elif likelihood is not None and impact is not None:
        problems += check_rating(method, likelihood, impact)
    if (residual_likelihood is None) != (residual_impact is None):
        missing = "residual_impact" if residual_impact is None else "residual_likelihood"
        problems.append(
            Problem("rate both residual likelihood and impact, or neither", field=missing)
        )
    elif residual_likelihood is not None and residual_impact is not None:
        if likelihood is None:
            problems.append(
                Problem(
                    "rate the inherent risk before the residual risk", field="residual_likelihood"
                )
            )
        for problem in check_rating(method, residual_likelihood, residual_impact):
            problems.append(Problem(problem.message, field=f"residual_{problem.field}"))
        if not problems and likelihood is not None and impact is not None:
            if residual_likelihood > likelihood:
                problems.append(
                    Problem("the residual likelihood cannot exceed the inherent likelihood",
                            field="residual_likelihood")
                )  # fmt: skip
            if residual_impact > impact:
                problems.append(
                    Problem("the residual impact cannot exceed the inherent impact",
                            field="residual_impact")
                )  # fmt: skip
    return problems


def _apply_rating(
    risk: Risk,
    by: User | None,
    likelihood: int | None,
    impact: int | None,
    residual_likelihood: int | None,
    residual_impact: int | None,
) -> None:
    problems = rating_problems(risk, likelihood, impact, residual_likelihood, residual_impact)
    if problems:
        raise InputProblems(problems)
    method = risk.analysis.method
    risk.likelihood, risk.impact = likelihood, impact
    risk.inherent_level = (
        level(method, likelihood, impact) if likelihood is not None and impact is not None else ""
    )
    risk.residual_likelihood, risk.residual_impact = residual_likelihood, residual_impact
    risk.residual_level = (
        level(method, residual_likelihood, residual_impact)
        if residual_likelihood is not None and residual_impact is not None
        else ""
    )
    if likelihood is not None:
        risk.assessed_at = timezone.now()
        risk.assessed_by = by


def link_assets(risk: Risk, assets: Iterable[Asset]) -> list[Asset]:
    """Link assets not yet linked; returns those linked now."""
    have = set(RiskAsset.objects.filter(risk=risk).values_list("asset_id", flat=True))
    added = []
    for asset in assets:
        if asset.pk in have:
            continue
        link = RiskAsset(organization=risk.organization, risk=risk, asset=asset)
        save(link)
        have.add(asset.pk)
        added.append(asset)
    return added


@transaction.atomic
def add_risk(
    analysis: RiskAnalysis,
    by: User | None,
    *,
    title: str,
    threat: Threat | str,
    vulnerability: Vulnerability | str,
    description: str = "",
    assets: Sequence[Asset] = (),
    vendor: Vendor | None = None,
    data_flow: DataFlow | None = None,
    current_controls: str = "",
    likelihood: int | None = None,
    impact: int | None = None,
    residual_likelihood: int | None = None,
    residual_impact: int | None = None,
    owner: User | None = None,
) -> Risk:
    """A risk the people doing the analysis add themselves (not from a proposal)."""
    org = analysis.organization
    problems = check_member(org, owner, "owner")
    for asset in assets:
        if asset.organization_id != org.pk:
            problems.append(Problem("an asset belongs to another organization", field="assets"))
            break
    if problems:
        raise InputProblems(problems)
    risk = Risk(
        organization=org,
        analysis=analysis,
        title=title,
        description=description.strip(),
        threat=threat_for(org, threat),
        vulnerability=vulnerability_for(org, vulnerability),
        vendor=vendor,
        data_flow=data_flow,
        current_controls=current_controls.strip(),
        owner=owner,
    )
    _apply_rating(risk, by, likelihood, impact, residual_likelihood, residual_impact)
    risk.number = next_number(org)
    save(risk)
    link_assets(risk, assets)
    return risk


@transaction.atomic
def rate_risk(
    risk: Risk,
    by: User | None,
    *,
    likelihood: int,
    impact: int,
    residual_likelihood: int | None = None,
    residual_impact: int | None = None,
    current_controls: str | Literal[Keep.KEEP] = KEEP,
    owner: User | Literal[Keep.KEEP] | None = KEEP,
) -> Risk:
    """Rate (or re-rate) a risk: the levels follow from the analysis's method. A rating
    resolves the risk's open re-assessment reasons."""
    if risk.status != RiskStatus.OPEN:
        raise InvalidInput(f"{risk.reference} is closed; re-open it before rating it")
    if owner is not KEEP:
        problems = check_member(risk.organization, owner, "owner")
        if problems:
            raise InputProblems(problems)
        risk.owner = owner
    if current_controls is not KEEP:
        risk.current_controls = current_controls.strip()
    _apply_rating(risk, by, likelihood, impact, residual_likelihood, residual_impact)
    risk.needs_reassessment = False
    save(risk)
    resolve_reasons(risk, by)
    return risk


@transaction.atomic
def confirm_risk(risk: Risk, by: User | None, note: str = "") -> Risk:
    """Someone looked at a flagged risk and its rating stands: resolve the open reasons."""
    if risk.likelihood is None:
        raise InputProblems(
            [Problem("rate the risk instead: it has no rating yet", field="likelihood")]
        )
    if note.strip():
        flag_risks(risk.organization, ReassessmentSource.MANUAL, f"Confirmed: {note}", risks=[risk])
    risk.refresh_from_db()
    risk.needs_reassessment = False
    risk.assessed_at = timezone.now()
    risk.assessed_by = by
    save(risk)
    resolve_reasons(risk, by)
    return risk


@transaction.atomic
def update_risk(
    risk: Risk,
    by: User | None,
    *,
    title: str | Literal[Keep.KEEP] = KEEP,
    description: str | Literal[Keep.KEEP] = KEEP,
    current_controls: str | Literal[Keep.KEEP] = KEEP,
    owner: User | Literal[Keep.KEEP] | None = KEEP,
    assets: Sequence[Asset] | Literal[Keep.KEEP] = KEEP,
) -> Risk:
    """Change a risk's words, owner or linked assets (ratings go through ``rate_risk``)."""
    if owner is not KEEP:
        problems = check_member(risk.organization, owner, "owner")
        if problems:
            raise InputProblems(problems)
        risk.owner = owner
    if title is not KEEP:
        risk.title = title
    if description is not KEEP:
        risk.description = description.strip()
    if current_controls is not KEEP:
        risk.current_controls = current_controls.strip()
    save(risk)
    if assets is not KEEP:
        wanted = {a.pk for a in assets}
        if any(a.organization_id != risk.organization_id for a in assets):
            raise InputProblems(
                [Problem("an asset belongs to another organization", field="assets")]
            )
        for link in RiskAsset.objects.filter(risk=risk).exclude(asset_id__in=wanted):
            link.delete()
        link_assets(risk, assets)
    return risk


@transaction.atomic
def close_risk(risk: Risk, by: User | None, reason: str) -> Risk:
    """Close a risk (it no longer exists, or was avoided), with the reason."""
    text = require_text(reason, "reason", "say why the risk is closed")
    if risk.status == RiskStatus.CLOSED:
        raise InvalidInput(f"{risk.reference} is already closed")
    risk.status = RiskStatus.CLOSED
    risk.closed_at = timezone.now()
    risk.close_reason = text
    risk.needs_reassessment = False
    save(risk)
    resolve_reasons(risk, by)
    return risk


@transaction.atomic
def reopen_risk(risk: Risk, by: User | None, reason: str) -> Risk:
    """Re-open a closed risk; it needs re-assessment, with the reason."""
    text = require_text(reason, "reason", "say why the risk is re-opened")
    if risk.status == RiskStatus.OPEN:
        raise InvalidInput(f"{risk.reference} is open already")
    risk.status = RiskStatus.OPEN
    risk.closed_at = None
    risk.close_reason = ""
    save(risk)
    flag_risks(risk.organization, ReassessmentSource.MANUAL, f"Re-opened: {text}", risks=[risk])
    risk.refresh_from_db()
    return risk


# --- the remediation plan -----------------------------------------------------------------------


def remediation_plan(organization: Organization, today: dt.date | None = None) -> list[PlanItem]:
    """Open risks in the order to treat them (see ``phiward.risk.planning``). The assets a risk
    concerns are its linked assets, its data flow's endpoint assets and its vendor's ePHI
    assets. Five queries, whatever the size of the register."""
    today = today or timezone.localdate()
    risks = list(
        Risk.objects.for_org(organization)
        .filter(status=RiskStatus.OPEN)
        .values(
            "id",
            "number",
            "title",
            "inherent_level",
            "residual_level",
            "data_flow_id",
            "vendor_id",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
        )
    )
    ids = [r["id"] for r in risks]
    concerns: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
    for link in RiskAsset.objects.filter(risk_id__in=ids).values(
        "risk_id", "asset__record_count", "asset__criticality"
    ):
        concerns[link["risk_id"]].append((link["asset__record_count"], link["asset__criticality"]))
    flow_ids = {r["data_flow_id"] for r in risks if r["data_flow_id"]}
    flow_assets: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
    for flow in DataFlow.objects.filter(pk__in=flow_ids).values(
        "id",
        "source_asset__record_count",
        "source_asset__criticality",
        "destination_asset__record_count",
        "destination_asset__criticality",
    ):
        ends = (
            (flow["source_asset__record_count"], flow["source_asset__criticality"]),
            (flow["destination_asset__record_count"], flow["destination_asset__criticality"]),
        )
        flow_assets[flow["id"]] += [(count, c) for count, c in ends if c is not None]
    vendor_ids = {r["vendor_id"] for r in risks if r["vendor_id"]}
    vendor_assets: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
    for asset in (
        Asset.objects.for_org(organization)
        .handling_ephi()
        .filter(vendor_id__in=vendor_ids)
        .values("vendor_id", "record_count", "criticality")
    ):
        vendor_assets[asset["vendor_id"]].append((asset["record_count"], asset["criticality"]))
    open_count: dict[int, int] = defaultdict(int)
    overdue: dict[int, int] = defaultdict(int)
    for treatment in Treatment.objects.filter(risk_id__in=ids, status__in=OPEN_TREATMENT).values(
        "risk_id", "due_on"
    ):
        open_count[treatment["risk_id"]] += 1
        if treatment["due_on"] is not None and treatment["due_on"] < today:
            overdue[treatment["risk_id"]] += 1

    items = []
    for r in risks:
        touched = [
            *concerns.get(r["id"], ()),
            *flow_assets.get(r["data_flow_id"], ()),
            *vendor_assets.get(r["vendor_id"], ()),
        ]
        counts = [count for count, _ in touched if count is not None]
        chosen = r["residual_level"] or r["inherent_level"]
        full = " ".join(p for p in (r["owner__first_name"], r["owner__last_name"]) if p)
        items.append(
            PlanItem(
                risk_id=r["id"],
                number=r["number"],
                title=r["title"],
                level=Level(chosen) if chosen else None,
                residual=bool(r["residual_level"]),
                record_count=max(counts) if counts else None,
                criticality=max((c for _, c in touched), key=criticality_rank, default=None),
                owner=full or (r["owner__username"] or ""),
                open_treatments=open_count[r["id"]],
                overdue_treatments=overdue[r["id"]],
            )
        )
    return prioritize(items)
