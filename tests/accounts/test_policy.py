"""The account policy engine: who needs MFA, the strictest session limits, session states."""

from __future__ import annotations

import pytest

from phiward.accounts.policy import (
    OrgAccess,
    SessionLimits,
    SessionState,
    activity_refresh_seconds,
    mfa_required,
    session_limits,
    session_state,
)
from phiward.core.permissions import Role


def test_everyone_needs_mfa_by_default_even_without_an_organization() -> None:
    assert mfa_required([])
    assert all(mfa_required([OrgAccess(role)]) for role in Role)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.WORKFORCE])
def test_relaxing_applies_to_the_workforce_role_only(role: Role) -> None:
    assert mfa_required([OrgAccess(role, workforce_mfa_required=False)])
    assert not mfa_required([OrgAccess(Role.WORKFORCE, workforce_mfa_required=False)])


def test_any_organization_requiring_mfa_for_the_role_wins() -> None:
    relaxed = OrgAccess(Role.WORKFORCE, workforce_mfa_required=False)
    assert not mfa_required([relaxed, relaxed])
    assert mfa_required([relaxed, OrgAccess(Role.WORKFORCE)])
    assert mfa_required([relaxed, OrgAccess(Role.AUDITOR, workforce_mfa_required=False)])


def test_limits_are_the_strictest_of_the_organizations_and_the_install_caps() -> None:
    assert session_limits([]) == SessionLimits(15 * 60, 12 * 3600)
    orgs = [
        OrgAccess(Role.OWNER, idle_minutes=30, lifetime_hours=8),
        OrgAccess(Role.AUDITOR, idle_minutes=10, lifetime_hours=20),
    ]
    assert session_limits(orgs) == SessionLimits(600, 8 * 3600)
    assert session_limits(orgs, idle_cap=5, lifetime_cap=60) == SessionLimits(5, 60)
    assert session_limits(orgs, idle_cap=3600) == SessionLimits(600, 8 * 3600)


def test_session_states_at_the_boundaries() -> None:
    limits = SessionLimits(idle_seconds=900, lifetime_seconds=3600)
    assert session_state(limits, started=0, last_seen=0, now=899) is SessionState.ACTIVE
    assert session_state(limits, started=0, last_seen=0, now=900) is SessionState.IDLE
    assert session_state(limits, started=0, last_seen=3000, now=3599) is SessionState.ACTIVE
    assert session_state(limits, started=0, last_seen=3599, now=3600) is SessionState.EXPIRED


def test_activity_is_written_back_at_most_every_tenth_of_the_idle_timeout() -> None:
    assert activity_refresh_seconds(SessionLimits(900, 3600)) == 60
    assert activity_refresh_seconds(SessionLimits(100, 3600)) == 10
    assert activity_refresh_seconds(SessionLimits(5, 3600)) == 0
