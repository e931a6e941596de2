"""Approving an analysis: what blocks it, the immutable versions, their digests and diffs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from phiward.core.errors import InputProblems, PermissionDenied
from phiward.core.permissions import Role
from phiward.risk.analysis import (
    accept_proposal,
    dismiss_proposal,
    record_answer,
    sync_proposals,
)
from phiward.risk.approval import (
    approve_analysis,
    blockers,
    diff_since_approval,
    diff_versions,
    verify_version,
)
from phiward.risk.changes import flag_risks
from phiward.risk.models import AnalysisVersion, ProposalStatus, RiskAnalysis, RiskProposal
from phiward.risk.register import confirm_risk, rate_risk
from phiward.risk.snapshot import canonical, digest
from phiward.risk.treatments import add_treatment
from tests.risk.conftest import Clinic


def decide_everything(analysis: RiskAnalysis, officer: User) -> None:
    """Accept every proposal but the vendor one (dismissed), and rate each risk."""
    sync_proposals(analysis)
    for proposal in RiskProposal.objects.filter(analysis=analysis, status=ProposalStatus.PROPOSED):
        if proposal.rule == "vendor_without_baa":
            dismiss_proposal(proposal, officer, "Agency receives paper statements only")
        else:
            risk = accept_proposal(proposal, officer)
            rate_risk(risk, officer, likelihood=2, impact=3)


def test_blockers_list_undecided_proposals_and_unrated_risks(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    sync_proposals(analysis)
    laptops = RiskProposal.objects.get(analysis=analysis, rule="portable_device_unencrypted")
    accept_proposal(laptops, officer)
    with pytest.raises(InputProblems) as caught:
        approve_analysis(analysis, officer)
    messages = [str(p) for p in caught.value.problems]
    assert sum(m.startswith("field 'proposals': proposal ") for m in messages) == 5
    assert "field 'risks': R-001 (Lost or stolen device or media: Laptops" in messages[-1]
    assert messages[-1].endswith("is not rated")
    assert not AnalysisVersion.objects.exists()
    analysis.refresh_from_db()
    assert analysis.version == 0


def test_a_flagged_risk_blocks_until_re_rated_or_confirmed(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    decide_everything(analysis, officer)
    assert blockers(analysis) == []
    clinic.lt01.encryption_at_rest = "full_disk"
    clinic.lt01.save()  # the laptop risk is flagged
    (problem,) = blockers(analysis)
    assert "marked for re-assessment" in problem.message
    risk = analysis.risks.get(needs_reassessment=True)
    confirm_risk(risk, officer, note="LT02 still unencrypted")
    assert blockers(analysis) == []


def test_only_an_approver_signs_off(
    clinic: Clinic, analysis: RiskAnalysis, officer: User, make_member: Callable[..., User]
) -> None:
    decide_everything(analysis, officer)
    auditor = make_member(clinic.org, Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        approve_analysis(analysis, auditor)


def test_approval_makes_an_immutable_digested_version(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    record_answer(analysis, officer, "SQ_164.312(d).3.01", "yes")
    decide_everything(analysis, officer)
    risk = analysis.risks.order_by("number").first()
    assert risk is not None
    add_treatment(
        risk,
        officer,
        strategy="mitigate",
        description="Encrypt",
        owner=officer,
        due_on=dt.date(2030, 1, 1),
        spec_ids=["164.312(a)(2)(iv)"],
    )
    version = approve_analysis(analysis, officer, note="Reviewed with the practice owner")
    analysis.refresh_from_db()
    assert (version.number, analysis.version, analysis.approved_by) == (1, 1, officer)
    assert version.digest == digest(version.snapshot) and verify_version(version)
    snapshot = version.snapshot
    assert snapshot["approval"]["approved_by"] == officer.get_username()
    assert snapshot["approval"]["note"] == "Reviewed with the practice owner"
    assert snapshot["analysis"]["method"]["key"] == "three_level"
    assert snapshot["analysis"]["method"]["likelihood"][2]["name"] == "High"
    assert snapshot["answers"] == [
        {"question_id": "SQ_164.312(d).3.01", "answer": "yes", "note": ""}
    ]
    assert [r["reference"] for r in snapshot["risks"]] == [
        "R-001",
        "R-002",
        "R-003",
        "R-004",
        "R-005",
    ]
    assert snapshot["controls"] == [{"spec_id": "164.312(a)(2)(iv)", "risks": [risk.reference]}]
    (dismissed,) = snapshot["dismissed_proposals"]
    assert dismissed["dismiss_reason"] == "Agency receives paper statements only"
    assert canonical(snapshot) == canonical(AnalysisVersion.objects.get().snapshot)

    version.note = "changed"
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()
    # Tampering with the stored snapshot (behind the model's back) is detected.
    AnalysisVersion.objects.filter(pk=version.pk).update(
        snapshot={**snapshot, "risks": snapshot["risks"][1:]}
    )
    assert not verify_version(AnalysisVersion.objects.get(pk=version.pk))


def test_diffs_between_versions_and_since_approval(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    decide_everything(analysis, officer)
    first = approve_analysis(analysis, officer)
    assert diff_since_approval(analysis).is_empty
    risk = analysis.risks.get(number=1)
    rate_risk(risk, officer, likelihood=3, impact=3)
    record_answer(analysis, officer, "SQ_164.312(d).3.01", "no")
    changed = diff_since_approval(analysis)
    (change,) = changed.changed
    assert change.reference == "R-001"
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("likelihood", 2, 3),
        ("inherent_level", "high", "critical"),
    ]
    assert [(a.field, a.before, a.after) for a in changed.answers] == [
        ("SQ_164.312(d).3.01", None, "no")
    ]
    sync_proposals(analysis)  # the "no" proposes an organization-wide MFA gap
    mfa = RiskProposal.objects.get(analysis=analysis, status=ProposalStatus.PROPOSED)
    new_risk = accept_proposal(mfa, officer, likelihood=3, impact=3)
    second = approve_analysis(analysis, officer)
    assert second.number == 2
    diff = diff_versions(first, second)
    assert [a.reference for a in diff.added] == [new_risk.reference]
    assert diff.added[0].level == "critical"
    assert diff.removed == ()
    assert [c.reference for c in diff.changed] == ["R-001"]
    back = diff_versions(second, first)
    assert [r.reference for r in back.removed] == [new_risk.reference]


def test_nothing_approved_yet_means_everything_is_new(
    analysis: RiskAnalysis, officer: User, clinic: Clinic
) -> None:
    decide_everything(analysis, officer)
    flag_risks(clinic.org, "manual", "spot check", risks=list(analysis.risks.all()))
    diff = diff_since_approval(analysis)
    assert len(diff.added) == 5 and diff.changed == () and diff.analysis == ()
