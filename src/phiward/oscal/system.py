"""An organization's facts for its OSCAL system security plan and assessment results."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from phiward.catalog import catalog
from phiward.catalog.catalog import FrameworkId
from phiward.core.models import Organization
from phiward.inventory.models import Asset, DataFlow, EphiCategory, handles_ephi_q
from phiward.oscal import documents
from phiward.oscal.documents import Implementation, Json, RiskFacts, SystemFacts
from phiward.reports import evidence_index
from phiward.risk.models import Risk, RiskAnalysis
from phiward.risk.scoring import Level, spec
from phiward.safeguards import services as safeguards
from phiward.safeguards.models import SafeguardRisk
from phiward.safeguards.status import Decision
from phiward.safeguards.status import Implementation as Status


def _evidence(organization: Organization) -> dict[str, list[tuple[str, str]]]:
    """Entry id -> (title, fingerprint) of its evidence in effect today."""
    return {
        spec_id: [(f"{e.reference} {e.title}", e.fingerprint) for e in rows if e.current]
        for spec_id, rows in evidence_index.by_spec(organization).items()
    }


def system_facts(organization: Organization, now: dt.datetime | None = None) -> SystemFacts:
    labels = dict(EphiCategory.choices)
    categories: set[str] = set()
    for values in DataFlow.objects.for_org(organization).values_list("ephi_categories", flat=True):
        categories.update(values or [])
    return SystemFacts(
        # Stable for the life of the organization in this install, whatever its slug becomes.
        organization_uid=documents.stable_uuid(
            "organization", organization.pk, organization.created_at.isoformat()
        ),
        organization_name=organization.name,
        organization_slug=organization.slug,
        description=organization.description,
        information_types=[
            (labels.get(code, code), f"ePHI: {labels.get(code, code)}")
            for code in sorted(categories)
        ],
        component_count=Asset.objects.for_org(organization).filter(handles_ephi_q()).count(),
        generated_at=now or timezone.now(),
    )


def implementations(organization: Organization) -> list[Implementation]:
    snapshot = safeguards.snapshot(organization)
    evidence = _evidence(organization)
    out = []
    for row, item in zip(snapshot.rows, snapshot.posture.items, strict=True):
        entry = item.entry
        status = Status(row.status)
        decision = Decision(row.decision) if row.decision else None
        state = status.value
        if decision is Decision.ALTERNATIVE and status is Status.IMPLEMENTED:
            state = "alternative"
        rationale = " ".join(
            part for part in (row.alternative, row.rationale, row.na_reason) if part
        ).strip()
        out.append(
            Implementation(
                entry_key=entry.key,
                citation=entry.citation or entry.id,
                title=entry.title,
                status=state,
                statement=row.description,
                requirement=entry.requirement.value if entry.requirement else "",
                decision=decision.value if decision else "",
                rationale=rationale,
                owner=item.facts.owner,
                gap=item.shown.is_gap,
                gap_reason=f"Shown as: {item.shown.label}." if item.shown.is_gap else "",
                evidence=tuple(evidence.get(entry.id, ())),
            )
        )
    return out


def _level_label(value: str) -> str:
    return Level(value).label if value else ""


def risk_facts(organization: Organization) -> list[RiskFacts]:
    framework = catalog.load(FrameworkId.HIPAA_SECURITY)
    keys: dict[int, set[str]] = defaultdict(set)
    for risk_id, spec_id in SafeguardRisk.objects.for_org(organization).values_list(
        "risk_id", "safeguard__spec_id"
    ):
        entry = framework.get(spec_id)
        if entry is not None:
            keys[risk_id].add(entry.key)
    risks = (
        Risk.objects.for_org(organization).select_related("analysis").prefetch_related("treatments")
    )
    out = []
    for risk in risks.order_by("number"):
        method = spec(risk.analysis.method)
        for treatment in risk.treatments.all():
            for spec_id in treatment.spec_ids:
                entry = framework.get(spec_id)
                if entry is not None:
                    keys[risk.pk].add(entry.key)
        likelihood = risk.residual_likelihood or risk.likelihood
        impact = risk.residual_impact or risk.impact
        out.append(
            RiskFacts(
                reference=risk.reference,
                title=risk.title,
                description=risk.description,
                status=risk.status,
                likelihood=method.likelihood_name(likelihood) if likelihood else "",
                impact=method.impact_name(impact) if impact else "",
                level=_level_label(risk.residual_level or risk.inherent_level),
                entry_keys=sorted(keys[risk.pk]),
            )
        )
    return out


def export_ssp(organization: Organization) -> Json:
    from phiward.oscal.service import catalog_file_name

    return documents.ssp(
        system_facts(organization),
        implementations(organization),
        profile_href=catalog_file_name(FrameworkId.HIPAA_SECURITY).replace("catalog", "profile"),
    )


def export_assessment_results(organization: Organization) -> Json:
    facts = system_facts(organization)
    latest = RiskAnalysis.objects.for_org(organization).order_by("-started_on", "-pk").first()
    started = (
        dt.datetime.combine(latest.started_on, dt.time(), tzinfo=dt.UTC)
        if latest is not None
        else facts.generated_at
    )
    return documents.assessment_results(
        facts,
        implementations(organization),
        risk_facts(organization),
        assessment_plan_href="#assessment-plan",
        started=started,
    )
