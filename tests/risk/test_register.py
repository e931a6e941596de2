"""The register: rating, adding, closing, re-opening, confirming; R-numbers under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections

from phiward.core.errors import InputProblems, InvalidInput
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.analysis import accept_proposal, start_analysis, sync_proposals
from phiward.risk.changes import flag_risks
from phiward.risk.models import ReassessmentSource, Risk, RiskAnalysis, RiskProposal
from phiward.risk.register import (
    add_risk,
    close_risk,
    confirm_risk,
    rate_risk,
    reopen_risk,
    update_risk,
)
from tests.risk.conftest import Clinic, build_clinic


def fields_of(error: pytest.ExceptionInfo[InputProblems]) -> list[str | None]:
    return [p.field for p in error.value.problems]


@pytest.fixture
def risk(clinic: Clinic, analysis: RiskAnalysis, officer: User) -> Risk:
    return add_risk(
        analysis,
        officer,
        title="Laptop theft",
        threat="lost-stolen-device",
        vulnerability="no-encryption-at-rest",
        assets=[clinic.lt01],
    )


def test_rating_computes_levels_on_the_method(risk: Risk, officer: User) -> None:
    rate_risk(risk, officer, likelihood=3, impact=3, residual_likelihood=1, residual_impact=3)
    risk.refresh_from_db()
    assert (risk.inherent_level, risk.residual_level) == ("critical", "medium")
    assert risk.level is not None and risk.level.value == "medium"
    assert risk.assessed_by == officer and risk.assessed_at is not None


def test_five_level_ratings_use_the_nist_matrix(clinic: Clinic, officer: User) -> None:
    analysis = start_analysis(clinic.org, officer, title="NIST", method="five_level")
    risk = add_risk(
        analysis,
        officer,
        title="x",
        threat="ransomware",
        vulnerability="no-offline-backup",
        likelihood=5,
        impact=5,
    )
    assert risk.inherent_level == "very_high"
    rate_risk(risk, officer, likelihood=2, impact=5)
    assert risk.inherent_level == "medium"


def test_rating_errors_name_the_field(risk: Risk, officer: User) -> None:
    with pytest.raises(InputProblems) as caught:
        rate_risk(risk, officer, likelihood=0, impact=4)
    assert fields_of(caught) == ["likelihood", "impact"]
    with pytest.raises(InputProblems) as caught:
        rate_risk(risk, officer, likelihood=2, impact=2, residual_likelihood=3)
    assert fields_of(caught) == ["residual_impact"]
    with pytest.raises(InputProblems) as caught:
        rate_risk(risk, officer, likelihood=2, impact=2, residual_likelihood=3, residual_impact=1)
    assert fields_of(caught) == ["residual_likelihood"]
    with pytest.raises(InputProblems) as caught:
        rate_risk(risk, officer, likelihood=2, impact=2, residual_likelihood=1, residual_impact=9)
    assert fields_of(caught) == ["residual_impact"]
    risk.refresh_from_db()
    assert risk.likelihood is None  # nothing half-written


def test_rating_resolves_reassessment_reasons(risk: Risk, officer: User, clinic: Clinic) -> None:
    rate_risk(risk, officer, likelihood=2, impact=2)
    flag_risks(
        clinic.org, ReassessmentSource.INCIDENT, "Incident 7 involved a laptop", risks=[risk]
    )
    risk.refresh_from_db()
    assert risk.needs_reassessment
    rate_risk(risk, officer, likelihood=3, impact=2, current_controls="BitLocker on 9 of 10")
    risk.refresh_from_db()
    assert not risk.needs_reassessment
    assert risk.current_controls == "BitLocker on 9 of 10"
    (reason,) = risk.reassessments.all()
    assert reason.resolved_by == officer and reason.resolved_at is not None


def test_confirming_keeps_the_rating(risk: Risk, officer: User, clinic: Clinic) -> None:
    with pytest.raises(InputProblems) as caught:
        confirm_risk(risk, officer)
    assert fields_of(caught) == ["likelihood"]
    rate_risk(risk, officer, likelihood=2, impact=2)
    flag_risks(clinic.org, ReassessmentSource.SAFEGUARD, "Encryption policy retired", risks=[risk])
    confirm_risk(risk, officer, note="Still covered by MDM")
    risk.refresh_from_db()
    assert (risk.likelihood, risk.needs_reassessment) == (2, False)
    assert risk.reassessments.filter(resolved_at=None).count() == 0
    assert risk.reassessments.filter(reason="Confirmed: Still covered by MDM").exists()


def test_owner_must_be_a_member(
    risk: Risk,
    officer: User,
    make_org: Callable[..., Organization],
    make_member: Callable[..., User],
) -> None:
    outsider = make_member(make_org(), Role.SECURITY_OFFICER, username="outsider")
    with pytest.raises(InputProblems) as caught:
        rate_risk(risk, officer, likelihood=1, impact=1, owner=outsider)
    assert fields_of(caught) == ["owner"]
    with pytest.raises(InputProblems) as caught:
        update_risk(risk, officer, owner=outsider, title="")
    assert fields_of(caught) == ["owner"]
    update_risk(risk, officer, owner=officer, title="Laptop loss or theft")
    risk.refresh_from_db()
    assert (risk.owner, risk.title) == (officer, "Laptop loss or theft")


def test_linked_assets_can_be_replaced(risk: Risk, officer: User, clinic: Clinic) -> None:
    update_risk(risk, officer, assets=[clinic.lt02, clinic.lt03])
    assert {link.asset for link in risk.asset_links.all()} == {clinic.lt02, clinic.lt03}


def test_add_risk_validates(analysis: RiskAnalysis, officer: User) -> None:
    with pytest.raises(InputProblems) as caught:
        add_risk(analysis, officer, title="x", threat="meteor", vulnerability="no-mfa")
    assert fields_of(caught) == ["threat"]
    with pytest.raises(InputProblems) as caught:
        add_risk(analysis, officer, title=" ", threat="ransomware", vulnerability="no-mfa")
    assert fields_of(caught) == ["title"]
    assert not Risk.objects.exists()


def test_close_and_reopen(risk: Risk, officer: User) -> None:
    with pytest.raises(InputProblems) as caught:
        close_risk(risk, officer, "")
    assert fields_of(caught) == ["reason"]
    close_risk(risk, officer, "Laptops replaced by encrypted ones")
    risk.refresh_from_db()
    assert (risk.status, risk.close_reason) == ("closed", "Laptops replaced by encrypted ones")
    with pytest.raises(InvalidInput, match="closed"):
        rate_risk(risk, officer, likelihood=1, impact=1)
    with pytest.raises(InvalidInput, match="already closed"):
        close_risk(risk, officer, "again")
    reopen_risk(risk, officer, "One old laptop found in a drawer")
    assert risk.status == "open" and risk.needs_reassessment
    assert risk.reassessments.get(resolved_at=None).reason == (
        "Re-opened: One old laptop found in a drawer"
    )


def test_numbers_follow_each_other_per_organization(
    clinic: Clinic, analysis: RiskAnalysis, officer: User, make_org: Callable[..., Organization]
) -> None:
    numbers = [
        add_risk(
            analysis, officer, title=f"r{i}", threat="ransomware", vulnerability="no-mfa"
        ).reference
        for i in range(3)
    ]
    assert numbers == ["R-001", "R-002", "R-003"]
    other = make_org()
    theirs = start_analysis(other, None, title="Theirs")
    assert (
        add_risk(theirs, None, title="x", threat="ransomware", vulnerability="no-mfa").reference
        == "R-001"
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_accepts_take_distinct_numbers(make_org: Callable[..., Organization]) -> None:
    org = make_org()
    clinic = build_clinic(org)
    analysis = start_analysis(clinic.org, None, title="Race")
    sync_proposals(analysis)
    proposals = list(RiskProposal.objects.filter(analysis=analysis))
    assert len(proposals) >= 5
    barrier = threading.Barrier(len(proposals))
    errors: list[BaseException] = []

    def accept(proposal: RiskProposal) -> None:
        try:
            barrier.wait()
            accept_proposal(proposal, None)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Risk.objects.for_org(org).values_list("number", flat=True))
    assert numbers == list(range(1, len(proposals) + 1))
