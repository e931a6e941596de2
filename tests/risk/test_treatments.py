"""Treatments and tasks; acceptances count only once approved; overdue and lapsed lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from phiward.core.errors import InputProblems, InvalidInput, PermissionDenied
from phiward.core.models import Organization
from phiward.core.permissions import Role
from phiward.risk.models import Risk, RiskAnalysis, TreatmentStatus
from phiward.risk.register import add_risk, close_risk, rate_risk
from phiward.risk.treatments import (
    add_task,
    add_treatment,
    approve_acceptance,
    complete_task,
    lapsed_acceptances,
    overdue_tasks,
    overdue_treatments,
    pending_acceptances,
    update_treatment,
)
from tests.risk.conftest import Clinic

TODAY = timezone.localdate()
LATER = TODAY + dt.timedelta(days=90)
EARLIER = TODAY - dt.timedelta(days=3)


def fields_of(error: pytest.ExceptionInfo[InputProblems]) -> list[str | None]:
    return sorted(p.field or "" for p in error.value.problems)


@pytest.fixture
def risk(clinic: Clinic, analysis: RiskAnalysis, officer: User) -> Risk:
    return add_risk(
        analysis,
        officer,
        title="Ransomware on the EHR server",
        threat="ransomware",
        vulnerability="no-offline-backup",
        assets=[clinic.ehr],
        likelihood=3,
        impact=3,
    )


def test_each_strategy_says_what_it_needs(risk: Risk, officer: User) -> None:
    with pytest.raises(InputProblems) as caught:
        add_treatment(risk, officer, strategy="mitigate", description="Immutable backups")
    assert fields_of(caught) == ["due_on", "owner"]
    with pytest.raises(InputProblems) as caught:
        add_treatment(risk, officer, strategy="accept", description="Accept for now")
    assert fields_of(caught) == ["expires_on", "justification"]
    with pytest.raises(InputProblems) as caught:
        add_treatment(risk, officer, strategy="transfer", description="Cyber insurance")
    assert fields_of(caught) == ["counterparty"]
    with pytest.raises(InputProblems) as caught:
        add_treatment(
            risk,
            officer,
            strategy="ignore",
            description="x",
            status="someday",
            spec_ids=["164.999(a)"],
        )
    assert fields_of(caught) == ["spec_ids", "status", "strategy"]
    assert not risk.treatments.exists()
    mitigation = add_treatment(
        risk,
        officer,
        strategy="mitigate",
        description="Immutable offsite backups",
        owner=officer,
        due_on=LATER,
        spec_ids=["164.308(a)(7)(ii)(A)", "164.308(a)(7)(ii)(A)"],
    )
    assert mitigation.spec_ids == ["164.308(a)(7)(ii)(A)"]


def test_an_acceptance_is_effective_only_once_approved(
    risk: Risk,
    officer: User,
    clinic: Clinic,
    make_member: Callable[..., User],
) -> None:
    acceptance = add_treatment(
        risk,
        officer,
        strategy="accept",
        description="Accept until Q3",
        justification="Replacement budgeted for Q3",
        expires_on=LATER,
    )
    assert not acceptance.acceptance_effective()
    assert list(pending_acceptances(clinic.org)) == [acceptance]
    privacy = make_member(clinic.org, Role.PRIVACY_OFFICER)
    with pytest.raises(PermissionDenied):
        approve_acceptance(acceptance, privacy)  # may edit, not approve
    approve_acceptance(acceptance, officer)
    acceptance.refresh_from_db()
    assert acceptance.acceptance_effective()
    assert acceptance.approved_by == officer and acceptance.approved_at is not None
    assert list(pending_acceptances(clinic.org)) == []
    with pytest.raises(InvalidInput, match="approved already"):
        approve_acceptance(acceptance, officer)
    # Changing what was accepted withdraws the approval; other changes keep it.
    update_treatment(acceptance, officer, status=TreatmentStatus.IN_PROGRESS)
    assert acceptance.approved_at is not None
    update_treatment(acceptance, officer, expires_on=LATER + dt.timedelta(days=30))
    assert acceptance.approved_at is None and not acceptance.acceptance_effective()


def test_only_a_current_acceptance_is_approved(
    risk: Risk,
    officer: User,
    make_org: Callable[..., Organization],
    make_member: Callable[..., User],
) -> None:
    mitigation = add_treatment(
        risk, officer, strategy="mitigate", description="x", owner=officer, due_on=LATER
    )
    with pytest.raises(InvalidInput, match="not one"):
        approve_acceptance(mitigation, officer)
    lapsed = add_treatment(
        risk, officer, strategy="accept", description="y", justification="z", expires_on=EARLIER
    )
    with pytest.raises(InputProblems) as caught:
        approve_acceptance(lapsed, officer)
    assert fields_of(caught) == ["expires_on"]
    stranger = make_member(make_org(), Role.OWNER, username="stranger")
    fresh = add_treatment(
        risk, officer, strategy="accept", description="w", justification="v", expires_on=LATER
    )
    with pytest.raises(PermissionDenied):
        approve_acceptance(fresh, stranger)


def test_overdue_and_lapsed_lists(risk: Risk, officer: User, clinic: Clinic) -> None:
    late = add_treatment(
        risk, officer, strategy="mitigate", description="late", owner=officer, due_on=EARLIER
    )
    add_treatment(
        risk, officer, strategy="mitigate", description="on time", owner=officer, due_on=LATER
    )
    finished = add_treatment(
        risk,
        officer,
        strategy="mitigate",
        description="done late",
        owner=officer,
        due_on=EARLIER,
        status="done",
    )
    lapsed = add_treatment(
        risk,
        officer,
        strategy="accept",
        description="old acceptance",
        justification="then",
        expires_on=EARLIER,
    )
    assert list(overdue_treatments(clinic.org)) == [late]
    assert list(lapsed_acceptances(clinic.org)) == [lapsed]
    assert finished.completed_on == TODAY
    task = add_task(late, officer, title="Buy the appliance", owner=officer, due_on=EARLIER)
    assert list(overdue_tasks(clinic.org)) == [task]
    complete_task(task, officer)
    assert list(overdue_tasks(clinic.org)) == []
    with pytest.raises(InputProblems) as caught:
        add_task(late, officer, title=" ")
    assert fields_of(caught) == ["title"]
    close_risk(risk, officer, "System decommissioned")
    assert list(overdue_treatments(clinic.org)) == []  # only open risks' treatments count
    assert list(lapsed_acceptances(clinic.org)) == []


def test_finishing_a_treatment_asks_for_a_new_residual_rating(risk: Risk, officer: User) -> None:
    rate_risk(risk, officer, likelihood=3, impact=3)
    mitigation = add_treatment(
        risk, officer, strategy="mitigate", description="Offsite copy", owner=officer, due_on=LATER
    )
    risk.refresh_from_db()
    assert not risk.needs_reassessment
    update_treatment(mitigation, officer, status="done")
    risk.refresh_from_db()
    assert risk.needs_reassessment
    assert "rate the residual risk again" in risk.reassessments.get(resolved_at=None).reason


def test_closed_risks_take_no_new_treatments(risk: Risk, officer: User) -> None:
    close_risk(risk, officer, "gone")
    with pytest.raises(InvalidInput, match="closed"):
        add_treatment(risk, officer, strategy="avoid", description="Stop using it")
