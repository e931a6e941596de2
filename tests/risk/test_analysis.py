"""Starting an analysis, the questionnaire, and keeping proposals in step with the facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from phiward.audit.models import AuditEntry
from phiward.core.errors import InputProblems, InvalidInput
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.analysis import (
    accept_proposal,
    dismiss_proposal,
    record_answer,
    start_analysis,
    sync_proposals,
    update_analysis,
)
from phiward.risk.models import (
    ProposalStatus,
    QuestionAnswer,
    ReassessmentSource,
    Risk,
    RiskAnalysis,
    RiskProposal,
    Threat,
)
from phiward.risk.register import rate_risk
from tests.risk.conftest import Clinic
from tests.risk.factories import make_asset


def fields_of(error: pytest.ExceptionInfo[InputProblems]) -> list[str | None]:
    return [p.field for p in error.value.problems]


def proposal(analysis: RiskAnalysis, rule: str) -> RiskProposal:
    return RiskProposal.objects.get(analysis=analysis, rule=rule)


# --- starting ----------------------------------------------------------------------------------


def test_start_analysis_validates_and_seeds_the_catalog(clinic: Clinic, officer: User) -> None:
    with pytest.raises(InputProblems) as caught:
        start_analysis(clinic.org, officer, title="x", method="seven_level")
    assert fields_of(caught) == ["method"]
    with pytest.raises(InputProblems) as caught:
        start_analysis(clinic.org, officer, title="x", scope_all_ephi=False)
    assert fields_of(caught) == ["assets"]
    with pytest.raises(InputProblems) as caught:
        start_analysis(
            clinic.org,
            officer,
            title="  ",
            participants=[{"role": "IT"}],
            started_on=dt.date(2026, 1, 1),
            next_review_on=dt.date(2025, 1, 1),
        )
    assert sorted(f or "" for f in fields_of(caught)) == ["next_review_on", "participants", "title"]
    assert not RiskAnalysis.objects.exists()
    analysis = start_analysis(
        clinic.org,
        officer,
        title="2026",
        method="five_level",
        participants=[{"name": "Dana", "role": "Security officer"}],
    )
    assert analysis.started_by == officer and analysis.method == "five_level"
    assert Threat.objects.for_org(clinic.org).filter(key="ransomware").exists()


def test_an_asset_of_another_organization_cannot_be_in_scope(
    clinic: Clinic, officer: User, make_org: Callable[..., Organization]
) -> None:
    stranger = make_asset(make_org(), "Theirs")
    with pytest.raises(InputProblems) as caught:
        start_analysis(clinic.org, officer, title="x", scope_all_ephi=False, assets=[stranger])
    assert fields_of(caught) == ["assets"]


def test_method_cannot_change_once_risks_are_rated(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    update_analysis(analysis, officer, method="five_level")
    assert analysis.method == "five_level"
    sync_proposals(analysis)
    risk = accept_proposal(proposal(analysis, "flow_unencrypted"), officer, likelihood=4, impact=3)
    assert risk.inherent_level == "medium"
    with pytest.raises(InputProblems) as caught:
        update_analysis(analysis, officer, method="three_level")
    assert fields_of(caught) == ["method"]
    update_analysis(analysis, officer, scope_all_ephi=False, assets=[clinic.lt01])
    assert [link.asset for link in analysis.scope_links.all()] == [clinic.lt01]


def test_answers_are_validated_and_replaced(analysis: RiskAnalysis, officer: User) -> None:
    with pytest.raises(InputProblems) as caught:
        record_answer(analysis, officer, "SQ_999", "maybe")
    assert fields_of(caught) == ["question_id", "answer"]
    record_answer(analysis, officer, "SQ_164.312(d).3.01", "no")
    record_answer(analysis, officer, "SQ_164.312(d).3.01", "yes", note="MFA everywhere now")
    (stored,) = QuestionAnswer.objects.filter(analysis=analysis)
    assert (stored.answer, stored.note, stored.answered_by) == (
        "yes",
        "MFA everywhere now",
        officer,
    )


# --- synchronizing -----------------------------------------------------------------------------


def test_first_sync_proposes_from_the_inventory(clinic: Clinic, analysis: RiskAnalysis) -> None:
    result = sync_proposals(analysis)
    rules = sorted(RiskProposal.objects.filter(analysis=analysis).values_list("rule", flat=True))
    assert rules == [
        "ephi_system_without_backup",  # the EHR server: no flow to the backup appliance
        "flow_unencrypted",
        "medical_device_not_segmented",
        "medical_device_unpatchable",
        "portable_device_unencrypted",
        "vendor_without_baa",
    ]
    assert result.created == 6 and result.unchanged == 0
    laptops = proposal(analysis, "portable_device_unencrypted")
    assert laptops.subject_label == "Laptops \u00d72 in Clinic LAN"
    assert sorted(laptops.asset_ids) == sorted([clinic.lt01.pk, clinic.lt02.pk])
    assert laptops.facts["used"] == {"encryption_at_rest": "None"}
    assert laptops.threat.key == "lost-stolen-device"
    assert (laptops.suggested_likelihood, laptops.suggested_impact) == (3, 2)
    vendor = proposal(analysis, "vendor_without_baa")
    assert vendor.vendor == clinic.collections
    assert proposal(analysis, "flow_unencrypted").data_flow == clinic.balances
    again = sync_proposals(analysis)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


def test_sync_is_audited(clinic: Clinic, analysis: RiskAnalysis) -> None:
    sync_proposals(analysis)
    logged = AuditEntry.objects.filter(
        organization_id=clinic.org.pk, object_type="risk.riskproposal", action="create"
    ).count()
    assert logged == 6


def test_a_growing_group_updates_its_proposal(clinic: Clinic, analysis: RiskAnalysis) -> None:
    sync_proposals(analysis)
    make_asset(clinic.org, "LT04", zone=clinic.clinical, encryption_at_rest="none")
    result = sync_proposals(analysis)
    assert (result.created, result.updated) == (0, 1)
    laptops = proposal(analysis, "portable_device_unencrypted")
    assert laptops.subject_label == "Laptops \u00d73 in Clinic LAN"
    assert laptops.status == ProposalStatus.PROPOSED


def test_a_dismissal_stands_until_the_facts_change(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    sync_proposals(analysis)
    laptops = proposal(analysis, "portable_device_unencrypted")
    with pytest.raises(InputProblems) as caught:
        dismiss_proposal(laptops, officer, "   ")
    assert fields_of(caught) == ["reason"]
    dismiss_proposal(laptops, officer, "Loaners, wiped daily")
    assert sync_proposals(analysis).unchanged == 6
    laptops.refresh_from_db()
    assert laptops.status == ProposalStatus.DISMISSED
    assert laptops.dismiss_reason == "Loaners, wiped daily"
    assert laptops.decided_by == officer

    clinic.lt02.encryption_at_rest = "unknown"  # LT02 leaves the group: the facts changed
    clinic.lt02.save()
    result = sync_proposals(analysis)
    laptops.refresh_from_db()
    assert result.reopened == 1 and result.created == 1  # LT02 is now a group of its own
    assert laptops.status == ProposalStatus.PROPOSED
    assert laptops.dismiss_reason == "" and laptops.decided_by is None
    assert laptops.subject_label == "LT01 in Clinic LAN"
    assert "LT01 in Clinic LAN: a portable device" in laptops.reason


def test_impact_inputs_alone_do_not_reopen_a_dismissal(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    sync_proposals(analysis)
    dismiss_proposal(
        proposal(analysis, "ephi_system_without_backup"), officer, "Vendor backs it up"
    )
    clinic.ehr.record_count = 40_000
    clinic.ehr.save()
    sync_proposals(analysis)
    assert proposal(analysis, "ephi_system_without_backup").status == ProposalStatus.DISMISSED


def test_proposals_no_longer_made_are_withdrawn_then_come_back(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    sync_proposals(analysis)
    clinic.balances.transit_encryption = "ssh"
    clinic.balances.save()
    result = sync_proposals(analysis)
    flow = proposal(analysis, "flow_unencrypted")
    assert result.withdrawn == 1
    assert (flow.status, flow.current) == (ProposalStatus.WITHDRAWN, False)
    with pytest.raises(InvalidInput, match="withdrawn"):
        accept_proposal(flow, officer)
    assert sync_proposals(analysis).withdrawn == 0  # withdrawing happens once
    clinic.balances.transit_encryption = "none"
    clinic.balances.save()
    assert sync_proposals(analysis).reopened == 1
    flow.refresh_from_db()
    assert (flow.status, flow.current) == (ProposalStatus.PROPOSED, True)


def test_a_dismissed_proposal_no_longer_made_keeps_its_dismissal(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    sync_proposals(analysis)
    dismiss_proposal(proposal(analysis, "vendor_without_baa"), officer, "Paper only, really")
    clinic.collections.baa_status = "signed"
    clinic.collections.save()
    sync_proposals(analysis)
    dismissed = proposal(analysis, "vendor_without_baa")
    assert (dismissed.status, dismissed.current) == (ProposalStatus.DISMISSED, False)
    clinic.collections.baa_status = "none"
    clinic.collections.save()
    sync_proposals(analysis)  # produced again for the very same facts
    dismissed.refresh_from_db()
    assert (dismissed.status, dismissed.current) == (ProposalStatus.DISMISSED, True)


# --- accepting ---------------------------------------------------------------------------------


def test_accepting_makes_a_numbered_risk_linked_to_the_subject(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    sync_proposals(analysis)
    laptops = proposal(analysis, "portable_device_unencrypted")
    risk = accept_proposal(laptops, officer)
    assert risk.reference == "R-001"
    assert risk.title == (
        "Lost or stolen device or media: Laptops \u00d72 in Clinic LAN "
        "(ePHI stored without encryption at rest)"
    )
    assert risk.description == laptops.reason
    assert {link.asset for link in risk.asset_links.all()} == {clinic.lt01, clinic.lt02}
    assert risk.likelihood is None and risk.inherent_level == ""
    laptops.refresh_from_db()
    assert (laptops.status, laptops.decided_by, laptops.risk) == (
        ProposalStatus.ACCEPTED,
        officer,
        risk,
    )
    with pytest.raises(InvalidInput, match="accepted already"):
        accept_proposal(laptops, officer)
    with pytest.raises(InvalidInput, match="close its risk"):
        dismiss_proposal(laptops, officer, "no")

    vendor = accept_proposal(
        proposal(analysis, "vendor_without_baa"),
        officer,
        title="Collections agency without a BAA",
        threat="misdirected-communication",
        likelihood=3,
        impact=2,
        owner=officer,
    )
    assert vendor.reference == "R-002"
    assert vendor.vendor == clinic.collections
    assert vendor.threat.key == "misdirected-communication"
    assert (vendor.inherent_level, vendor.assessed_by, vendor.owner) == ("high", officer, officer)


def test_accepting_with_bad_edits_writes_nothing(
    clinic: Clinic,
    analysis: RiskAnalysis,
    officer: User,
    make_org: Callable[..., Organization],
    make_member: Callable[..., User],
) -> None:
    sync_proposals(analysis)
    outsider = make_member(make_org(), Role.SECURITY_OFFICER, username="outsider")
    laptops = proposal(analysis, "portable_device_unencrypted")
    with pytest.raises(InputProblems) as caught:
        accept_proposal(laptops, officer, owner=outsider)
    assert fields_of(caught) == ["owner"]
    with pytest.raises(InputProblems) as caught:
        accept_proposal(laptops, officer, likelihood=7, impact=1)
    assert fields_of(caught) == ["likelihood"]
    with pytest.raises(InputProblems) as caught:
        accept_proposal(laptops, officer, threat="meteor")
    assert fields_of(caught) == ["threat"]
    assert not Risk.objects.exists()
    laptops.refresh_from_db()
    assert laptops.status == ProposalStatus.PROPOSED


def test_an_accepted_proposal_whose_facts_change_flags_its_risk(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    sync_proposals(analysis)
    risk = accept_proposal(proposal(analysis, "portable_device_unencrypted"), officer)
    rate_risk(risk, officer, likelihood=3, impact=2)
    lt04 = make_asset(clinic.org, "LT04", zone=clinic.clinical, encryption_at_rest="none")
    result = sync_proposals(analysis)
    assert result.risks_flagged == 1
    risk.refresh_from_db()
    assert risk.needs_reassessment
    (reason,) = risk.reassessments.filter(resolved_at=None)
    assert reason.source == ReassessmentSource.INVENTORY
    assert reason.reason.startswith("The facts behind this risk changed: Laptops \u00d73")
    assert reason.reason.endswith("Newly matching: LT04.")
    assert lt04 in {link.asset for link in risk.asset_links.all()}
    assert sync_proposals(analysis).risks_flagged == 0  # flagged once per change


def test_an_accepted_proposal_no_longer_made_flags_its_risk_once(
    clinic: Clinic, analysis: RiskAnalysis, officer: User
) -> None:
    sync_proposals(analysis)
    risk = accept_proposal(proposal(analysis, "flow_unencrypted"), officer)
    rate_risk(risk, officer, likelihood=3, impact=2)
    clinic.balances.delete()  # also flags the risk, through its data flow
    risk.refresh_from_db()
    rate_risk(risk, officer, likelihood=2, impact=2)
    assert sync_proposals(analysis).risks_flagged == 1
    risk.refresh_from_db()
    assert risk.needs_reassessment
    assert (
        "no longer hold (ePHI sent without encryption"
        in risk.reassessments.latest("created_at").reason
    )
    rate_risk(risk, officer, likelihood=1, impact=2)
    assert sync_proposals(analysis).risks_flagged == 0
    accepted = proposal(analysis, "flow_unencrypted")
    assert (accepted.status, accepted.current) == (ProposalStatus.ACCEPTED, False)


def test_questionnaire_answers_drive_proposals(analysis: RiskAnalysis, officer: User) -> None:
    record_answer(analysis, officer, "SQ_164.312(d).3.01", "no")
    sync_proposals(analysis)
    mfa = proposal(analysis, "questionnaire_gap")
    assert (mfa.vulnerability.key, mfa.threat.key) == ("no-mfa", "phishing-credential-theft")
    assert mfa.subject_label == "Organization-wide"
    # EHR: 20,000 records and critical -> impact high; "no" -> likelihood high.
    assert (mfa.suggested_likelihood, mfa.suggested_impact) == (3, 3)
    record_answer(analysis, officer, "SQ_164.312(d).3.01", "yes")
    assert sync_proposals(analysis).withdrawn == 1


def test_a_retired_catalog_entry_is_no_longer_proposed(
    clinic: Clinic, analysis: RiskAnalysis
) -> None:
    sync_proposals(analysis)
    Threat.objects.for_org(clinic.org).filter(key="vendor-compromise").update(retired=True)
    sync_proposals(analysis)
    assert proposal(analysis, "vendor_without_baa").status == ProposalStatus.WITHDRAWN
