"""One of each risk record in an organization, built directly (no shipped catalog copy), for the
page, API and access-matrix tests: a threat and a vulnerability, an analysis with an approved
version, an undecided proposal, a rated open risk, an acceptance awaiting approval and a task."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Model
from django.utils import timezone

from phiward.core.models import Organization
from phiward.risk.models import (
    AnalysisVersion,
    Risk,
    RiskAnalysis,
    RiskProposal,
    Strategy,
    Threat,
    Treatment,
    TreatmentTask,
    Vulnerability,
)
from phiward.risk.snapshot import build_snapshot, digest

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Register:
    threat: Threat
    vulnerability: Vulnerability
    analysis: RiskAnalysis
    version: AnalysisVersion
    proposal: RiskProposal
    risk: Risk
    treatment: Treatment
    task: TreatmentTask


def _saved(record: M) -> M:
    record.full_clean()
    record.save()
    return record


def build_register(org: Organization) -> Register:
    threat = _saved(
        Threat(
            organization=org,
            key="ransomware",
            name="Ransomware",
            source="adversarial",
            affects=["availability"],
        )
    )
    vulnerability = _saved(Vulnerability(organization=org, key="no-mfa", name="No MFA"))
    analysis = _saved(RiskAnalysis(organization=org, title="2026 risk analysis"))
    snapshot = build_snapshot(analysis)
    version = AnalysisVersion(
        organization=org,
        analysis=analysis,
        number=1,
        snapshot=snapshot,
        digest=digest(snapshot),
        approver_name="Sample approver",
    )
    version.save()
    RiskAnalysis.objects.filter(pk=analysis.pk).update(version=1, approved_at=timezone.now())
    analysis.refresh_from_db()
    proposal = _saved(
        RiskProposal(
            organization=org,
            analysis=analysis,
            rule="vendor_without_baa",
            subject_key="vendor:sample",
            subject_label="Billing Co",
            threat=threat,
            vulnerability=vulnerability,
            reason="Billing Co handles ePHI with no BAA.",
            fingerprint="sample",
            suggested_likelihood=2,
            suggested_impact=3,
        )
    )
    risk = _saved(
        Risk(
            organization=org,
            analysis=analysis,
            number=1,
            title="Ransomware on the EHR",
            threat=threat,
            vulnerability=vulnerability,
            likelihood=2,
            impact=2,
            inherent_level="medium",
        )
    )
    treatment = _saved(
        Treatment(
            organization=org,
            risk=risk,
            strategy=Strategy.ACCEPT,
            description="Accept until the EHR migration",
            justification="The EHR is replaced next year.",
            expires_on=timezone.localdate() + dt.timedelta(days=300),
        )
    )
    task = _saved(TreatmentTask(organization=org, treatment=treatment, title="Review the plan"))
    return Register(threat, vulnerability, analysis, version, proposal, risk, treatment, task)
