"""Approving an analysis: an immutable, digested snapshot per version, and what changed since.

An analysis is approved only when it is complete. ``approve_analysis`` refuses, listing each
one, while

- a proposal is undecided (neither accepted nor dismissed),
- an open risk is not rated, or
- an open risk is marked for re-assessment (re-rate it, or confirm its rating),

because a signature on stale or missing ratings would say more than the analysis does.
Acceptances still awaiting approval do not block: the snapshot records them as not approved.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from phiward.core.errors import InputProblems, Problem
from phiward.core.models import display_name
from phiward.risk.models import (
    AnalysisVersion,
    ProposalStatus,
    Risk,
    RiskAnalysis,
    RiskProposal,
    RiskStatus,
)
from phiward.risk.snapshot import build_snapshot, digest
from phiward.risk.validation import require_approver, save
from phiward.risk.versions import SnapshotDiff, diff_snapshots

LISTED = 20  # problems named one by one before "and N more"


def blockers(analysis: RiskAnalysis) -> list[Problem]:
    """Why the analysis cannot be approved yet (empty when it can)."""
    problems = []
    for proposal in RiskProposal.objects.filter(
        analysis=analysis, status=ProposalStatus.PROPOSED
    ).select_related("threat"):
        problems.append(
            Problem(
                f"proposal {proposal.pk} ({proposal.subject_label}: {proposal.threat.name}) is "
                "undecided: accept or dismiss it",
                field="proposals",
            )
        )
    open_risks = Risk.objects.filter(analysis=analysis, status=RiskStatus.OPEN).order_by("number")
    for risk in open_risks.filter(likelihood=None):
        problems.append(Problem(f"{risk.reference} ({risk.title}) is not rated", field="risks"))
    for risk in open_risks.filter(needs_reassessment=True).exclude(likelihood=None):
        problems.append(
            Problem(
                f"{risk.reference} ({risk.title}) is marked for re-assessment: re-rate it or "
                "confirm its rating",
                field="risks",
            )
        )
    return problems


@transaction.atomic
def approve_analysis(analysis: RiskAnalysis, by: User, note: str = "") -> AnalysisVersion:
    """Sign off the analysis as it stands: the next version, with its snapshot and digest.

    The caller checks ``Action.APPROVE`` on ``Area.RISK`` for the request; this checks it again
    for ``by``."""
    require_approver(analysis.organization, by, "approve a risk analysis")
    analysis = RiskAnalysis.objects.select_for_update().get(pk=analysis.pk)
    problems = blockers(analysis)
    if problems:
        shown = problems[:LISTED]
        if len(problems) > LISTED:
            shown.append(Problem(f"and {len(problems) - LISTED} more", field=shown[-1].field))
        raise InputProblems(shown)
    number = analysis.version + 1
    now = timezone.now()
    name = display_name(by)
    snapshot = build_snapshot(
        analysis,
        approval={
            "version": number,
            "approved_by": name,
            "approved_at": now.astimezone(dt.UTC).isoformat(),
            "note": note.strip(),
        },
    )
    version = AnalysisVersion(
        organization=analysis.organization,
        analysis=analysis,
        number=number,
        snapshot=snapshot,
        digest=digest(snapshot),
        approved_at=now,
        approved_by=by,
        approver_name=name,
        note=note.strip(),
    )
    save(version)
    analysis.version = number
    analysis.approved_at = now
    analysis.approved_by = by
    save(analysis)
    return version


def verify_version(version: AnalysisVersion) -> bool:
    """Whether the stored snapshot still matches the digest recorded at approval."""
    return digest(version.snapshot) == version.digest


def diff_versions(before: AnalysisVersion, after: AnalysisVersion) -> SnapshotDiff:
    return diff_snapshots(before.snapshot, after.snapshot)


def diff_since_approval(analysis: RiskAnalysis) -> SnapshotDiff:
    """What changed in the analysis since its last approved version (everything, if none)."""
    latest = AnalysisVersion.objects.filter(analysis=analysis).order_by("-number").first()
    return diff_snapshots(latest.snapshot if latest else None, build_snapshot(analysis))
